"""The production server as a subprocess on the test database, and a small HTTP client for it.

Reliability tests start ``python -m shouwen.cli serve`` (gunicorn, several worker processes) on the
database this test process uses, so requests race for real and a crash is a real ``kill -9``.
Everything talks to 127.0.0.1 only, and every wait is bounded in time.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.db import connection

from shouwen.core.testing import free_port

STRESS = os.environ.get("SHOUWEN_STRESS", "").strip().lower() in {"1", "true", "yes", "on"}


def scale(ci: int, stress: int) -> int:
    """Return the CI size, or the bigger one when SHOUWEN_STRESS=1 asks for a stress run."""
    return stress if STRESS else ci


def database_url() -> str:
    """Return a DATABASE_URL naming the database this test process uses (SQLite file or PostgreSQL)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(s["NAME"])
        if name in ("", ":memory:") or name.startswith("file:"):
            raise AssertionError(
                f"the SQLite test database must be a file for a server process, not {name!r}"
            )
        return f"sqlite:///{name}"
    user = quote(s["USER"] or "", safe="")
    password = quote(s["PASSWORD"] or "", safe="")
    auth = f"{user}:{password}@" if user and password else (f"{user}@" if user else "")
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgres://{auth}{s['HOST'] or 'localhost'}{port}/{quote(s['NAME'], safe='')}"


def live_group_members(pgid: int) -> list[int]:
    """Return the pids of the process group's members that are not zombies (Linux /proc)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the command name (which may contain spaces): state, ppid, pgrp, ...
        state, _ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        if int(pgrp) == pgid and state != "Z":
            members.append(int(entry.name))
    return members


@dataclass
class Reply:
    """An HTTP answer: status, headers (lower-case names) and body."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """Return the body parsed as JSON."""
        return json.loads(self.body)

    def text(self) -> str:
        """Return the body as text (UTF-8)."""
        return self.body.decode("utf-8", errors="replace")


def request(
    base_url: str,
    method: str,
    path: str,
    *,
    token: str | None = None,
    json_body: Any = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> Reply:
    """Send one request on a fresh connection; connection failures raise OSError (http.client's included)."""
    assert base_url.startswith("http://127.0.0.1:"), "reliability tests talk to loopback only"
    host_port = base_url.removeprefix("http://")
    host, port = host_port.split(":")
    send_headers = {"Accept": "application/json"}
    if token:
        send_headers["Authorization"] = f"Token {token}"
    if json_body is not None:
        body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
        send_headers["Content-Type"] = "application/json; charset=utf-8"
    send_headers.update(headers or {})
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=send_headers)
        response = conn.getresponse()
        data = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    finally:
        conn.close()


@dataclass
class ServerProcess:
    """`shouwen serve` (gunicorn) in its own process group on the test database, at a fixed port."""

    var_dir: Path
    workers: int = 2
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def base_url(self) -> str:
        """Return http://127.0.0.1:PORT."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        """Return the file the server's output goes to."""
        return self.var_dir / "server.log"

    def env(self) -> dict[str, str]:
        """Return the server's environment: this process's, pointed at the test database."""
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "WEB_CONCURRENCY")}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "shouwen.settings",
                "DATABASE_URL": database_url(),
                "SECRET_KEY": "reliability-tests-only-not-a-secret",
                "SHOUWEN_VAR_DIR": str(self.var_dir),
                "SHOUWEN_MODE": "development",
                "DEBUG": "false",
                "LOG_LEVEL": "WARNING",
                # The SMS edge is the log backend: nothing leaves the machine.
                "SHOUWEN_SMS_BACKEND": "shouwen.core.sms.LogSmsBackend",
                # Races, crashes and fuzzing send far more than people do; the throttles have their own tests.
                "SHOUWEN_RATE_USER_READ": "100000/min",
                "SHOUWEN_RATE_USER_WRITE": "100000/min",
                "SHOUWEN_RATE_ANON": "100000/min",
                "SHOUWEN_RATE_SIGN_IN": "100000/min",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def start(self, timeout: float = 60.0) -> None:
        """Start the server and wait until /healthz answers 200 (bounded by ``timeout``)."""
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.var_dir.mkdir(parents=True, exist_ok=True)
        argv = [
            sys.executable,
            "-m",
            "shouwen.cli",
            "serve",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--no-collectstatic",
        ]
        with open(self.log_path, "ab") as log:
            log.write(f"\n==== start {self.starts + 1}: {' '.join(argv)}\n".encode())
            log.flush()
            # A new session makes the server its own process group, so kill -9 reaches every worker.
            self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                argv, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if request(self.base_url, "GET", "/healthz", timeout=2).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.kill()
        raise AssertionError(f"the server did not answer within {timeout:.0f}s:\n{self.log_tail()}")

    def kill(self) -> None:
        """kill -9 the server's whole process group (master and workers) and reap it."""
        if self.proc is None or self.proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._wait_for_group_gone(self.proc.pid)

    def stop(self) -> None:
        """Stop the server gracefully (SIGTERM to the group), killing it if it lingers."""
        if self.proc is None or self.proc.returncode is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self._wait_for_group_gone(self.proc.pid)

    @staticmethod
    def _wait_for_group_gone(pgid: int, timeout: float = 10.0) -> None:
        # The workers' parent is gone too; wait until none of them is still running (zombies left for
        # a container's init to reap do not count), so no process still holds the database.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not live_group_members(pgid):
                return
            time.sleep(0.05)
        raise AssertionError(f"process group {pgid} still running after {timeout:.0f}s")

    def log_tail(self, chars: int = 4000) -> str:
        """Return the end of the server's output, for failure messages."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return "(no log)"

    def tracebacks(self, since: int = 0) -> list[str]:
        """Return the tracebacks the server logged after byte ``since`` of its log (500s, worker crashes)."""
        try:
            text = self.log_path.read_bytes()[since:].decode(errors="replace")
        except FileNotFoundError:
            return []
        blocks, current = [], None
        for line in text.splitlines():
            if line.startswith("Traceback"):
                current = [line]
                blocks.append(current)
            elif current is not None:
                current.append(line)
                if line and not line.startswith((" ", "Traceback", "During", "The above")) and ":" in line:
                    current = None  # the exception line ends the block
        return ["\n".join(b) for b in blocks]

    def log_size(self) -> int:
        """Return the current size of the log, to read only what comes after."""
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return 0
