"""Configuration: typed, validated at start-up, overridden by INTAKE_* variables, secrets never in files."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.config.loader import DEFAULT_CONFIG, ConfigError, describe_settings, load_settings
from intake.config.settings import Security


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_the_shipped_config_file_is_valid_and_uses_sqlite() -> None:
    settings = load_settings(DEFAULT_CONFIG, env={})
    assert settings.database.url.startswith("sqlite:///")
    assert settings.accounts == ()


def test_every_interface_variable_overrides_its_setting(tmp_path: Path) -> None:
    env = {"INTAKE_DATABASE_URL": "postgresql+psycopg://intake@db/intake", "INTAKE_IMAP_HOST": "127.0.0.1",
           "INTAKE_IMAP_PORT": "1143", "INTAKE_IMAP_USERNAME": "referrals", "INTAKE_IMAP_PASSWORD": "s3cret",
           "INTAKE_IMAP_SECURITY": "none", "INTAKE_IMAP_FOLDER": "Referrals, Inbox/Forms",
           "INTAKE_SMTP_HOST": "smtp.example.org", "INTAKE_SMTP_PORT": "587", "INTAKE_SMTP_USERNAME": "relay",
           "INTAKE_SMTP_PASSWORD": "p", "INTAKE_SMTP_SECURITY": "starttls",
           "INTAKE_MAILBOX_ADDRESS": "lscp@example.org"}
    settings = load_settings(DEFAULT_CONFIG, env=env)
    account = settings.accounts[0]
    assert (account.host, account.port, account.username, account.security) == ("127.0.0.1", 1143, "referrals",
                                                                                 Security.NONE)
    assert account.folders == ("Referrals", "Inbox/Forms")
    assert account.password.get_secret_value() == "s3cret"
    assert (settings.smtp.host, settings.smtp.port, settings.smtp.security) == ("smtp.example.org", 587,
                                                                                Security.STARTTLS)
    assert settings.smtp.password.get_secret_value() == "p"
    assert settings.database.url == "postgresql+psycopg://intake@db/intake"
    assert settings.mailbox_address == "lscp@example.org"


def test_intake_config_names_the_file(tmp_path: Path) -> None:
    path = _config(tmp_path, "mailbox_address: a@b.example\npolling:\n  interval_seconds: 60\n")
    assert load_settings(env={"INTAKE_CONFIG": str(path)}).polling.interval_seconds == 60


@pytest.mark.parametrize(("text", "message"), [
    ("mailbox_address: a@b.example\npoling: {}\n", "poling: unknown setting"),
    ("mailbox_address: a@b.example\nsmtp:\n  port: 99999\n", "smtp.port"),
    ("mailbox_address: not-an-address\n", "mailbox_address"),
    ("mailbox_address: a@b.example\naccounts:\n  - name: x\n    host: imap.example.org\n    username: u\n"
     "    security: none\n", "security 'none' is allowed only to a loopback address"),
    ("mailbox_address: a@b.example\naccounts:\n  - name: x\n    host: h\n    username: u\n    auth: oauth2\n",
     "needs an 'oauth2' section"),
    ("mailbox_address: a@b.example\nsmtp:\n  password: hunter2\n", "'password' must not be in the file"),
    ("mailbox_address: [unclosed\n", "not valid YAML"),
])
def test_a_bad_config_is_refused_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("'", "'")):
        load_settings(_config(tmp_path, text), env={})


def test_a_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_settings(tmp_path / "absent.yaml", env={})


def test_check_config_output_masks_every_secret() -> None:
    env = {"INTAKE_IMAP_HOST": "127.0.0.1", "INTAKE_IMAP_USERNAME": "u", "INTAKE_IMAP_SECURITY": "none",
           "INTAKE_IMAP_PASSWORD": "imap-secret", "INTAKE_SMTP_PASSWORD": "smtp-secret",
           "INTAKE_DATABASE_URL": "postgresql+psycopg://intake:db-secret@db/intake"}
    text = str(describe_settings(load_settings(DEFAULT_CONFIG, env=env)))
    for secret in ("imap-secret", "smtp-secret", "db-secret"):
        assert secret not in text
    assert "***" in text


@pytest.mark.parametrize("url", ["postgresql+psycopg://intake:db-secret@db/intake",
                                 "postgresql+psycopg://intake@db/intake?password=db-secret"])
def test_a_database_url_with_a_password_in_the_file_is_refused(tmp_path: Path, url: str) -> None:
    path = _config(tmp_path, f"mailbox_address: a@b.example\ndatabase:\n  url: {url}\n")
    with pytest.raises(ConfigError, match=r"database\.url must not carry a password") as refused:
        load_settings(path, env={})
    assert "db-secret" not in str(refused.value)
    # The same URL from the environment is how the password is given.
    settings = load_settings(_config(tmp_path, "mailbox_address: a@b.example\n"), env={"INTAKE_DATABASE_URL": url})
    assert settings.database.url == url
    # A URL without a password stays fine in the file.
    path = _config(tmp_path, "mailbox_address: a@b.example\ndatabase:\n  url: postgresql+psycopg://intake@db/i\n")
    assert load_settings(path, env={}).database.url.endswith("@db/i")
