"""Start-up checks: settings a live deployment needs, shown as warnings on the intake health page and logged
at start-up. Each check is one entry in CHECKS: the setting, a test that passes when it is fine, and what
to do about it. None of them stops the service (a demo or a test runs without them)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from intake.config.settings import Settings

log = logging.getLogger(__name__)
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class Check:
    """One setting a live deployment needs."""

    setting: str
    passes: Callable[[Settings, Mapping[str, str]], bool]
    message: str


@dataclass(frozen=True)
class DeploymentWarning:
    """A check that did not pass."""

    setting: str
    message: str


def _encryption_key(settings: Settings, env: Mapping[str, str]) -> bool:
    """A key file named in config.yaml (encryption.key_file) or the environment (INTAKE_ENCRYPTION_KEY_FILE)."""
    return settings.encryption.key_file is not None or bool(env.get("INTAKE_ENCRYPTION_KEY_FILE"))


CHECKS: tuple[Check, ...] = (
    Check("acknowledgements.phone",
          lambda s, env: not s.acknowledgements.enabled or bool(s.acknowledgements.phone.strip()),
          "acknowledgements ask referrers to telephone for the password of a protected form, but no phone "
          "number is set"),
    Check("acknowledgements.form_url",
          lambda s, env: not s.acknowledgements.enabled or bool(s.acknowledgements.form_url.strip()),
          "acknowledgements of emails without a form cannot say where the referral forms are"),
    Check("digest.recipients", lambda s, env: not s.digest.enabled or bool(s.digest.recipients),
          "the daily digest is on but has no recipients, so no manager receives it"),
    Check("web.base_url (INTAKE_WEB_BASE_URL)", lambda s, env: bool(s.web.base_url),
          "links in the digest use this machine's own address and port; set the address staff use"),
    Check("INTAKE_WEB_SECRET",
          lambda s, env: s.web.session_secret is not None
          and len(s.web.session_secret.get_secret_value()) >= MIN_SECRET_LENGTH,
          f"no session secret of at least {MIN_SECRET_LENGTH} characters: a random one is made per process, "
          "so forms opened before a restart are refused after it"),
    Check("INTAKE_ENCRYPTION_KEY_FILE", _encryption_key,
          "no key file for data at rest is configured: a demo key was made beside the data it protects; make one "
          "with `python service.py keys new --file PATH`, keep it apart from the data and its backups, and set "
          "INTAKE_ENCRYPTION_KEY_FILE=PATH"),
    Check("sender_trust.authserv_id",
          lambda s, env: not s.acknowledgements.enabled or bool(s.sender_trust.authserv_id),
          "acknowledgements go to unauthenticated senders: anyone can make the service write to any address "
          "under the partnership's name; name the receiving server whose Authentication-Results to trust "
          "(microsoft365 for Microsoft 365)"),
    Check("web.oidc client secret",
          lambda s, env: s.web.oidc is None or s.web.oidc.client_secret is not None,
          "sign-in with the identity provider is configured but its client secret is not in the environment"),
)


def deployment_warnings(settings: Settings, env: Mapping[str, str] | None = None) -> list[DeploymentWarning]:
    """The checks that do not pass for these settings."""
    env = os.environ if env is None else env
    return [DeploymentWarning(c.setting, c.message) for c in CHECKS if not c.passes(settings, env)]


def log_deployment_warnings(settings: Settings) -> None:
    """Log each failing check once at start-up."""
    for warning in deployment_warnings(settings):
        log.warning("setting %s: %s", warning.setting, warning.message)
