"""Start-up checks: each failing setting gives one warning; a complete live configuration gives none."""

from __future__ import annotations

from pathlib import Path

from intake.config.checks import CHECKS, deployment_warnings
from intake.config.settings import EncryptionSettings
from tests.conftest import make_settings

LIVE = """acknowledgements:
  phone: 01628 000000
  form_url: https://www.rbwm.example.org/safeguarding-referral-forms
digest:
  recipients: [safeguarding.manager@rbwm.example.org]
sender_trust:
  authserv_id: microsoft365
web:
  base_url: https://triage.rbwm.example.org
"""


def test_a_bare_configuration_warns_about_each_setting(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, db_url="sqlite://").model_copy(update={"encryption": EncryptionSettings()})
    names = [w.setting for w in deployment_warnings(settings, env={})]
    assert names == ["acknowledgements.phone", "acknowledgements.form_url", "digest.recipients",
                     "web.base_url (INTAKE_WEB_BASE_URL)", "INTAKE_WEB_SECRET", "INTAKE_ENCRYPTION_KEY_FILE",
                     "sender_trust.authserv_id"]
    assert len(CHECKS) == len(names) + 1  # the OIDC secret check passes when OIDC is not configured


def test_a_live_configuration_passes_every_check(tmp_path: Path) -> None:
    env = {"INTAKE_WEB_SECRET": "s" * 40, "INTAKE_ENCRYPTION_KEY_FILE": "/etc/intake/key",
           "INTAKE_OIDC_CLIENT_SECRET": "x"}
    oidc = "  oidc:\n    issuer: https://login.microsoftonline.com/t/v2.0\n    client_id: abc\n"
    settings = make_settings(tmp_path, db_url="sqlite://", extra_yaml=LIVE + oidc, env=env)
    assert deployment_warnings(settings, env=env) == []
    short = make_settings(tmp_path, db_url="sqlite://", extra_yaml=LIVE, env={"INTAKE_WEB_SECRET": "short"})
    assert [w.setting for w in deployment_warnings(short, env={"INTAKE_ENCRYPTION_KEY_FILE": "/k"})] == [
        "INTAKE_WEB_SECRET"]
