"""Typed settings: every section of config.yaml as a frozen, validated model (loaded by intake.config.loader).

Secrets are never read from the file: passwords and client secrets come from environment variables
whose names the file may choose (``password_env``), so a leaked config file leaks no credential.
"""

from __future__ import annotations

import ipaddress
import os
import re
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from rules.area import area_from_mapping


class Security(StrEnum):
    """Transport security for IMAP and SMTP."""

    SSL = "ssl"
    STARTTLS = "starttls"
    NONE = "none"


class AuthMethod(StrEnum):
    """How an IMAP account logs in."""

    PASSWORD = "password"
    OAUTH2 = "oauth2"


class AfterProcessing(StrEnum):
    """What happens to a message on the server once its disposition is committed."""

    MOVE = "move"
    FLAG = "flag"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OAuth2Settings(_Strict):
    """Microsoft 365 client-credentials flow (app registration with IMAP.AccessAsApp)."""

    tenant_id: str
    client_id: str
    client_secret_env: str = "INTAKE_OAUTH_CLIENT_SECRET"
    certificate_path: Path | None = None
    certificate_thumbprint: str | None = None
    authority_host: str = "https://login.microsoftonline.com"
    scope: str = "https://outlook.office365.com/.default"


class AccountSettings(_Strict):
    """One IMAP mailbox to watch."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    host: str
    port: int = Field(default=993, ge=1, le=65535)
    security: Security = Security.SSL
    username: str
    auth: AuthMethod = AuthMethod.PASSWORD
    password_env: str = "INTAKE_IMAP_PASSWORD"
    password: SecretStr | None = Field(default=None, exclude=True)  # filled from the environment only
    oauth2: OAuth2Settings | None = None
    folders: tuple[str, ...] = ("INBOX",)
    after_processing: AfterProcessing = AfterProcessing.MOVE
    processed_folder: str = "Processed"
    quarantine_folder: str = "Quarantine"
    flag: str = "$Processed"
    batch_size: int = Field(default=25, ge=1, le=1000)
    timeout_seconds: float = Field(default=60, gt=0)
    idle: bool = True

    @model_validator(mode="after")
    def _check(self) -> AccountSettings:
        if self.security is Security.NONE and not _is_loopback(self.host):
            raise ValueError(f"security 'none' is allowed only to a loopback address, not {self.host!r}")
        if self.auth is AuthMethod.OAUTH2 and self.oauth2 is None:
            raise ValueError("auth 'oauth2' needs an 'oauth2' section (tenant_id, client_id)")
        if not self.folders:
            raise ValueError("folders: at least one folder is needed")
        return self


class PartnershipSettings(_Strict):
    """Who we are, for rules and wording."""

    name: str = "Safeguarding Partnership"
    local_authority: str = "Local Authority"
    timezone: str = "Europe/London"
    # Postcode districts, sectors and place names of the area (rules/area.py reads and validates them).
    area: dict[str, Any] | None = None

    @field_validator("area")
    @classmethod
    def _area(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        area_from_mapping(value)  # raises ValueError naming the key
        return value


class DatabaseSettings(_Strict):
    """Where the queue lives."""

    url: str = "sqlite:///var/intake.db"


class PollingSettings(_Strict):
    """Schedules of the mailbox watcher."""

    interval_seconds: float = Field(default=300, gt=0)
    idle_renew_seconds: float = Field(default=1500, gt=0, le=1740)
    reconnect_backoff_max_seconds: float = Field(default=300, gt=0)


class SmtpSettings(_Strict):
    """Outgoing mail server (Microsoft 365: smtp.office365.com, 587, starttls, oauth2)."""

    host: str = "localhost"
    port: int = Field(default=25, ge=1, le=65535)
    security: Security = Security.NONE
    username: str | None = None
    auth: AuthMethod = AuthMethod.PASSWORD  # password (or none, with no username) | oauth2
    password: SecretStr | None = Field(default=None, exclude=True)  # INTAKE_SMTP_PASSWORD only
    oauth2: OAuth2Settings | None = None
    timeout_seconds: float = Field(default=60, gt=0)

    @model_validator(mode="after")
    def _check(self) -> SmtpSettings:
        if self.security is Security.NONE and self.username and not _is_loopback(self.host):
            raise ValueError("a password is never sent without TLS: use ssl or starttls, or a loopback relay")
        if self.auth is AuthMethod.OAUTH2 and (self.oauth2 is None or not self.username):
            raise ValueError("auth 'oauth2' needs a username and an 'oauth2' section (tenant_id, client_id)")
        return self


class OutboxSettings(_Strict):
    """How the sender job delivers queued mail: how often, and how long it keeps trying."""

    send_interval_seconds: float = Field(default=30, gt=0)
    batch_size: int = Field(default=50, ge=1, le=1000)
    max_attempts: int = Field(default=8, ge=1, le=100)
    backoff_base_seconds: float = Field(default=60, gt=0)
    backoff_max_seconds: float = Field(default=3600, gt=0)
    # A row still "sending" after this long was interrupted (a crash): it is held for staff, never resent.
    sending_lease_seconds: float = Field(default=600, gt=0)


class AcknowledgementSettings(_Strict):
    """Automatic acknowledgements to referrers, and the limits that keep them from ever looping."""

    enabled: bool = True
    acknowledge_follow_ups: bool = False
    form_url: str = ""
    phone: str = ""
    max_per_hour: int = Field(default=10, ge=0)
    max_per_day: int = Field(default=50, ge=0)
    # Flood caps (issue 13): beyond these, acknowledgements are HELD for a manager to release or discard; the
    # cases are filed all the same. Per domain counts a registrable domain (a.evil.example = evil.example).
    per_domain_per_hour: int = Field(default=20, ge=0)
    per_domain_per_day: int = Field(default=60, ge=0)
    overall_per_hour: int = Field(default=60, ge=0)
    overall_per_day: int = Field(default=300, ge=0)
    # Domains whose many senders are expected (nhs.net): the per-domain cap does not apply, the overall one does.
    uncapped_domains: tuple[str, ...] = ()

    @field_validator("uncapped_domains")
    @classmethod
    def _lower_domains(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(d.strip().lower().removeprefix("@") for d in value if d.strip())


class DuplicateSettings(_Strict):
    """How far back a new referral is compared with earlier cases."""

    window_days: int = Field(default=90, ge=0)


class LimitSettings(_Strict):
    """Guards against hostile or broken input."""

    max_message_bytes: int = Field(default=50 * 2**20, gt=0)
    max_attachment_bytes: int = Field(default=25 * 2**20, gt=0)
    max_uncompressed_bytes: int = Field(default=100 * 2**20, gt=0)
    extraction_timeout_seconds: float = Field(default=60, gt=0)
    extraction_memory_bytes: int = Field(default=2**30, gt=0)
    # Attachments filed per message (forms first); the rest stay in the raw email, noted as one warning.
    max_attachments_per_message: int = Field(default=50, ge=1, le=10_000)
    # Page images (photos, scans) read by OCR per message; the rest are kept but flagged form_not_extracted.
    max_page_images_per_message: int = Field(default=20, ge=1, le=1000)


class ProcessingSettings(_Strict):
    """How many messages are worked on at once, and the reader processes that parse and read them."""

    workers: int | None = Field(default=None, ge=1, le=64)  # None: the number of cores
    recycle_after_jobs: int = Field(default=100, ge=1)  # a reader process is replaced after this many jobs

    def worker_count(self) -> int:
        """The configured number of workers, or the number of cores this process may use."""
        if self.workers is not None:
            return self.workers
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # not Linux
            return max(1, os.cpu_count() or 1)


class FormsSettings(_Strict):
    """How attachments are read as forms."""

    vocabulary_file: Path | None = None  # None: parsers/vocabulary.yaml (labels and synonyms per field)
    max_pages: int = Field(default=40, ge=1)  # PDF pages read; a referral form is a few pages
    max_ocr_pages: int = Field(default=6, ge=0)  # scanned pages sent to OCR (about a second each)


class SecureMailSettings(_Strict):
    """Secure-email notices and S/MIME: which services are recognised, and the partnership's keys."""

    catalogue_file: Path | None = None  # None: parsers/secure_mail.yaml (services' markers, document links)
    smime_ca_bundle: Path | None = None  # PEM bundle of the CAs whose signers are trusted
    smime_certificate: Path | None = None  # the partnership's own certificate (PEM), that senders encrypt to
    smime_private_key_file: Path | None = None  # its private key (PEM, unencrypted), or from the environment:
    smime_private_key_env: str = "INTAKE_SMIME_PRIVATE_KEY"
    smime_private_key: SecretStr | None = Field(default=None, exclude=True)  # filled from the environment only


class RulesSettings(_Strict):
    """Which triage rule set runs (order, local thresholds, local authority): see rules/rules.yaml."""

    file: Path | None = None  # None: the rules/rules.yaml shipped with the service


class SecureCookies(StrEnum):
    """When session cookies carry the Secure attribute."""

    AUTO = "auto"  # when the request came over https (directly or X-Forwarded-Proto from the TLS proxy)
    ALWAYS = "always"
    NEVER = "never"


class OidcSettings(_Strict):
    """Staff sign-in with an OpenID Connect provider (Microsoft Entra ID, or any other by its issuer).

    The client secret is read from the environment only (``client_secret_env``). ``role_map`` maps values of
    ``roles_claim`` (Entra app roles, or group object ids with ``roles_claim: groups``) to roles; a user with
    none of them is refused.
    """

    issuer: str = Field(pattern=r"^https?://")
    client_id: str = Field(min_length=1)
    client_secret_env: str = "INTAKE_OIDC_CLIENT_SECRET"
    client_secret: SecretStr | None = Field(default=None, exclude=True)  # filled from the environment only
    scopes: str = "openid profile email"
    username_claim: str = "preferred_username"
    roles_claim: str = "roles"
    role_map: dict[str, str] = Field(default_factory=dict)
    label: str = "Sign in with Microsoft"
    leeway_seconds: int = Field(default=60, ge=0, le=300)

    @field_validator("role_map")
    @classmethod
    def _roles(cls, value: dict[str, str]) -> dict[str, str]:
        allowed = {"triage", "manager", "admin"}
        for claim, role in value.items():
            if role not in allowed:
                raise ValueError(f"{claim!r} maps to {role!r}; a role is one of {sorted(allowed)}")
        return value


class WebSettings(_Strict):
    """The triage web UI."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    base_url: str | None = Field(default=None, pattern=r"^https?://")  # INTAKE_WEB_BASE_URL; None: from the port
    oidc: OidcSettings | None = None
    session_secret: SecretStr | None = Field(default=None, exclude=True)  # INTAKE_WEB_SECRET only
    secure_cookies: SecureCookies = SecureCookies.AUTO
    session_hours: float = Field(default=10, gt=0, le=24 * 7)
    lockout_attempts: int = Field(default=5, ge=1, le=100)
    lockout_minutes: float = Field(default=15, gt=0)
    # Issue 13 (sign-in throttle, idle timeout): see README "Users and roles".
    # lockout_attempts: refused sign-ins for one name from one address in lockout_minutes before that pair waits
    # (1 minute, doubling, at most lockout_minutes); address_attempts: the same for one address, whatever the
    # names; account_attempts: for one name from anywhere, after which its sign-ins are slowed (never refused)
    # by up to account_delay_seconds and the audit trail says so.
    address_attempts: int = Field(default=30, ge=1, le=10000)
    account_attempts: int = Field(default=20, ge=1, le=10000)
    account_delay_seconds: float = Field(default=10, ge=0, le=60)
    # Reverse proxies (addresses or networks) whose X-Forwarded-For/-Proto are believed (the TLS proxy in front
    # of the UI): without it every user behind the proxy would share one address for the throttle. Given to
    # uvicorn as forwarded_allow_ips; the default is uvicorn's own (a proxy on this host).
    trusted_proxies: tuple[str, ...] = ("127.0.0.1",)
    idle_timeout_minutes: float = Field(default=30, gt=0, le=24 * 60)

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for address in value:
            try:
                ipaddress.ip_network(address, strict=False)
            except ValueError:
                raise ValueError(f"{address!r} is not an IP address or network") from None
        return value

    def server_options(self) -> dict[str, Any]:
        """uvicorn's options that follow these settings (the service and the tests serve the app alike)."""
        return {"proxy_headers": True, "forwarded_allow_ips": list(self.trusted_proxies)}

    @property
    def public_url(self) -> str:
        """The address staff use (links in mail and the digest): base_url, else this host and port."""
        if self.base_url:
            return self.base_url.rstrip("/")
        host = "localhost" if self.host in ("0.0.0.0", "::", "") else self.host  # noqa: S104 - a name, not a bind
        return f"http://{host}:{self.port}"


class DigestSettings(_Strict):
    """The managers' daily digest."""

    enabled: bool = True
    time: str = Field(default="08:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    timezone: str = "Europe/London"
    working_days_only: bool = True
    recipients: tuple[str, ...] = ()

    @field_validator("recipients")
    @classmethod
    def _addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for address in value:
            if "@" not in address or any(c.isspace() for c in address):
                raise ValueError(f"{address!r} is not an email address")
        return value


class AlertSettings(_Strict):
    """The live-concern alert (reference and link only) and the national Panel notification form."""

    duty_address: str | None = None  # the duty team's address; None: no alert is sent (a warning is logged)
    panel_notification_url: str = "https://childsafeguarding.education.gov.uk/"

    @field_validator("duty_address")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value and ("@" not in value or any(c.isspace() for c in value.strip())):
            raise ValueError(f"{value!r} is not an email address")
        return value.strip() if value else None


class CaseRetention(_Strict):
    """Years a case's data is kept after it ended, by how it ended; None ("never") keeps it for ever.

    Only ended cases are ever purged: an open case (new, in triage, awaiting information, decided, in review) never.
    """

    closed: int | None = Field(default=6, ge=0, le=200)
    withdrawn: int | None = Field(default=6, ge=0, le=200)
    transferred: int | None = Field(default=6, ge=0, le=200)
    routed_elsewhere: int | None = Field(default=6, ge=0, le=200)

    @field_validator("closed", "withdrawn", "transferred", "routed_elsewhere", mode="before")
    @classmethod
    def _never(cls, value: Any) -> Any:
        return _never_is_none(value)


class MessageRetention(_Strict):
    """Days a message that was never filed under a case is kept; None ("never") keeps it for ever.

    A message filed under a case (a referral, a follow-up) is kept, and purged, with its case.
    """

    ignored: int | None = Field(default=30, ge=0, le=100_000)  # robots, bounces, copies, our own mail
    quarantined: int | None = Field(default=90, ge=0, le=100_000)  # after resolution (dismissed as not a referral)

    @field_validator("ignored", "quarantined", mode="before")
    @classmethod
    def _never(cls, value: Any) -> Any:
        return _never_is_none(value)


class RetentionSettings(_Strict):
    """How long data is kept, and the daily purge that deletes what is due (intake/store/purge.py)."""

    purge_enabled: bool = True  # false: no scheduled purge (service.py purge still works)
    time: str = Field(default="03:15", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    timezone: str = "Europe/London"
    cases: CaseRetention = CaseRetention()
    messages: MessageRetention = MessageRetention()
    audit_events_years: int | None = Field(default=7, ge=0, le=200)
    batch_size: int = Field(default=20, ge=1, le=1000)  # cases (or messages) purged per transaction

    @field_validator("audit_events_years", mode="before")
    @classmethod
    def _never(cls, value: Any) -> Any:
        return _never_is_none(value)


def _never_is_none(value: Any) -> Any:
    """'never' (any case) or null in config.yaml: keep for ever."""
    if value is None or (isinstance(value, str) and value.strip().lower() == "never"):
        return None
    return value


class LoggingSettings(_Strict):
    """Log verbosity."""

    level: str = "INFO"

    @field_validator("level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value


class EncryptionSettings(_Strict):
    """Data at rest: the key file (INTAKE_ENCRYPTION_KEY_FILE) holding the keys person data is sealed under.

    None: in production, start-up stops; otherwise a key file is made beside the data on first start (a demo).
    """

    key_file: Path | None = None


class SenderTrustSettings(_Strict):
    """Whose Authentication-Results are believed (RFC 8601): the partnership's own receiving server's.

    `authserv_id` names it, as it writes itself at the start of the header (one id or a list). Microsoft 365
    writes none: name it `microsoft365`. Until one is named, acknowledgements go to any sender (the intake
    health page warns); once named, only mail that passed DMARC, or SPF/DKIM aligned with From, is answered.
    """

    authserv_id: tuple[str, ...] = ()

    @field_validator("authserv_id", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        if value is None:
            return ()
        return (value,) if isinstance(value, str) else value

    @field_validator("authserv_id")
    @classmethod
    def _plain_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        ids = tuple(v.strip() for v in value if v.strip())
        for item in ids:
            if any(c.isspace() or c in ";()" for c in item):
                raise ValueError(f"{item!r} is not an authserv-id (one word, as the header writes it)")
        return ids
class FollowUpSettings(_Strict):
    """Which follow-ups may change a case (issue 13): a reference in the subject alone is never trusted.

    A follow-up from the case's referrer, from a partner domain here, or answering one of our own emails fills
    the case's fields; from anyone else it is filed on the case with its fields proposed until staff accept them.
    """

    partner_domains: tuple[str, ...] = ()  # e.g. frimley.example.nhs.uk; subdomains count too

    @field_validator("partner_domains")
    @classmethod
    def _domains(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(d.strip().lower().lstrip("@").rstrip(".") for d in value)
        bad = [d for d in cleaned if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", d)]
        if bad:
            raise ValueError(f"not a domain name: {bad[0]!r} (write e.g. frimley.example.nhs.uk)")
        return cleaned


class Settings(_Strict):
    """Everything the service reads from config.yaml and the environment."""

    mailbox_address: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    partnership: PartnershipSettings = PartnershipSettings()
    database: DatabaseSettings = DatabaseSettings()
    accounts: tuple[AccountSettings, ...] = ()
    polling: PollingSettings = PollingSettings()
    smtp: SmtpSettings = SmtpSettings()
    outbox: OutboxSettings = OutboxSettings()
    acknowledgements: AcknowledgementSettings = AcknowledgementSettings()
    duplicates: DuplicateSettings = DuplicateSettings()
    limits: LimitSettings = LimitSettings()
    processing: ProcessingSettings = ProcessingSettings()
    forms: FormsSettings = FormsSettings()
    rules: RulesSettings = RulesSettings()
    secure_mail: SecureMailSettings = SecureMailSettings()
    web: WebSettings = WebSettings()
    digest: DigestSettings = DigestSettings()
    alerts: AlertSettings = AlertSettings()
    logging: LoggingSettings = LoggingSettings()
    retention: RetentionSettings = RetentionSettings()
    sender_trust: SenderTrustSettings = SenderTrustSettings()
    follow_ups: FollowUpSettings = FollowUpSettings()
    config_path: Path | None = None
    # Issue 13 (data at rest): a production deployment (INTAKE_PRODUCTION=1) refuses to start without a key file.
    encryption: EncryptionSettings = EncryptionSettings()
    production: bool = False

    @model_validator(mode="after")
    def _unique_accounts(self) -> Settings:
        names = [a.name for a in self.accounts]
        if len(names) != len(set(names)):
            raise ValueError("accounts: names must be unique")
        return self


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
