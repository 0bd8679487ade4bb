"""Uploads on an S3-compatible store (SHOUWEN_MEDIA_STORAGE=s3): through the app, back out, into backups.

A real S3 server on loopback (moto's server, the S3 API over HTTP) and a real web node (gunicorn)
configured only by its environment, as docs/deploy.md says: a case attachment is uploaded through
the API, lands in the bucket (not on the local disk), is read back through the app, and
`shouwen backup` (its own process, same environment) puts it in the archive; `shouwen restore` into an
empty database and an empty bucket brings it back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from shouwen.accounts.tokens import issue_token
from shouwen.cases import services
from shouwen.cases.models import Attachment
from shouwen.core.testing import free_port
from shouwen.core.tests.operations.test_backup_restore import _count, empty_database  # noqa: F401
from shouwen.notifications.tests.test_worker import database_url

pytestmark = pytest.mark.worker  # separate processes against the test database

PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "shouwen-test", "AWS_SECRET_ACCESS_KEY": "shouwen-test-secret"}


@pytest.fixture
def s3_server() -> Iterator[str]:
    """A real S3-compatible server on 127.0.0.1 at a free port; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def _s3(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


def _env(endpoint: str, bucket: str, tmp_path: Path, url: str | None = None) -> dict[str, str]:
    """The environment of a node with uploads on the bucket (docs/deploy.md), on the given database."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE" and not k.startswith("AWS_")}
    env.update(
        {
            "DATABASE_URL": url or database_url(),
            "SHOUWEN_MEDIA_STORAGE": "s3",
            "SHOUWEN_S3_BUCKET": bucket,
            "SHOUWEN_S3_ENDPOINT_URL": endpoint,
            "SHOUWEN_S3_REGION": "us-east-1",
            "SHOUWEN_S3_PREFIX": "media",
            # A local upload folder that must stay empty: nothing is written there.
            "SHOUWEN_MEDIA_ROOT": str(tmp_path / "local-media"),
            "SHOUWEN_VAR_DIR": str(tmp_path / "var"),
            **CREDENTIALS,
        }
    )
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shouwen.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_an_attachment_on_s3_is_uploaded_read_back_backed_up_and_restored(
    live_world,
    s3_server,
    tmp_path,
    empty_database,  # noqa: F811 - the fixture imported above
):
    s3 = _s3(s3_server)
    s3.create_bucket(Bucket="shouwen-uploads")
    env = _env(s3_server, "shouwen-uploads", tmp_path)
    case = services.register_contact(
        live_world.clerk,
        estate=live_world.estate,
        channel="visit",
        category="complaint",
        severity="normal",
        content="阳台漏水，附照片",
    ).case
    _row, token = issue_token(live_world.technician.user, name="s3-test")
    headers = {"Authorization": f"Token {token}"}

    port = free_port()
    log = tmp_path / "web.log"
    with open(log, "wb") as out:
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "shouwen.wsgi:application", "--bind", f"127.0.0.1:{port}"]
            + ["--workers", "1", "--timeout", "60"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(base + "/healthz", timeout=10).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            assert web.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(0.3)

        uploaded = requests.post(
            f"{base}/api/v1/cases/{case.number}/attachments/",
            files={"file": ("漏水.png", PHOTO, "image/png")},
            headers=headers,
            timeout=30,
        )
        assert uploaded.status_code == 201, uploaded.text
        attachment = Attachment.objects.get(case=case)
        # In the bucket under the prefix, and nowhere on the local disk.
        stored = s3.get_object(Bucket="shouwen-uploads", Key=f"media/{attachment.file.name}")
        assert stored["Body"].read() == PHOTO
        local = tmp_path / "local-media"
        assert not local.exists() or not any(p.is_file() for p in local.rglob("*"))

        # Read back through the app (the estate check, then the bytes streamed from the bucket).
        url = uploaded.json()["url"]
        assert url.endswith(f"/api/v1/cases/{case.number}/attachments/{attachment.pk}/")
        served = requests.get(base + url[url.index("/api/") :], headers=headers, timeout=30)
        assert served.status_code == 200, served.text[:500]
        assert served.content == PHOTO
        assert served.headers["Content-Type"] == "image/png"
    finally:
        web.terminate()
        web.wait(timeout=20)

    # `shouwen backup` reads the uploads through the configured storage: the bucket's file is in the archive.
    done = _run(env, "backup", "--output", str(tmp_path / "backups"))
    assert done.returncode == 0, done.stderr[-3000:]
    archive = next((tmp_path / "backups").glob("shouwen-backup-*.tar.gz"))
    with tarfile.open(archive) as tar:
        assert tar.extractfile(f"media/{attachment.file.name}").read() == PHOTO
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["media_files"] == 1

    # Restored into an empty database and an empty bucket, the same file comes back under the same name.
    s3.create_bucket(Bucket="shouwen-restored")
    restored = _run(_env(s3_server, "shouwen-restored", tmp_path, empty_database), "restore", str(archive))
    assert restored.returncode == 0, restored.stderr[-3000:]
    again = s3.get_object(Bucket="shouwen-restored", Key=f"media/{attachment.file.name}")
    assert again["Body"].read() == PHOTO
    assert _count(empty_database, "SELECT COUNT(*) FROM cases_attachment") == 1
