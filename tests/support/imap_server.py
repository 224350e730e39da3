"""A real Dovecot IMAP server for tests: own temp dir, free loopback port, unprivileged user.

Plain functions and a class, not pytest fixtures, so conftest.py and single test files can wrap them.
Each server writes its own dovecot.conf, so servers in parallel test processes never share state.
"""

from __future__ import annotations

import contextlib
import grp
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from imapclient import IMAPClient

DOVECOT = "/usr/sbin/dovecot"
DOVEADM = "/usr/bin/doveadm"
TEST_USER = "dovecot-test"
DEFAULT_USERS: Mapping[str, str] = {"intake": "intake-pass", "other": "other-pass"}
# What Dovecot 2.3 announces after login (imap_capability replaces the whole list when it does not start with +).
POST_LOGIN_CAPABILITIES = (
    "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS "
    "THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED "
    "I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE "
    "SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY"
)


def dovecot_available() -> str | None:
    """None when a test Dovecot can run here, else the reason to skip."""
    if not (os.access(DOVECOT, os.X_OK) and os.access(DOVEADM, os.X_OK)):
        return "Dovecot not installed: apt-get install dovecot-imapd"
    return None


def free_port() -> int:
    """A loopback TCP port that was free a moment ago (the server start retries if it is taken meanwhile)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_as() -> tuple[int, int]:
    """The uid/gid Dovecot runs as: ourselves when unprivileged; as root a dedicated system user."""
    if os.geteuid() != 0:
        return os.geteuid(), os.getegid()
    try:
        entry = pwd.getpwnam(TEST_USER)
    except KeyError:
        # Another test process may create it at the same moment; a failed useradd is fine if the user now exists.
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", TEST_USER],
            capture_output=True,
            check=False,
        )
        try:
            entry = pwd.getpwnam(TEST_USER)
        except KeyError:
            entry = pwd.getpwnam("nobody")
    return entry.pw_uid, entry.pw_gid


class DovecotServer:
    """One Dovecot instance serving IMAP on 127.0.0.1 with plaintext passwords (never for production)."""

    def __init__(
        self,
        *,
        users: Mapping[str, str] = DEFAULT_USERS,
        move_enabled: bool = True,
        uidplus_enabled: bool = True,
        oauth2_introspection_url: str | None = None,
        extra_conf: str = "",
        root: Path | None = None,
    ) -> None:
        self.users = dict(users)
        self.move_enabled = move_enabled
        self.uidplus_enabled = uidplus_enabled
        self.oauth2_introspection_url = oauth2_introspection_url
        self.extra_conf = extra_conf
        self.uid, self.gid = _run_as()
        # Our own directory under /tmp: pytest's tmp dirs are 0700 root-owned, which the test user cannot enter.
        self.root = Path(tempfile.mkdtemp(prefix="dovecot-test-", dir=root))
        self.host = "127.0.0.1"
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def conf_path(self) -> Path:
        return self.root / "dovecot.conf"

    @property
    def log_path(self) -> Path:
        return self.root / "dovecot.log"

    def start(self, attempts: int = 5) -> DovecotServer:
        """Write the config, start Dovecot in the foreground and wait until the port accepts."""
        self._write_files()
        for _ in range(attempts):
            self.port = free_port()
            self.conf_path.write_text(self._config(), encoding="utf-8")
            self._chown_tree()
            self._process = subprocess.Popen(
                [DOVECOT, "-F", "-c", str(self.conf_path)],
                user=self.uid,
                group=self.gid,
                extra_groups=[],
                stdout=subprocess.DEVNULL,
                stderr=open(self.root / "stderr.log", "ab"),  # noqa: SIM115 - the child keeps it
                start_new_session=True,
            )
            if self._wait_until_listening(timeout=15):
                return self
            self._terminate()  # most likely the port was taken between free_port() and bind
        raise RuntimeError(f"Dovecot did not start; see {self.log_path} and {self.root / 'stderr.log'}")

    def stop(self) -> None:
        """Stop Dovecot and remove its directory."""
        self._terminate()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> DovecotServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- helpers for tests -------------------------------------------------------------------------

    def client(self, user: str = "intake") -> IMAPClient:
        """A logged-in IMAPClient for `user`, for arranging and checking mailbox state."""
        imap = IMAPClient(self.host, self.port, ssl=False, timeout=15)
        imap.login(user, self.users[user])
        return imap

    def append(self, user: str, folder: str, raw: bytes | Iterable[bytes]) -> None:
        """Deliver one or more raw messages with IMAP APPEND (creating the folder if missing)."""
        messages = [raw] if isinstance(raw, bytes) else list(raw)
        with self._session(user) as imap:
            if not imap.folder_exists(folder):
                imap.create_folder(folder)
            for message in messages:
                imap.append(folder, message)

    def folder_uids(self, user: str, folder: str) -> list[int]:
        """UIDs in `folder`, read-only (EXAMINE), sorted; [] when the folder does not exist."""
        with self._session(user) as imap:
            if not imap.folder_exists(folder):
                return []
            imap.select_folder(folder, readonly=True)
            return sorted(imap.search("ALL"))

    def flags(self, user: str, folder: str) -> dict[int, tuple[bytes, ...]]:
        """Flags of every message in `folder`, read-only, by UID."""
        with self._session(user) as imap:
            imap.select_folder(folder, readonly=True)
            return {uid: tuple(data[b"FLAGS"]) for uid, data in imap.fetch("1:*", ["FLAGS"]).items()}

    def uidvalidity(self, user: str, folder: str) -> int:
        """The folder's current UIDVALIDITY, via STATUS."""
        with self._session(user) as imap:
            return int(imap.folder_status(folder, ["UIDVALIDITY"])[b"UIDVALIDITY"])

    def change_uidvalidity(self, user: str, folder: str) -> int:
        """Give the folder a new, larger UIDVALIDITY with `doveadm mailbox update`; return it."""
        new = self.uidvalidity(user, folder) + 1000
        self.doveadm("mailbox", "update", "-u", user, "--uid-validity", str(new), folder)
        return new

    def drop_connections(self, user: str) -> None:
        """Disconnect every IMAP session of `user` (`doveadm kick`), as a server restart or network cut would."""
        self.doveadm("kick", user)

    def doveadm(self, *args: str) -> str:
        """Run doveadm against this instance, as the unprivileged user; return stdout."""
        result = subprocess.run(
            [DOVEADM, "-c", str(self.conf_path), *args],
            user=self.uid,
            group=self.gid,
            extra_groups=[],
            capture_output=True,
            timeout=30,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"doveadm {' '.join(args)} failed: {result.stderr.decode(errors='replace')}")
        return result.stdout.decode(errors="replace")

    # --- internals ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _session(self, user: str):
        imap = self.client(user)
        try:
            yield imap
        finally:
            with contextlib.suppress(Exception):
                imap.logout()

    def _write_files(self) -> None:
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir(exist_ok=True)
        lines = [f"{user}:{{PLAIN}}{password}" for user, password in self.users.items()]
        (self.root / "passwd").write_text("\n".join(lines) + "\n", encoding="utf-8")
        if self.oauth2_introspection_url:
            oauth2 = _OAUTH2_TEMPLATE.format(url=self.oauth2_introspection_url)
            (self.root / "dovecot-oauth2.conf.ext").write_text(oauth2, encoding="utf-8")

    def _chown_tree(self) -> None:
        if os.geteuid() != 0:
            return
        for path in [self.root, *self.root.rglob("*")]:
            os.chown(path, self.uid, self.gid)

    def _config(self) -> str:
        user = pwd.getpwuid(self.uid).pw_name
        group = grp.getgrgid(self.gid).gr_name
        return _CONFIG_TEMPLATE.format(
            root=self.root,
            port=self.port,
            user=user,
            group=group,
            uid=self.uid,
            gid=self.gid,
            capability=self._capability_line(),
            mechanisms="plain login xoauth2 oauthbearer" if self.oauth2_introspection_url else "plain login",
            oauth2_passdb=_OAUTH2_PASSDB.format(root=self.root) if self.oauth2_introspection_url else "",
            extra=self.extra_conf,
        )

    def _capability_line(self) -> str:
        hidden = set()
        if not self.move_enabled:
            hidden.add("MOVE")
        if not self.uidplus_enabled:
            hidden.add("UIDPLUS")
        if not hidden:
            return ""
        kept = [cap for cap in POST_LOGIN_CAPABILITIES.split() if cap not in hidden]
        return "imap_capability = " + " ".join(kept)

    def _wait_until_listening(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                return False
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as sock:
                    sock.settimeout(2)
                    if sock.recv(64).startswith(b"* OK"):
                        return True
            except OSError:
                time.sleep(0.05)
        return False

    def _terminate(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        # Dovecot's master stops its children on SIGTERM; the group kill catches any straggler.
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


class TokenIntrospection:
    """A loopback OAuth2 introspection endpoint for Dovecot's oauth2 passdb (introspection_mode = auth).

    `tokens` maps each valid bearer token to its user; `seen` records every token Dovecot asked about.
    """

    def __init__(self, tokens: Mapping[str, str]) -> None:
        self.tokens = dict(tokens)
        self.seen: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                token = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
                owner.seen.append(token)
                user = owner.tokens.get(token)
                body = json.dumps({"active": "true", "username": user} if user else {"active": "false"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:  # keep test output quiet
                return

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/introspect"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def start(self) -> TokenIntrospection:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._httpd.shutdown()
        self._httpd.server_close()


def uids_of(server: DovecotServer, user: str, folders: Sequence[str]) -> dict[str, list[int]]:
    """UIDs of several folders at once, for assertions about where messages ended up."""
    return {folder: server.folder_uids(user, folder) for folder in folders}


_CONFIG_TEMPLATE = """\
# Written by tests/support/imap_server.py for one test run; plaintext on loopback only.
instance_name = dovecot-test-{port}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = {mechanisms}
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
last_valid_gid = {gid}
mail_location = maildir:{root}/mail/%u
mail_max_userip_connections = 1000
imap_idle_notify_interval = 10 secs
mailbox_idle_check_interval = 1 secs
{capability}
namespace inbox {{
  inbox = yes
  separator = /
}}
{oauth2_passdb}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service auth-worker {{
  user = {user}
}}
{extra}
"""

# XOAUTH2/OAUTHBEARER checked by Dovecot's oauth2 passdb against a token introspection endpoint.
_OAUTH2_PASSDB = """\
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/dovecot-oauth2.conf.ext
}}"""

_OAUTH2_TEMPLATE = """\
introspection_mode = auth
introspection_url = {url}
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 5000
"""
