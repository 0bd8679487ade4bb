"""Every role × every page and API endpoint gets what the capability table in roles.py says.

The endpoints come from the URL resolver, the capability each needs from its view class and the
roles' capabilities from :data:`shouwen.access.roles.ROLES`, so a new page, endpoint, role or
capability is covered without touching this file. Path parameters are filled with real rows of
either estate: a row of an estate the person does not serve must be a 404 (never shown, never
changed), and no answer may be a server error.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.exceptions import PermissionDenied as DrfPermissionDenied

from shouwen.cases.models import Case
from shouwen.core.testing import World
from shouwen.core.tests.reliability.endpoints import (
    PUBLIC,
    RESIDENT,
    STAFF,
    Endpoint,
    Target,
    all_endpoints,
    capabilities,
    lookup_field,
    served_estate_ids,
    targets,
    value_of,
)
from shouwen.core.tests.reliability.helpers import PERSONAS, populate, rows_in, token_for
from shouwen.directory.models import Estate, Resident, Staff

ANONYMOUS = "anonymous"


def send(
    client: Client, endpoint: Endpoint, method: str, url: str, token: str | None, keyword: str = "Token"
) -> Any:
    """Send the request: the API with the token (and an empty JSON body), pages with an empty form."""
    extra: dict[str, Any] = {"HTTP_AUTHORIZATION": f"{keyword} {token}"} if token and endpoint.is_api else {}
    call = getattr(client, method)
    if method in ("get", "delete"):
        return call(url, **extra)
    if endpoint.is_api:
        return call(url, data=json.dumps({}), content_type="application/json", **extra)
    return call(url, data={}, **extra) if method == "post" else call(url, data="", **extra)


def _drf_refusal(response: Any) -> bool:
    """Return whether a 403 is DRF's capability refusal (not a business rule's explained 403)."""
    try:
        detail = response.json().get("detail", "")
    except (ValueError, AttributeError):
        return False
    with translation.override("zh-hans"):
        zh = str(DrfPermissionDenied.default_detail)
    with translation.override("en"):
        en = str(DrfPermissionDenied.default_detail)
    return detail in (zh, en)


def _listed_ids(response: Any, attribute: str) -> set[str]:
    data = response.json()
    rows = data.get("results", data) if isinstance(data, dict) else data
    key = "id" if attribute == "pk" else attribute
    return {str(row[key]) for row in rows if isinstance(row, dict) and key in row}


def _visible_ids(
    model: type[Model], attribute: str, world: World, staff: Staff, served: set[int]
) -> set[str] | None:
    if getattr(model, "ESTATE_LOOKUP", None) is not None:
        ids: set[str] = set()
        for estate in Estate.objects.filter(pk__in=served):
            ids |= {value_of(row, attribute) for row in rows_in(model, estate)}
        return ids
    if any(f.name == "recipient" for f in model._meta.fields):
        return {value_of(row, attribute) for row in model._default_manager.filter(recipient=staff)}
    return None


def judge(
    endpoint: Endpoint,
    method: str,
    target: Target,
    response: Any,
    staff: Staff | None,
    caps: set[str],
    world: World,
    served: set[int],
) -> list[str]:
    """Return what is wrong with the answer (empty when it is what the table says)."""
    status = response.status_code
    where = f"{method.upper()} {endpoint.name} [{target.label}] → {status}"
    cap = endpoint.capability(method)
    if cap is None:
        return [f"{where}: the view checks no capability (add required_cap / read_cap / write_cap)"]
    if status >= 500:
        return [f"{where}: server error"]
    if cap == PUBLIC:
        return []
    if cap == RESIDENT:
        return _judge_not_resident(endpoint, response, where)
    if staff is None:
        return _judge_anonymous(endpoint, response, where)
    allowed = cap == STAFF or cap in caps
    if endpoint.name == "admin:index":
        ok = status == 200 if allowed else status in (302, 403)
        return (
            []
            if ok
            else [f"{where}: admin site against the table ({cap} {'granted' if allowed else 'missing'})"]
        )
    if not allowed:
        return [] if status == 403 else [f"{where}: role lacks {cap} but was not refused with 403"]
    if status == 403 and (not endpoint.is_api or _drf_refusal(response)):
        return [f"{where}: refused although the role has {cap}"]
    return _judge_rows(endpoint, method, target, response, staff, world, served, where)


def _judge_not_resident(endpoint: Endpoint, response: Any, where: str) -> list[str]:
    """Staff and anonymous visitors get nothing of the residents' portal: its sign-in, or 401/403."""
    status = response.status_code
    if endpoint.is_api:
        return [] if status in (401, 403) else [f"{where}: the portal API answered someone not a resident"]
    if status == 405 or (status == 302 and response.get("Location", "").startswith("/r/sign-in/")):
        return []
    return [f"{where}: a portal page did not send someone not a resident to the portal's sign-in"]


def _judge_anonymous(endpoint: Endpoint, response: Any, where: str) -> list[str]:
    """Someone not signed in is refused by the API and sent to sign in by the pages."""
    if endpoint.is_api:
        return (
            []
            if response.status_code in (401, 403)
            else [f"{where}: anonymous API call not refused with 401/403"]
        )
    location = response.get("Location", "")
    if response.status_code == 302 and ("/accounts/login/" in location or "/admin/login/" in location):
        return []
    return [f"{where}: anonymous visitor not sent to sign in"]


def _judge_rows(
    endpoint: Endpoint,
    method: str,
    target: Target,
    response: Any,
    staff: Staff,
    world: World,
    served: set[int],
    where: str,
) -> list[str]:
    """For a person the table lets in: rows of other estates are 404, their own are shown, lists leak nothing."""
    status = response.status_code
    if target.visible is False:
        return [] if status == 404 else [f"{where}: a row the person may not see was not a 404"]
    action = endpoint.action(method)
    detail_page = not endpoint.is_api and method == "get" and endpoint.name.endswith("detail")
    if target.visible and method == "get" and (action == "retrieve" or detail_page) and status != 200:
        return [f"{where}: the person's own row was not shown"]
    if action == "list":
        if status != 200:
            return [f"{where}: list refused"]
        model = getattr(endpoint.view, "queryset", None)
        if model is not None:
            attribute = (
                lookup_field(endpoint, model.model)
                if endpoint.params
                else getattr(endpoint.view, "lookup_field", "pk")
            )
            visible = _visible_ids(model.model, attribute, world, staff, served)
            leaked = _listed_ids(response, attribute) - visible if visible is not None else set()
            if leaked:
                return [f"{where}: lists rows of estates the person does not serve: {sorted(leaked)[:5]}"]
    return []


def _probe_delete(endpoint: Endpoint, client: Client, url: str, token: str | None) -> list[str]:
    """Nothing is ever deleted: DELETE on any API row is refused."""
    response = send(client, endpoint, "delete", url, token)
    if response.status_code in (401, 403, 404, 405):
        return []
    return [f"DELETE {endpoint.name} → {response.status_code}: rows must never be deleted"]


@pytest.mark.parametrize("persona", [*PERSONAS, ANONYMOUS])
def test_every_role_gets_what_the_capability_table_says_on_every_endpoint(world, persona):
    populate(world)
    staff = world.staff.get(persona)
    client = Client()
    token = None
    if staff is not None:
        client.force_login(staff.user)
        token = token_for(staff)
    caps, served = capabilities(staff), served_estate_ids(world, staff)
    problems: list[str] = []
    checked = 0
    for endpoint in all_endpoints():
        for n, target in enumerate(targets(endpoint, world, staff, served)):
            url = reverse(endpoint.name, kwargs=target.kwargs)
            for method in endpoint.methods():
                cap = endpoint.capability(method)
                if n > 0 and (staff is None or cap not in (STAFF, PUBLIC, *caps)):
                    continue  # refused before any row is looked up: one target tells it all
                response = send(client, endpoint, method, url, token)
                problems += judge(endpoint, method, target, response, staff, caps, world, served)
                checked += 1
                if (
                    staff is not None and "_auth_user_id" not in client.session
                ):  # the sign-out page did its job
                    client.force_login(staff.user)
            if n == 0 and endpoint.is_api and endpoint.action("get") == "retrieve":
                problems += _probe_delete(endpoint, client, url, token)
    assert checked > 100, "the resolver found suspiciously few endpoints"
    assert not problems, f"{persona}: {len(problems)} of {checked} answers against the table:\n" + "\n".join(
        sorted(set(problems))
    )


def _judge_as_resident(
    endpoint: Endpoint, method: str, target: Target, response: Any, resident: Resident
) -> list[str]:
    """A resident gets their own matters, "not found" for anyone else's, and nothing of the staff's side."""
    status = response.status_code
    where = f"{method.upper()} {endpoint.name} [{target.label}] → {status}"
    cap = endpoint.capability(method)
    if status >= 500:
        return [f"{where}: server error"]
    if cap == PUBLIC:
        return []
    if cap != RESIDENT:  # the staff's pages and API
        if endpoint.is_api:
            return [] if status in (401, 403) else [f"{where}: the staff API answered a resident"]
        location = response.get("Location", "")
        if status == 302 and ("/accounts/login/" in location or "/admin/login/" in location):
            return []
        return [f"{where}: a staff page did not send a resident to the staff sign-in"]
    if status == 405:
        return []  # GET of a page that only takes a form
    if target.visible is False:
        return [] if status == 404 else [f"{where}: another household's matter was not a 404"]
    if status in (302, 401, 403, 404):
        return [f"{where}: the resident was refused their own page"]
    if method == "get" and status != 200:
        return [f"{where}: the resident's own page was not shown"]
    return _leaks(endpoint, method, response, resident, where)


def _leaks(endpoint: Endpoint, method: str, response: Any, resident: Resident, where: str) -> list[str]:
    """Return the other households' matters a page or the list shows the resident."""
    if method != "get" or (endpoint.is_api and endpoint.name != "portal_api:cases"):
        return []
    body = response.content.decode()
    others = Case.objects.exclude(resident=resident).values_list("number", flat=True)
    leaked = sorted(n for n in others if n in body)
    return [f"{where}: shows other households' matters: {leaked[:5]}"] if leaked else []


def resident_targets(endpoint: Endpoint, world: World, resident: Resident) -> list[Target]:
    """Return the path parameters of a portal endpoint: a matter of the resident, others' matters."""
    if not endpoint.params:
        return [Target("-", {}, None)]
    first = endpoint.params[0]
    mine = Case.objects.filter(resident=resident).order_by("pk").first()
    assert mine is not None, "the resident has no matter to try"
    found = [Target("mine", {first: str(mine.pk)}, True)]
    for label, case in (
        (
            "same estate, another household",
            Case.objects.filter(estate=world.estate).exclude(resident=resident),
        ),
        ("another estate", Case.objects.filter(estate=world.other_estate)),
    ):
        row = case.order_by("pk").first()
        assert row is not None, label
        found.append(Target(label, {first: str(row.pk)}, False))
    found.append(Target("unknown", {first: "0"}, False))
    return found


def test_a_resident_sees_only_their_households_matters_and_nothing_of_the_staffs(world):
    from shouwen.portal.testing import resident_token, sign_in_resident

    populate(world)
    resident = world.residents["owner"]
    world.register(resident=world.residents["tenant"], unit=world.units["3-1-0801"], content="李娜家的报修")
    world.register(
        resident=None, unit=world.units["3-2-1502"], caller_name="访客", content="同一房屋，非本人登记"
    )
    client = Client()
    sign_in_resident(client, resident)
    token = resident_token(resident)
    problems: list[str] = []
    checked = 0
    for endpoint in all_endpoints():
        is_portal = endpoint.is_resident
        chosen = (
            resident_targets(endpoint, world, resident)
            if is_portal
            else targets(endpoint, world, None, set())
        )
        for n, target in enumerate(chosen):
            if n > 0 and not is_portal:
                continue  # refused before any row is looked up
            url = reverse(endpoint.name, kwargs=target.kwargs)
            for method in endpoint.methods():
                response = send(client, endpoint, method, url, token, keyword="Resident")
                problems += _judge_as_resident(endpoint, method, target, response, resident)
                checked += 1
                if auth_key_missing(client):  # the portal's sign-out did its job
                    sign_in_resident(client, resident)
                if endpoint.name == "portal_api:sign_out":  # so did the API's: the token is revoked
                    token = resident_token(resident)
    assert checked > 100, "the resolver found suspiciously few endpoints"
    assert not problems, f"resident: {len(problems)} of {checked} answers against the rules:\n" + "\n".join(
        sorted(set(problems))
    )


def auth_key_missing(client: Client) -> bool:
    """Return whether the client's session no longer holds the resident."""
    from shouwen.portal.auth import SESSION_KEY

    return SESSION_KEY not in client.session
