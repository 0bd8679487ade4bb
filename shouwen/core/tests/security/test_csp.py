"""Every answer carries the Content-Security-Policy; only the Redoc page has its own, narrower exception."""

from __future__ import annotations

from django.conf import settings

from shouwen.api.urls import REDOC_CSP
from shouwen.core.csp import CSP, build_policy


def test_pages_api_answers_redirects_errors_and_static_files_all_carry_the_policy(world, client, client_for):
    policy = build_policy(settings.SECURE_CSP)
    anonymous = [
        client.get("/cases/"),
        client.get("/accounts/login/"),
        client.get("/static/shouwen/pages.js"),
    ]
    assert [r.status_code for r in anonymous] == [302, 200, 200]
    signed_in = client_for(world.clerk)
    answers = [
        signed_in.get("/"),
        signed_in.get("/cases/intake/"),
        signed_in.get("/no-such-page/"),
        signed_in.get("/api/v1/residents/"),
        signed_in.get("/api/v1/no-such-thing/"),
    ]
    assert [r.status_code for r in answers] == [200, 200, 404, 200, 404]
    for response in anonymous + answers:
        assert response.headers["Content-Security-Policy"] == policy


def test_no_page_has_inline_script_or_style(world, client_for):
    client = client_for(world.clerk)
    for path in ("/", "/cases/intake/", "/cases/", "/directory/residents/", "/api/v1/docs/"):
        html = client.get(path).content.decode()
        assert "<script>" not in html and "<style" not in html and " style=" not in html, path
        assert " onclick=" not in html and " onchange=" not in html and "hx-on" not in html, path


def test_only_the_redoc_page_allows_inline_styles_and_blob_workers(world, client_for):
    client = client_for(world.clerk)
    assert client.get("/api/v1/docs/").headers["Content-Security-Policy"] == build_policy(settings.SECURE_CSP)
    redoc = client.get("/api/v1/redoc/").headers["Content-Security-Policy"]
    assert redoc == build_policy(REDOC_CSP)
    assert "style-src 'self' 'unsafe-inline'" in redoc and "worker-src 'self' blob:" in redoc
    assert "script-src 'self';" in redoc


def test_a_policy_leaves_out_empty_directives_and_writes_flags_alone():
    config = {"default-src": [CSP.SELF], "img-src": [], "report-to": None, "upgrade-insecure-requests": True}
    assert build_policy(config) == "default-src 'self'; upgrade-insecure-requests"
