"""The OpenAPI schema generates cleanly and the docs pages load only local assets."""

from __future__ import annotations

import re

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

EXTERNAL_URL = re.compile(r"https?://")


def test_schema_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    paths = schema["paths"]
    assert "/api/v1/residents/{id}/reveal/" in paths
    assert "/api/v1/me/" in paths
    # Nothing in the directory can be deleted through the API.
    assert not [p for p, ops in paths.items() if "delete" in ops]


def test_schema_is_served_to_staff(world, api_for):
    response = api_for(world.technician).get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"/api/v1/residents/" in response.content


def test_schema_is_not_served_anonymously(db):
    assert APIClient().get("/api/v1/schema/").status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_docs_pages_use_only_local_assets(world, client_for, path):
    response = client_for(world.technician).get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert not EXTERNAL_URL.findall(html), EXTERNAL_URL.findall(html)
