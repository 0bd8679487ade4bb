"""`shouwen backup` then `shouwen restore` into an empty database: same rows, same case files.

Runs on the test database of the run (SQLite, or PostgreSQL in CI's second pass); the restore runs
in its own process against a new empty database and a new upload folder, as an operator would.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tarfile
import threading
import uuid
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection

from shouwen.cases import services
from shouwen.cases.models import Attachment, Case
from shouwen.core.backup import row_counts
from shouwen.notifications.services import notify
from shouwen.notifications.tests.test_worker import database_url

PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40


@pytest.fixture
def uploads(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def case_with_photo(live_world, uploads):
    case = services.register_contact(
        live_world.clerk,
        estate=live_world.estate,
        channel="visit",
        category="complaint",
        severity="normal",
        content="阳台漏水，附照片",
    ).case
    attachment = Attachment(
        case=case,
        original_name="漏水.png",
        content_type="image/png",
        size=len(PHOTO),
        uploaded_by=live_world.clerk,
    )
    attachment.file.save("漏水.png", ContentFile(PHOTO), save=True)
    return case, attachment


@pytest.fixture
def empty_database(tmp_path):
    """A DATABASE_URL of a new, empty database of the same kind as the test database."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    name = f"shouwen_restore_{uuid.uuid4().hex[:10]}"
    url = database_url()
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _count(url: str, sql: str) -> int:
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return conn.execute(sql).fetchone()[0]
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchone()[0]


def _restore(archive: Path, url: str, media: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        {"DATABASE_URL": url, "SHOUWEN_MEDIA_ROOT": str(media), "SHOUWEN_VAR_DIR": str(tmp_path / "var")}
    )
    return subprocess.run(
        [sys.executable, "-m", "shouwen.cli", "restore", str(archive)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_backup_restores_into_an_empty_database_with_the_same_rows_and_case_files(
    case_with_photo, empty_database, tmp_path, capsys
):
    case, attachment = case_with_photo
    call_command("backup", output=str(tmp_path / "backups"))
    archives = list((tmp_path / "backups").glob("shouwen-backup-*.tar.gz"))
    assert len(archives) == 1
    with tarfile.open(archives[0]) as tar:
        names = tar.getnames()
    assert f"media/{attachment.file.name}" in names and "manifest.json" in names
    expected = row_counts()

    media = tmp_path / "restored-media"
    done = _restore(archives[0], empty_database, media, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "counts checked" in done.stdout

    for table in ("cases_case", "cases_attachment", "directory_staff", "sla_deadline", "cases_caseevent"):
        assert _count(empty_database, f"SELECT COUNT(*) FROM {table}") == expected[table] > 0
    assert _count(empty_database, f"SELECT COUNT(*) FROM cases_case WHERE number = '{case.number}'") == 1
    assert (media / attachment.file.name).read_bytes() == PHOTO
    assert Case.objects.filter(pk=case.pk).exists()

    # A second restore into the now full database is refused, not mixed in.
    again = _restore(archives[0], empty_database, media, tmp_path)
    assert again.returncode != 0
    assert "not empty" in again.stderr


def test_a_backup_taken_while_others_write_is_consistent(
    case_with_photo, empty_database, tmp_path, live_world
):
    stop = threading.Event()
    written = []

    def keep_writing():
        try:
            while not stop.is_set():
                written.append(notify(live_world.clerk, title=f"通知 {len(written)}", email=False).pk)
        finally:
            connection.close()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while len(written) < 5:
            threading.Event().wait(0.05)
        call_command("backup", output=str(tmp_path / "backups"))
    finally:
        stop.set()
        writer.join(timeout=30)
    archive = next((tmp_path / "backups").glob("shouwen-backup-*.tar.gz"))
    done = _restore(archive, empty_database, tmp_path / "m2", tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]  # the restore checks every table's count itself
    restored = _count(empty_database, "SELECT COUNT(*) FROM notifications_notification")
    assert 5 <= restored <= len(written)


def test_restore_names_a_missing_or_foreign_file(db, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("restore", str(tmp_path / "nope.tar.gz"))
    bogus = tmp_path / "bogus.tar.gz"
    with tarfile.open(bogus, "w:gz"):
        pass
    with pytest.raises(CommandError, match="not a Shouwen backup"):
        call_command("restore", str(bogus))


def test_backup_keeps_only_the_newest_archives_when_asked(db, tmp_path, uploads):
    out = tmp_path / "b"
    out.mkdir()
    for stamp in ("20260101-030000", "20260102-030000", "20260103-030000"):
        (out / f"shouwen-backup-{stamp}.tar.gz").write_bytes(b"old")
    call_command("backup", output=str(out), keep=2)
    left = sorted(p.name for p in out.glob("shouwen-backup-*.tar.gz"))
    assert len(left) == 2 and left[0] == "shouwen-backup-20260103-030000.tar.gz"
