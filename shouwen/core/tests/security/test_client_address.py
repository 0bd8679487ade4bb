"""Attack: an X-Forwarded-For header chosen by the caller picks the address written into the
personal-data access log (and would give every sign-in attempt a fresh address).

Now the header is believed only from a proxy named in SHOUWEN_TRUSTED_PROXIES (shouwen.core.net).
"""

from __future__ import annotations

import ipaddress

from django.test import override_settings
from django.urls import reverse

from shouwen.access.models import PersonalDataAccess


def _reveal_by_api(world, api_for, **headers):
    owner = world.residents["owner"]
    response = api_for(world.clerk).post(
        f"/api/v1/residents/{owner.pk}/reveal/",
        {"fields": ["phone"], "reason": "回拨"},
        format="json",
        **headers,
    )
    assert response.status_code == 200
    return PersonalDataAccess.objects.latest("pk").ip_address


def test_a_spoofed_header_does_not_write_someone_elses_address_into_the_access_log(
    world, api_for, client_for
):
    assert (
        _reveal_by_api(world, api_for, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="10.1.1.1")
        == "198.51.100.7"
    )
    page = client_for(world.clerk).post(
        reverse("directory:resident_detail", args=[world.residents["owner"].pk]),
        {"field": "phone"},
        REMOTE_ADDR="198.51.100.8",
        HTTP_X_FORWARDED_FOR="10.1.1.1",
    )
    assert page.status_code == 200
    assert PersonalDataAccess.objects.latest("pk").ip_address == "198.51.100.8"


@override_settings(SHOUWEN_TRUSTED_PROXIES=[ipaddress.ip_network("10.0.0.2/32")])
def test_behind_the_configured_proxy_the_log_names_the_real_client(world, api_for):
    assert (
        _reveal_by_api(world, api_for, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.44")
        == "203.0.113.44"
    )
