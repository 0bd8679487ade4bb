"""A real IMAP server (Debian's dovecot) and a real SMTP server delivering into it, on loopback.

Dovecot runs in the foreground with a throw-away configuration: its own passwd-file users, maildirs
in a temporary directory, no system service. Run as root (CI), its login and mail processes take
Debian's unprivileged ``dovenull`` and ``dovecot`` users; otherwise everything runs as the current user.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from imap_tools import AND, MailBoxUnencrypted
from imap_tools import MailMessage as ImapMessage

from shouwen.core.testing import free_port

PASSWORD = "mail-secret"
USERS = ("desk@ljy.test", "desk@chy.test", "owner@home.test", "stranger@else.test")
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


@dataclass
class Dovecot:
    """A running throw-away dovecot: its port and helpers to put and read mail as a user."""

    port: int
    host: str = "127.0.0.1"
    users: tuple[str, ...] = field(default=USERS)

    def login(self, user: str) -> MailBoxUnencrypted:
        return MailBoxUnencrypted(self.host, self.port, timeout=10).login(user, PASSWORD)

    def append(self, user: str, raw: bytes) -> None:
        """Put a message into the user's INBOX as delivery would (unseen)."""
        with self.login(user) as box:
            box.append(raw, "INBOX", dt=None, flag_set=())

    def messages(self, user: str, **criteria: object) -> list[ImapMessage]:
        """Return the user's INBOX messages (matching the criteria), leaving their flags alone."""
        with self.login(user) as box:
            return list(box.fetch(AND(**criteria) if criteria else "ALL", mark_seen=False, bulk=True))


def _config(root: Path, port: int) -> str:
    if os.geteuid() == 0:
        login_user, internal_user = "dovenull", "dovecot"
        mail_uid, mail_gid = pwd.getpwnam("dovecot").pw_uid, grp.getgrnam("dovecot").gr_gid
    else:
        login_user = internal_user = pwd.getpwuid(os.geteuid()).pw_name
        mail_uid, mail_gid = os.geteuid(), os.getegid()
    internal_group = grp.getgrgid(pwd.getpwnam(internal_user).pw_gid).gr_name
    for sub in ("mail", "home"):
        (root / sub).mkdir()
        os.chown(root / sub, mail_uid, mail_gid)
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = 0
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/home/%u
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
"""


def _wait_for_greeting(port: int, log: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
                if conn.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"dovecot did not answer on port {port}: {log.read_text() if log.exists() else ''}")


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    """A real IMAP server on a free loopback port, with the USERS' mailboxes (password PASSWORD)."""
    if not os.path.exists(DOVECOT):
        pytest.fail("dovecot is not installed: run `make browser` (Debian's dovecot-imapd)")
    # Not under pytest's private temporary directory: dovecot's unprivileged processes must reach it.
    root = Path(tempfile.mkdtemp(prefix="shouwen-dovecot-"))
    os.chmod(root, 0o755)
    port = free_port()
    (root / "dovecot.conf").write_text(_config(root, port))
    (root / "passwd").write_text("".join(f"{u}:{{PLAIN}}{PASSWORD}\n" for u in USERS))
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_greeting(port, root / "dovecot.log")
        yield Dovecot(port=port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


class DeliverToDovecot:
    """An aiosmtpd handler that delivers each message into its recipients' dovecot INBOX (IMAP APPEND)."""

    def __init__(self, server: Dovecot) -> None:
        self.server = server
        self.delivered: list[tuple[str, bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        import asyncio

        for rcpt in envelope.rcpt_tos:
            if rcpt.lower() not in self.server.users:
                return "550 No such user here"
        for rcpt in envelope.rcpt_tos:
            await asyncio.to_thread(self.server.append, rcpt.lower(), envelope.content)
            self.delivered.append((rcpt.lower(), envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def mail_server(dovecot: Dovecot, settings) -> Iterator[tuple[Dovecot, int]]:
    """Dovecot and a real SMTP server delivering into it; Django sends through that SMTP server."""
    from aiosmtpd.controller import Controller

    port = free_port()
    controller = Controller(DeliverToDovecot(dovecot), hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 10
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield dovecot, port
    finally:
        controller.stop()
