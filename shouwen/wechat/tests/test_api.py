"""The WeChat API: account configuration for administrators without secrets, followers masked and scoped."""

from __future__ import annotations

import pytest

from shouwen.wechat.models import Follower, WechatAccount
from shouwen.wechat.tests.helpers import APP_ID, OPENID, TOKEN, make_account

pytestmark = pytest.mark.django_db
BASE = "/api/v1/wechat/"


@pytest.fixture
def accounts(world):
    ljy = make_account(world, app_secret="0123456789abcdef0123456789abcdef")
    chy = WechatAccount.objects.create(
        estate=world.other_estate, name="翠湖苑物业", app_id="wxfedcba9876543210", token="ChyToken1"
    )
    Follower.objects.create(account=ljy, openid=OPENID, resident=world.residents["owner"])
    Follower.objects.create(account=ljy, openid="oT7Zs5unbound00000000000000")
    Follower.objects.create(account=chy, openid="oChyFollower0000000000000001")
    return ljy, chy


def test_the_administrator_reads_the_configuration_but_never_the_secrets(world, accounts, api_for):
    answer = api_for(world.staff["admin"]).get(BASE + "accounts/")
    assert answer.status_code == 200
    rows = {row["app_id"]: row for row in answer.json()["results"]}
    assert set(rows) == {APP_ID, "wxfedcba9876543210"}
    row = rows[APP_ID]
    assert row["token_set"] is True and row["app_secret_set"] is True
    assert row["server_path"] == f"/wechat/in/{APP_ID}/"
    assert TOKEN not in answer.content.decode() and "0123456789abcdef0123" not in answer.content.decode()
    assert api_for(world.staff["admin"]).post(BASE + "accounts/", {}, format="json").status_code == 405


def test_only_administrators_read_the_configuration(world, accounts, api_for):
    for who in ("front_desk", "cs_supervisor", "office_director", "technician"):
        assert api_for(world.staff[who]).get(BASE + "accounts/").status_code == 403


def test_followers_are_listed_masked_and_only_for_the_estates_served(world, accounts, api_for):
    answer = api_for(world.supervisor).get(BASE + "followers/")
    assert answer.status_code == 200
    rows = answer.json()["results"]
    assert len(rows) == 2  # the supervisor serves 丽景园 only
    assert OPENID not in answer.content.decode()
    bound = next(r for r in rows if r["resident"] is not None)
    assert bound["openid"] == OPENID[:4] + "*" * (len(OPENID) - 8) + OPENID[-4:]
    assert bound["resident_name"] == "张伟"
    only_bound = api_for(world.supervisor).get(BASE + "followers/", {"bound": "true"}).json()["results"]
    assert [r["id"] for r in only_bound] == [bound["id"]]
    assert api_for(world.supervisor).get(BASE + "followers/", {"bound": "maybe"}).status_code == 400
    other = Follower.objects.get(account=accounts[1])
    assert api_for(world.supervisor).get(BASE + f"followers/{other.pk}/").status_code == 404
    assert api_for(world.clerk).get(BASE + "followers/").status_code == 403
    assert len(api_for(world.staff["admin"]).get(BASE + "followers/").json()["results"]) == 3
