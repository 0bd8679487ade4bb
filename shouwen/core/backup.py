"""Backups: the database and the uploads in one archive, and restoring them into an empty database.

An archive (``shouwen-backup-YYYYmmdd-HHMMSS.tar.gz``) holds:

- ``database.sqlite3``, copied with SQLite's online backup API (consistent while the web server and
  workers go on writing), or ``database.pgdump``, PostgreSQL's custom format from ``pg_dump``;
- ``media/…``, every uploaded file (attachments, photos, signatures), read through the configured
  storage, so a shared folder and an S3 bucket are backed up alike;
- ``manifest.json``: when, which database engine, and the row count of every table, which
  :func:`restore` checks after restoring.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot be done, with the reason for the person running it."""


def row_counts() -> dict[str, int]:
    """Return the number of rows of every table of the project's models."""
    present = set(connection.introspection.table_names())
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        for table in _table_names():
            if table in present:
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
                counts[table] = cursor.fetchone()[0]
    return counts


def _media_files(storage: Any = None, top: str = "") -> Iterator[str]:
    """Yield the name of every file in the storage (recursively)."""
    storage = storage or default_storage
    try:
        folders, files = storage.listdir(top)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{top}/{name}" if top else name
    for folder in sorted(folders):
        yield from _media_files(storage, f"{top}/{folder}" if top else folder)


def _pg_env(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Return the connection options of pg_dump/pg_restore and an environment with the password."""
    args = ["--dbname", settings_dict["NAME"]]
    if settings_dict.get("HOST"):
        args += ["--host", settings_dict["HOST"]]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", settings_dict["USER"]]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    tool = command[0]
    if shutil.which(tool) is None:
        raise BackupError(
            f"{tool} was not found: install PostgreSQL's client tools (Debian: postgresql-client)"
        )
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip()[-2000:]}")


def _table_names() -> list[str]:
    tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if not model._meta.proxy and model._meta.managed
    }
    return sorted(tables)


def _dump_database(work: Path) -> tuple[str, dict[str, int]]:
    """Write the database into ``work``; return the file's name in the archive and its row counts.

    The counts are those of the copy itself (SQLite) or of the snapshot pg_dump reads (PostgreSQL),
    never of a database that went on changing while the copy was made.
    """
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        target = work / "database.sqlite3"
        source = sqlite3.connect(str(settings_dict["NAME"]), timeout=30)
        copy = sqlite3.connect(str(target))
        try:
            # Pages are copied in steps; a write by another process meanwhile restarts the copy, so
            # what is copied is one consistent state of the database.
            source.backup(copy, pages=1024)
            present = {row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            counts = {
                table: copy.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608 - model tables
                for table in _table_names()
                if table in present
            }
        finally:
            copy.close()
            source.close()
        return target.name, counts
    if connection.vendor == "postgresql":
        target = work / "database.pgdump"
        args, env = _pg_env(settings_dict)
        import psycopg

        # A connection of its own (the caller may be inside a transaction): one snapshot for the
        # counts and for pg_dump, the same state however busy the database is.
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        with psycopg.connect(**params, autocommit=True) as snap:
            snap.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            row = snap.execute("SELECT pg_export_snapshot()").fetchone()
            assert row is not None
            present = {
                r[0]
                for r in snap.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            }
            counts = {}
            for table in _table_names():
                if table in present:
                    found = snap.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()  # noqa: S608 - model tables
                    counts[table] = found[0] if found else 0
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={row[0]}",
                    "--file",
                    str(target),
                    *args,
                ],
                env,
            )
            snap.execute("COMMIT")
        return target.name, counts
    raise BackupError(f"backups of {connection.vendor} databases are not supported")


def backup(output_dir: Path, now: datetime | None = None) -> tuple[Path, dict[str, Any]]:
    """Write a backup archive into ``output_dir``; return its path and its manifest."""
    now = now or timezone.now()
    output_dir.mkdir(parents=True, exist_ok=True)
    name = f"shouwen-backup-{timezone.localtime(now):%Y%m%d-%H%M%S}.tar.gz"
    final = output_dir / name
    with tempfile.TemporaryDirectory(prefix="shouwen-backup-") as tmp:
        work = Path(tmp)
        database_file, counts = _dump_database(work)
        partial = output_dir / f".{name}.partial"
        media: list[str] = []
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(work / database_file, arcname=database_file)
            for file_name in _media_files():
                with default_storage.open(file_name, "rb") as fh:
                    data = fh.read()
                info = tarfile.TarInfo(f"media/{file_name}")
                info.size = len(data)
                info.mtime = int(now.timestamp())
                tar.addfile(info, io.BytesIO(data))
                media.append(file_name)
            manifest = {
                "format": FORMAT,
                "created_at": now.isoformat(),
                "engine": connection.vendor,
                "database_file": database_file,
                "row_counts": counts,
                "media_files": len(media),
            }
            raw = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(raw)
            info.mtime = int(now.timestamp())
            tar.addfile(info, io.BytesIO(raw))
        os.replace(partial, final)  # a half-written archive never carries the final name
    return final, manifest


def prune(output_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` archives in ``output_dir``; return the deleted ones."""
    archives = sorted(output_dir.glob("shouwen-backup-*.tar.gz"))
    old = archives[:-keep] if keep > 0 else []
    for path in old:
        path.unlink()
    return old


def _database_is_empty() -> bool:
    tables = set(connection.introspection.table_names())
    if "django_migrations" not in tables:
        return True
    from shouwen.cases.models import Case
    from shouwen.directory.models import Estate

    return not Case.objects.exists() and not Estate.objects.exists()


def _read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.getmember("manifest.json")
    except KeyError:
        raise BackupError("this file is not a Shouwen backup (no manifest.json)") from None
    fh = tar.extractfile(member)
    if fh is None:
        raise BackupError("manifest.json is not a file")
    manifest: dict[str, Any] = json.loads(fh.read())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r} is not one this version reads")
    return manifest


def _restore_database(tar: tarfile.TarFile, manifest: dict[str, Any], work: Path) -> None:
    engine = manifest["engine"]
    if engine != connection.vendor:
        raise BackupError(
            f"this backup is of a {engine} database; DATABASE_URL names a {connection.vendor} one"
        )
    member = tar.getmember(manifest["database_file"])
    tar.extract(member, work, filter="data")
    dumped = work / member.name
    settings_dict = connection.settings_dict
    connection.close()
    if engine == "sqlite":
        target = Path(settings_dict["NAME"])
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.with_name(target.name + ".restoring")
        shutil.copyfile(dumped, staged)
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        os.replace(staged, target)
        return
    args, env = _pg_env(settings_dict)
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--clean",
            "--if-exists",
            "--exit-on-error",
            *args,
            str(dumped),
        ],
        env,
    )


def restore(archive: Path, *, force: bool = False) -> dict[str, Any]:
    """Restore an archive into the configured database and storage; return what was checked.

    Refuses a database that already holds estates or cases unless ``force`` (never silently
    mixes two histories); checks every table's row count against the manifest afterwards.
    """
    if not archive.is_file():
        raise BackupError(f"{archive} does not exist")
    if not force and not _database_is_empty():
        raise BackupError(
            "the database is not empty (it has estates or cases); restore into a new, empty database"
        )
    with tarfile.open(archive, "r:gz") as tar, tempfile.TemporaryDirectory(prefix="shouwen-restore-") as tmp:
        manifest = _read_manifest(tar)
        if force and connection.vendor == "postgresql":
            raise BackupError(
                "restore over an existing PostgreSQL database is not supported: create an empty one"
            )
        _restore_database(tar, manifest, Path(tmp))
        media = 0
        for member in tar.getmembers():
            if not member.isfile() or not member.name.startswith("media/"):
                continue
            name = member.name.removeprefix("media/")
            if ".." in Path(name).parts or name.startswith("/"):
                raise BackupError(f"unsafe file name in the backup: {member.name}")
            fh = tar.extractfile(member)
            if fh is None:
                continue
            if default_storage.exists(name):
                default_storage.delete(name)
            saved = default_storage.save(name, File(fh, name=name))
            if saved != name:
                raise BackupError(f"the storage renamed {name} to {saved}")
            media += 1
    counts = row_counts()
    expected = manifest["row_counts"]
    differ = {t: (n, counts.get(t)) for t, n in expected.items() if counts.get(t) != n}
    if differ:
        raise BackupError(f"row counts differ after the restore (table: backup, restored): {differ}")
    if media != manifest["media_files"]:
        raise BackupError(f"{manifest['media_files']} files in the backup, {media} restored")
    return {
        "tables": len(expected),
        "rows": sum(expected.values()),
        "media_files": media,
        "manifest": manifest,
    }
