"""`shouwen demo`: migrate, load demo data into an empty database, print the sign-ins, serve with the worker.

The web server (gunicorn) and the background worker (`shouwen worker`: deadline sweep, e-mail and
SMS) run as child processes of this one; when either signal arrives or the server stops, both are
stopped, so no worker is left running after the demo.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from shouwen.core.management.commands.serve import default_workers, gunicorn_argv

# A worker that crashes is started again, but not more often than this (seconds).
RESTART_GAP = 5.0
# After Ctrl+C the terminal has signalled the children too: give them this long to stop on their own.
OWN_STOP_GRACE = 2.0
STOP_TIMEOUT = 20.0


FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


def use_demo_mailbox() -> str:
    """Write staff e-mail to files under var/mail unless EMAIL_BACKEND was chosen; return that folder or "".

    A newcomer's machine has no mail server: sending would fail once per notification. The setting is
    changed for this process (the demo data's sweep) and passed to the server and the worker it starts.
    """
    if os.environ.get("EMAIL_BACKEND"):
        return ""
    os.environ["EMAIL_BACKEND"] = FILE_BACKEND
    settings.EMAIL_BACKEND = FILE_BACKEND
    os.environ.setdefault("EMAIL_FILE_PATH", str(settings.EMAIL_FILE_PATH))
    settings.EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
    Path(settings.EMAIL_FILE_PATH).mkdir(parents=True, exist_ok=True)
    return str(settings.EMAIL_FILE_PATH)


def worker_argv() -> list[str]:
    """Return the command line of the background worker."""
    return [sys.executable, "-m", "shouwen.cli", "worker"]


def stop_processes(procs: list[subprocess.Popen[bytes]], grace: float, timeout: float) -> None:
    """Let the children stop on their own for ``grace`` seconds, then terminate them, then kill them."""
    deadline = time.monotonic() + grace
    while any(p.poll() is None for p in procs) and time.monotonic() < deadline:
        time.sleep(0.1)
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + timeout
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


class Command(BaseCommand):
    help = (
        "Set up and serve the demo: migrate, demo data if the database is empty, "
        "serve on 127.0.0.1:8000 with the background worker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="set up only")

    def handle(self, *args: Any, **options: Any) -> None:
        from shouwen.development.management.commands.demo_data import print_sign_ins

        mail_to = use_demo_mailbox()
        call_command("migrate", interactive=False, verbosity=0)
        call_command("demo_data", if_empty=True, no_sign_ins=True)
        print_sign_ins(self.stdout.write)
        if mail_to:
            self.stdout.write(f"Staff e-mail is written to {mail_to}/ (one file per batch), not sent.")
        if options["no_serve"]:
            return
        call_command("collectstatic", interactive=False, verbosity=0)
        sys.exit(self.serve_with_worker(options["bind"]))

    def serve_with_worker(self, bind: str) -> int:
        """Run gunicorn and the worker as children until the server stops or we are told to; return its code."""
        stop_signal: list[int] = []

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop_signal.append(signum)

        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, on_signal)

        worker = subprocess.Popen(worker_argv())  # noqa: S603 - our own interpreter and module
        started = time.monotonic()
        self.stdout.write(f"Background worker running (pid {worker.pid}): deadline sweep, e-mail and SMS.")
        server = subprocess.Popen(gunicorn_argv(bind, default_workers()))  # noqa: S603 - fixed argv
        self.stdout.write(f"Shouwen: http://{bind}/")
        sys.stdout.flush()
        try:
            while not stop_signal and server.poll() is None:
                if worker.poll() is not None and time.monotonic() - started >= RESTART_GAP:
                    self.stderr.write(
                        f"Background worker stopped (exit {worker.returncode}); starting it again."
                    )
                    worker = subprocess.Popen(worker_argv())  # noqa: S603 - as above
                    started = time.monotonic()
                time.sleep(0.5)
        finally:
            # Ctrl+C reached the children through the terminal; a plain SIGTERM reached only us.
            grace = OWN_STOP_GRACE if stop_signal and stop_signal[0] == signal.SIGINT else 0.0
            stop_processes([server, worker], grace, STOP_TIMEOUT)
        self.stdout.write("Shouwen stopped (server and background worker).")
        return 0 if stop_signal else (server.returncode or 0)
