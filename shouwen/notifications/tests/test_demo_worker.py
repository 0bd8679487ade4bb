"""`shouwen demo` runs the worker beside the web server and stops both when it is stopped."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from shouwen.core.testing import free_port

pytestmark = pytest.mark.worker


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_demo_starts_the_worker_and_stops_it_with_the_server(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update({"SHOUWEN_VAR_DIR": str(tmp_path), "WEB_CONCURRENCY": "1"})
    shouwen = [sys.executable, "-m", "shouwen.cli"]
    # A database with data already in it: `demo` skips the (slow) demo data and goes straight to serving.
    subprocess.run([*shouwen, "migrate", "-v", "0"], env=env, check=True, timeout=120)
    subprocess.run(
        [
            *shouwen,
            "shell",
            "-c",
            "from shouwen.directory.models import Company; Company.objects.create(name='甲')",
        ],
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
    )
    port = free_port()
    log_path = tmp_path / "demo.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [*shouwen, "demo", "--bind", f"127.0.0.1:{port}"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:  # noqa: S310
                        if r.status == 200:
                            break
                except OSError:
                    pass
                assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text(
                    errors="replace"
                )
                time.sleep(0.3)
            found = re.search(
                r"Background worker running \(pid (\d+)\)", log_path.read_text(errors="replace")
            )
            assert found, log_path.read_text(errors="replace")
            worker_pid = int(found.group(1))
            assert alive(worker_pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise
    assert proc.returncode == 0, log_path.read_text(errors="replace")
    assert not alive(worker_pid)
    assert "Shouwen stopped (server and background worker)." in log_path.read_text(errors="replace")
