"""Settings helpers fail loudly on bad values."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from shouwen.env import envbool, envchoice, envint, envlist


def test_envbool_accepts_usual_spellings_and_rejects_others(monkeypatch):
    monkeypatch.setenv("X", "yes")
    assert envbool("X", False) is True
    monkeypatch.setenv("X", "0")
    assert envbool("X", True) is False
    monkeypatch.setenv("X", "maybe")
    with pytest.raises(ImproperlyConfigured):
        envbool("X", False)


def test_envint_checks_type_and_minimum(monkeypatch):
    monkeypatch.setenv("N", "abc")
    with pytest.raises(ImproperlyConfigured):
        envint("N", 1)
    monkeypatch.setenv("N", "0")
    with pytest.raises(ImproperlyConfigured):
        envint("N", 1, minimum=1)
    monkeypatch.delenv("N")
    assert envint("N", 7) == 7


def test_envchoice_and_envlist(monkeypatch):
    monkeypatch.setenv("MODE", "staging")
    with pytest.raises(ImproperlyConfigured):
        envchoice("MODE", "development", ("development", "production"))
    monkeypatch.setenv("HOSTS", "a.example, b.example,")
    assert envlist("HOSTS", []) == ["a.example", "b.example"]


def test_production_mode_requires_a_secret_key(tmp_path):
    import subprocess
    import sys

    env = {"SHOUWEN_MODE": "production", "SHOUWEN_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='shouwen.settings'; django.setup()",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_sqlite_database_files_run_in_wal_mode(tmp_path, monkeypatch):
    """A fresh process with no DATABASE_URL opens its SQLite file in WAL mode."""
    import subprocess
    import sys

    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='shouwen.settings'; django.setup();"
        "from django.db import connection; c = connection.cursor(); c.execute('PRAGMA journal_mode');"
        "print(c.fetchone()[0]); print(connection.settings_dict['NAME'])"
    )
    env = {"SHOUWEN_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    mode, name = result.stdout.split()
    assert mode == "wal"
    assert name == str(tmp_path / "shouwen.sqlite3")
