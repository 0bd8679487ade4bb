"""Fixtures of the reliability tests: the production server on the test database, media kept apart."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shouwen.core.tests.reliability.server import ServerProcess


@pytest.fixture(scope="session")
def shouwen_server(django_db_setup, tmp_path_factory) -> Iterator[ServerProcess]:
    """`shouwen serve` with four gunicorn workers on the test database, shared by the tests that only send requests.

    The tests put their rows in with ``live_world`` (committed), so the server sees them; the
    server is stopped before pytest-django drops the test database.
    """
    server = ServerProcess(var_dir=tmp_path_factory.mktemp("shouwen-server"), workers=4)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Keep files uploaded in-process out of the project's var/ directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
