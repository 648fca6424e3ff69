"""A real, private IMAP server (Dovecot) for tests.

Usage::

    DovecotServer.ensure_installed()          # runs deploy/install_dovecot.sh if needed
    with DovecotServer(tmp_path / "imap", users={"support@example.com": "pw"}) as imap:
        imap.append("support@example.com", raw_bytes)
        conn = imaplib.IMAP4(imap.host, imap.port); conn.login(user, "pw") ...

Each instance writes its own ``dovecot.conf`` under ``base_dir`` and runs
``dovecot -c base_dir/dovecot.conf -F`` (foreground) as a child process; the
system-wide Dovecot service is never used.  Layout under ``base_dir``::

    dovecot.conf   the configuration          passwd   users, {PLAIN} passwords
    dovecot.log    Dovecot's log              run/     Dovecot's runtime dir (its base_dir)
    dovecot.out    its stdout/stderr          state/   Dovecot's state_dir
    mail/<user>/   each user's Maildir        tls/     self-signed cert (tls=True only)

Configuration notes (Dovecot 2.3, as in Debian 12; a 2.4-syntax config is
written when ``dovecot --version`` says 2.4+, untested here):

* listens on 127.0.0.1 only, plain IMAP on a free port; ``ssl = no`` unless
  ``tls=True``, which generates a self-signed certificate with ``openssl req``
  and offers STARTTLS on ``port`` plus implicit TLS on ``tls_port``;
* plaintext logins allowed without TLS (2.3: ``disable_plaintext_auth = no``,
  2.4: ``auth_allow_cleartext = yes``), mechanisms PLAIN and LOGIN;
* passdb ``passwd-file`` with ``{PLAIN}`` passwords, userdb ``static``;
  Dovecot re-reads the passwd file when it changes (checked at most once a
  second), so ``add_user()`` works while the server runs;
* IDLE is on by default (CAPABILITY lists it).

Running as root (this project's machines): Dovecot refuses mail access as
uid 0 ("userdb returned 0 as uid") and refuses to run login processes as
root.  So the login processes run as the packaged ``dovenull`` user, internal
services as ``dovecot``, the auth service as root (so it can read the passwd
file whatever the permissions of base_dir's parents, e.g. pytest's 0700
tmp dirs), and the mail processes as ``nobody``, chrooted into ``base_dir/mail``
(``mail_chroot``; the chroot is entered while still root, so 0700 parents
don't matter either).  Each user's maildir ``base_dir/mail/<user>`` is created
beforehand, owned by ``nobody``.  Running as a normal user: everything runs as
that user, no chroot.
"""

from __future__ import annotations

import atexit
import imaplib
import os
import pwd
import grp
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Optional

from deploy.sandbox import free_port
from services.ingest.imap.client import log_in

__all__ = ["DovecotServer", "ensure_installed", "dovecot_binary", "dovecot_version"]

REPO_ROOT = Path(__file__).resolve().parents[2]

# Servers still running when the interpreter exits are stopped then (dovecot
# runs in its own session, so it would otherwise outlive a crashed test run).
_RUNNING: "set[DovecotServer]" = set()


@atexit.register
def _stop_all() -> None:
    for server in list(_RUNNING):
        try:
            server.stop()
        except Exception:
            pass
INSTALL_SCRIPT = REPO_ROOT / "deploy" / "install_dovecot.sh"


def dovecot_binary() -> Optional[str]:
    """Path of the dovecot binary, or None when it isn't installed."""
    found = shutil.which("dovecot")
    if found:
        return found
    for candidate in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def dovecot_version(binary: Optional[str] = None) -> tuple[int, ...]:
    binary = binary or dovecot_binary()
    if binary is None:
        raise RuntimeError("dovecot is not installed")
    out = subprocess.run([binary, "--version"], capture_output=True, text=True,
                         check=True).stdout.strip()
    m = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", out)
    if not m:
        raise RuntimeError(f"cannot parse `dovecot --version` output: {out!r}")
    return tuple(int(x) for x in m.groups() if x is not None)


def ensure_installed() -> str:
    """Make sure Dovecot is installed (running deploy/install_dovecot.sh if
    not); return the binary's path.  Raises RuntimeError when that fails."""
    binary = dovecot_binary()
    if binary:
        return binary
    if not INSTALL_SCRIPT.exists():
        raise RuntimeError(f"dovecot is not installed and {INSTALL_SCRIPT} is missing")
    proc = subprocess.run(["bash", str(INSTALL_SCRIPT)], capture_output=True,
                          text=True, timeout=900)
    binary = dovecot_binary()
    if proc.returncode != 0 or not binary:
        raise RuntimeError(
            f"installing Dovecot with {INSTALL_SCRIPT} failed (exit "
            f"{proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return binary


def _check_credential(kind: str, value: str) -> None:
    if not value or any(c in value for c in ":\n\r\t\0") or (
            kind == "user" and ("/" in value or value.startswith("."))):
        raise ValueError(f"unsupported {kind} for the test IMAP server: {value!r}")


class DovecotServer:
    """A private Dovecot IMAP server on 127.0.0.1 (see the module docstring)."""

    host: str
    port: int                      # plain IMAP (STARTTLS too when tls=True)
    tls_port: Optional[int]        # implicit TLS (IMAPS), only when tls=True

    def __init__(self, base_dir: os.PathLike, *, users: dict[str, str],
                 tls: bool = False, startup_timeout: float = 30.0) -> None:
        self.base_dir = Path(base_dir).resolve()
        self.users: dict[str, str] = {}
        for user, password in users.items():
            _check_credential("user", user)
            _check_credential("password", password)
            self.users[user] = password
        self.tls = tls
        self.host = "127.0.0.1"
        self.port = 0
        self.tls_port = None
        self.startup_timeout = startup_timeout
        self.conf_path = self.base_dir / "dovecot.conf"
        self.log_path = self.base_dir / "dovecot.log"
        self.output_path = self.base_dir / "dovecot.out"   # its stdout/stderr
        self.passwd_path = self.base_dir / "passwd"
        self.mail_dir = self.base_dir / "mail"
        self.run_dir = self.base_dir / "run"
        self.startup_seconds: Optional[float] = None  # set by start()
        self._proc: Optional[subprocess.Popen] = None
        self._binary: Optional[str] = None
        self._version: tuple[int, ...] = ()
        self._as_root = os.geteuid() == 0
        if self._as_root:
            nobody = pwd.getpwnam("nobody")
            self._mail_uid, self._mail_gid = nobody.pw_uid, nobody.pw_gid
        else:
            self._mail_uid, self._mail_gid = os.geteuid(), os.getegid()

    ensure_installed = staticmethod(ensure_installed)

    # -- life cycle --------------------------------------------------------

    def start(self) -> "DovecotServer":
        if self._proc is not None:
            raise RuntimeError("DovecotServer already started")
        self._binary = dovecot_binary()
        if self._binary is None:
            raise RuntimeError(
                "dovecot is not installed: call DovecotServer.ensure_installed() "
                f"or run {INSTALL_SCRIPT}")
        self._version = dovecot_version(self._binary)
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.mail_dir.mkdir(exist_ok=True)
        if self.tls:
            self._make_certificate()
        self._write_passwd()
        for user in self.users:
            self._make_maildir(user)

        started = time.monotonic()
        last_error = ""
        for _attempt in range(3):  # retry if the free port got taken meanwhile
            self.port = free_port(self.host)
            self.tls_port = free_port(self.host) if self.tls else None
            self.conf_path.write_text(self._config())
            try:
                self.log_path.unlink()
            except FileNotFoundError:
                pass
            with open(self.output_path, "wb") as out:
                self._proc = subprocess.Popen(
                    [self._binary, "-c", str(self.conf_path), "-F"],
                    stdin=subprocess.DEVNULL, stdout=out,
                    stderr=subprocess.STDOUT, start_new_session=True)
            _RUNNING.add(self)
            try:
                self._wait_ready()
                self.startup_seconds = time.monotonic() - started
                return self
            except RuntimeError as exc:
                last_error = str(exc)
                self.stop()
                if "Address already in use" not in last_error:
                    break
        raise RuntimeError(last_error)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        last = "nothing tried yet"
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                try:
                    out = self.output_path.read_text(errors="replace")
                except OSError:
                    out = ""
                raise RuntimeError(
                    f"dovecot exited with code {self._proc.returncode} while "
                    f"starting.\noutput:\n{out[-3000:]}\nlog:\n{self.log_tail()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=2) as s:
                    s.settimeout(5)
                    greeting = s.recv(1024)
                if greeting.startswith(b"* OK"):
                    return
                last = f"unexpected greeting {greeting[:200]!r}"
            except OSError as exc:
                last = repr(exc)
            time.sleep(0.05)
        raise RuntimeError(
            f"dovecot did not answer '* OK' on {self.host}:{self.port} within "
            f"{self.startup_timeout} s (last: {last}).\nlog:\n{self.log_tail()}")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        _RUNNING.discard(self)
        if proc is None:
            return
        if proc.poll() is None:
            try:
                proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + 10
            while proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            if proc.poll() is None:
                # the master didn't stop: kill its whole session (its children)
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                deadline = time.monotonic() + 5
                while proc.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.05)

    def __enter__(self) -> "DovecotServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def log_tail(self, limit: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-limit:]
        except OSError:
            return "(no log)"

    # -- users and mail ----------------------------------------------------

    def add_user(self, user: str, password: str) -> None:
        """Add (or change the password of) a user; works while running
        (then it takes up to a second: Dovecot re-reads the file at most once
        a second)."""
        _check_credential("user", user)
        _check_credential("password", password)
        self.users[user] = password
        if self.base_dir.exists():
            self.mail_dir.mkdir(parents=True, exist_ok=True)
            self._make_maildir(user)
            self._write_passwd()
        if self.running:
            # Dovecot's passwd-file re-checks the file (mtime, size) at most
            # once per second: let the clock reach the next second so the
            # next login sees the change.
            time.sleep(1.02 - (time.time() % 1.0))

    def maildir(self, user: str) -> Path:
        return self.mail_dir / user

    def connect(self, user: str, password: Optional[str] = None) -> imaplib.IMAP4:
        """A logged-in imaplib connection (the caller logs out)."""
        conn = imaplib.IMAP4(self.host, self.port, timeout=30)
        try:
            log_in(conn, user, password if password is not None else self.users[user])
        except Exception:
            conn.shutdown()
            raise
        return conn

    def append(self, user: str, raw: bytes, folder: str = "INBOX",
               flags: str = "", date_time=None) -> Optional[int]:
        """Deliver ``raw`` into ``user``'s ``folder`` (created if missing) by
        IMAP APPEND; returns the new message's UID (from APPENDUID)."""
        if isinstance(raw, str):
            raw = raw.encode()
        conn = self.connect(user)
        try:
            if folder.upper() != "INBOX":
                conn.create(_quote(folder))  # NO if it exists: fine
            typ, data = conn.append(_quote(folder), flags or None, date_time, raw)
            if typ != "OK":
                raise RuntimeError(f"APPEND to {folder!r} for {user} failed: {data!r}")
            m = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
            return int(m.group(1)) if m else None
        finally:
            try:
                conn.logout()
            except Exception:
                pass

    # -- files -------------------------------------------------------------

    def _write_passwd(self) -> None:
        lines = "".join(f"{u}:{{PLAIN}}{p}\n" for u, p in self.users.items())
        tmp = self.passwd_path.with_name(".passwd.tmp")
        tmp.write_text(lines)
        os.chmod(tmp, 0o600)
        try:  # a new mtime even within the same second (size may not change)
            old_mtime = int(self.passwd_path.stat().st_mtime)
            new_mtime = max(int(time.time()), old_mtime + 1)
            os.utime(tmp, (new_mtime, new_mtime))
        except FileNotFoundError:
            pass
        os.replace(tmp, self.passwd_path)

    def _make_maildir(self, user: str) -> None:
        path = self.mail_dir / user
        path.mkdir(exist_ok=True)
        if self._as_root:
            os.chown(path, self._mail_uid, self._mail_gid)
            os.chmod(path, 0o700)

    def _make_certificate(self) -> None:
        tls_dir = self.base_dir / "tls"
        tls_dir.mkdir(exist_ok=True)
        self.cert_path = tls_dir / "cert.pem"
        self.key_path = tls_dir / "key.pem"
        if self.cert_path.exists() and self.key_path.exists():
            return
        openssl = shutil.which("openssl")
        if not openssl:
            raise RuntimeError("tls=True needs the openssl command")
        proc = subprocess.run(
            [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes",
             "-days", "30", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             "-keyout", str(self.key_path), "-out", str(self.cert_path)],
            capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"openssl req failed:\n{proc.stderr}")
        os.chmod(self.key_path, 0o600)

    def _config(self) -> str:
        if self._version[:2] >= (2, 4):
            return self._config_24()
        return self._config_23()

    def _common_users(self) -> tuple[str, str, str]:
        """(default_internal_user, default_internal_group, default_login_user)"""
        if self._as_root:
            return "dovecot", "dovecot", "dovenull"
        me = pwd.getpwuid(os.geteuid()).pw_name
        return me, grp.getgrgid(os.getegid()).gr_name, me

    def _config_23(self) -> str:
        internal_user, internal_group, login_user = self._common_users()
        b = self.base_dir
        if self._as_root:
            mail = (f"mail_location = maildir:~\n"
                    f"mail_chroot = {self.mail_dir}\n"
                    f"valid_chroot_dirs = {self.mail_dir}\n")
            home = "/%u"
            login_chroot = ""
            auth_service = "service auth {\n  user = root\n}\n"
        else:
            mail = f"mail_location = maildir:~\n"
            home = f"{self.mail_dir}/%u"
            login_chroot = "  chroot =\n"
            auth_service = ""
        if self.tls:
            ssl = (f"ssl = yes\nssl_cert = <{self.cert_path}\n"
                   f"ssl_key = <{self.key_path}\n")
            imaps = f"  inet_listener imaps {{\n    address = {self.host}\n" \
                    f"    port = {self.tls_port}\n  }}\n"
        else:
            ssl = "ssl = no\n"
            imaps = "  inet_listener imaps {\n    port = 0\n  }\n"
        return f"""# Written by tests/support/dovecot.py: a private test instance.
protocols = imap
listen = {self.host}
base_dir = {self.run_dir}
instance_name = dovecot-test
state_dir = {b / "state"}
log_path = {self.log_path}
info_log_path = {self.log_path}
{ssl}disable_plaintext_auth = no
auth_mechanisms = plain login
# tests log in from 127.0.0.1 many times, wrong passwords included: no
# failure delay (see also the anvil service below)
auth_failure_delay = 0
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 1
{mail}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.passwd_path}
}}
userdb {{
  driver = static
  args = uid={self._mail_uid} gid={self._mail_gid} home={home}
}}
service imap-login {{
  inet_listener imap {{
    address = {self.host}
    port = {self.port}
  }}
{imaps}{login_chroot}}}
{auth_service}{NO_AUTH_PENALTY}"""

    def _config_24(self) -> str:
        # Dovecot 2.4 syntax (Debian 13+).  Not exercised on Debian 12.
        internal_user, internal_group, login_user = self._common_users()
        b = self.base_dir
        if self._as_root:
            mail = (f"mail_chroot = {self.mail_dir}\n"
                    f"valid_chroot_dirs = {self.mail_dir}\n")
            home = "/%{user}"
            login_chroot = ""
            auth_service = "service auth {\n  user = root\n}\n"
        else:
            mail = ""
            home = f"{self.mail_dir}/%{{user}}"
            login_chroot = "  chroot =\n"
            auth_service = ""
        if self.tls:
            ssl = (f"ssl = yes\nssl_server_cert_file = {self.cert_path}\n"
                   f"ssl_server_key_file = {self.key_path}\n")
            imaps = f"  inet_listener imaps {{\n    listen = {self.host}\n" \
                    f"    port = {self.tls_port}\n  }}\n"
        else:
            ssl = "ssl = no\n"
            imaps = "  inet_listener imaps {\n    port = 0\n  }\n"
        return f"""dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
# Written by tests/support/dovecot.py: a private test instance.
protocols = imap
listen = {self.host}
base_dir = {self.run_dir}
instance_name = dovecot-test
state_dir = {b / "state"}
log_path = {self.log_path}
info_log_path = {self.log_path}
{ssl}auth_allow_cleartext = yes
auth_mechanisms = plain login
# tests log in from 127.0.0.1 many times, wrong passwords included: no
# failure delay (see also the anvil service below)
auth_failure_delay = 0
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 1
mail_driver = maildir
mail_path = ~
{mail}
namespace inbox {{
  inbox = yes
}}
passdb passwd-file {{
  passwd_file_path = {self.passwd_path}
}}
userdb static {{
  fields {{
    uid = {self._mail_uid}
    gid = {self._mail_gid}
    home = {home}
  }}
}}
service imap-login {{
  inet_listener imap {{
    listen = {self.host}
    port = {self.port}
  }}
{imaps}{login_chroot}}}
{auth_service}{NO_AUTH_PENALTY}"""


# Dovecot's auth process delays every login from an IP after a failed one
# (2 s, 4 s, ... up to 15 s; "auth penalty", kept by the anvil service).  Tests
# that try a wrong password would slow down every later login, so the anvil
# socket the auth process looks for is renamed: it can't connect, and the
# penalty is disabled (by design when anvil is unreachable).
NO_AUTH_PENALTY = """service anvil {
  unix_listener anvil-auth-penalty {
    path = anvil-auth-penalty-disabled
  }
}
"""


def _quote(folder: str) -> str:
    if folder.startswith('"') or not re.search(r'[\s"()\\{%*]', folder):
        return folder
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
