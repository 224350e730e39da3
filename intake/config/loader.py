"""Loading the configuration: config.yaml, then INTAKE_* environment overrides, validated once at start-up.

Secrets are never read from the file: passwords and client secrets come from environment variables
whose names the file may choose (``password_env``), so a leaked config file leaks no credential.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr, ValidationError

from intake.config.settings import Settings

DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "config.yaml"


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key and the problem."""


# INTAKE_* variable -> (path into the raw config, converter). The IMAP ones address the first account.
_SCALAR_OVERRIDES: dict[str, tuple[str, ...]] = {
    "INTAKE_DATABASE_URL": ("database", "url"),
    "INTAKE_MAILBOX_ADDRESS": ("mailbox_address",),
    "INTAKE_SMTP_HOST": ("smtp", "host"),
    "INTAKE_SMTP_PORT": ("smtp", "port"),
    "INTAKE_SMTP_USERNAME": ("smtp", "username"),
    "INTAKE_SMTP_SECURITY": ("smtp", "security"),
    "INTAKE_LOG_LEVEL": ("logging", "level"),
    "INTAKE_WEB_PORT": ("web", "port"),
    "INTAKE_WEB_BASE_URL": ("web", "base_url"),
    "INTAKE_OIDC_ISSUER": ("web", "oidc", "issuer"),
    "INTAKE_OIDC_CLIENT_ID": ("web", "oidc", "client_id"),
    "INTAKE_ENCRYPTION_KEY_FILE": ("encryption", "key_file"),
    "INTAKE_PRODUCTION": ("production",),
}
_IMAP_OVERRIDES = {
    "INTAKE_IMAP_HOST": "host",
    "INTAKE_IMAP_PORT": "port",
    "INTAKE_IMAP_USERNAME": "username",
    "INTAKE_IMAP_SECURITY": "security",
}


def _apply_overrides(raw: dict[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    for var, path in _SCALAR_OVERRIDES.items():
        if var in env:
            node = raw
            for key in path[:-1]:
                if not isinstance(node.get(key), dict):
                    node[key] = {}
                node = node[key]
            node[path[-1]] = env[var]
    imap: dict[str, str | list[str]] = {key: env[var] for var, key in _IMAP_OVERRIDES.items() if var in env}
    if "INTAKE_IMAP_FOLDER" in env:
        imap["folders"] = [f.strip() for f in env["INTAKE_IMAP_FOLDER"].split(",") if f.strip()]
    if imap:
        accounts = list(raw.get("accounts") or [])
        first = dict(accounts[0]) if accounts else {"name": "default"}
        first.update(imap)
        raw["accounts"] = [first, *accounts[1:]]
    return raw


def _apply_secrets(settings: Settings, env: Mapping[str, str]) -> Settings:
    accounts = []
    for index, account in enumerate(settings.accounts):
        name = account.password_env
        value = env.get(name) or (env.get("INTAKE_IMAP_PASSWORD") if index == 0 else None)
        accounts.append(account.model_copy(update={"password": SecretStr(value) if value else None}))
    smtp_password = env.get("INTAKE_SMTP_PASSWORD")
    smtp = settings.smtp.model_copy(update={"password": SecretStr(smtp_password) if smtp_password else None})
    web_secret = env.get("INTAKE_WEB_SECRET")
    web = settings.web.model_copy(update={"session_secret": SecretStr(web_secret) if web_secret else None})
    if web.oidc is not None:
        oidc_secret = env.get(web.oidc.client_secret_env)
        oidc = web.oidc.model_copy(update={"client_secret": SecretStr(oidc_secret) if oidc_secret else None})
        web = web.model_copy(update={"oidc": oidc})
    smime_key = env.get(settings.secure_mail.smime_private_key_env)
    secure_mail = settings.secure_mail.model_copy(
        update={"smime_private_key": SecretStr(smime_key) if smime_key else None})
    return settings.model_copy(update={"accounts": tuple(accounts), "smtp": smtp, "web": web,
                                       "secure_mail": secure_mail})


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown setting (misspelt?)"
        lines.append(f"{key}: {message}")
    return "; ".join(lines)


def load_settings(path: Path | str | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read, override and validate the configuration; raise ConfigError naming the key on any problem."""
    env = os.environ if env is None else env
    config_path = Path(path or env.get("INTAKE_CONFIG") or DEFAULT_CONFIG)
    try:
        raw = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"cannot read config file {config_path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{config_path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{config_path}: the top level must be a mapping of settings")
    for secret_key in ("password", "client_secret"):
        if _contains_key(raw, secret_key):
            raise ConfigError(f"{config_path}: '{secret_key}' must not be in the file; set it in the environment")
    database = raw.get("database")
    if isinstance(database, dict) and _url_has_password(database.get("url")):
        raise ConfigError(f"{config_path}: database.url must not carry a password in the file; set the whole URL "
                          "in INTAKE_DATABASE_URL (or use a password file: ~/.pgpass, PGPASSFILE)")
    raw = _apply_overrides(raw, env)
    raw["config_path"] = str(config_path)
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{config_path}: {_describe(exc)}") from None
    return _apply_secrets(settings, env)


def _url_has_password(url: Any) -> bool:
    """Whether a database URL carries a password, in its user part or as a query parameter (libpq's
    `?password=`). A URL that does not parse is left to the database layer's clearer error."""
    if not isinstance(url, str):
        return False
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return ":" in url.split("://", 1)[-1].split("@", 1)[0] and "@" in url  # user:secret@host, unparsed
    return bool(parsed.password) or any(key.lower() == "password" for key in parsed.query)


def _contains_key(node: Any, key: str) -> bool:
    if isinstance(node, dict):
        return key in node or any(_contains_key(v, key) for v in node.values())
    if isinstance(node, list):
        return any(_contains_key(v, key) for v in node)
    return False


def describe_settings(settings: Settings) -> dict[str, Any]:
    """The effective settings as plain data with every secret masked, for `check-config`."""
    data = settings.model_dump(mode="json")
    data["database"]["url"] = _mask_url(settings.database.url)
    for account, source in zip(data["accounts"], settings.accounts, strict=True):
        account["password"] = "***" if source.password else None
    data["smtp"]["password"] = "***" if settings.smtp.password else None
    data["web"]["session_secret"] = "***" if settings.web.session_secret else None
    data["web"]["public_url"] = settings.web.public_url
    if settings.web.oidc is not None:
        data["web"]["oidc"]["client_secret"] = "***" if settings.web.oidc.client_secret else None
    data["secure_mail"]["smime_private_key"] = "***" if settings.secure_mail.smime_private_key else None
    return data


def _mask_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparseable URL is reported by the database layer; never print it raw
        return "***"
