"""GET /api/v1/notifications/ and POST /api/v1/notifications/{id}/read/: always the signed-in staff member's own."""

from __future__ import annotations

from rest_framework.test import APIClient

from shouwen.notifications.services import notify


def test_the_list_holds_only_my_notifications(world, api_for):
    mine = notify(world.clerk, title="我的通知", email=False, kind="overdue", urgent=True)
    notify(world.technician, title="别人的通知", email=False)
    response = api_for(world.clerk).get("/api/v1/notifications/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == [mine.pk]
    assert rows[0]["title"] == "我的通知"
    assert (rows[0]["kind"], rows[0]["urgent"], rows[0]["is_read"]) == ("overdue", True, False)


def test_unread_filter(world, api_for):
    a = notify(world.clerk, title="甲", email=False)
    b = notify(world.clerk, title="乙", email=False)
    api = api_for(world.clerk)
    assert api.post(f"/api/v1/notifications/{a.pk}/read/").status_code == 200
    assert [r["id"] for r in api.get("/api/v1/notifications/?unread=true").json()["results"]] == [b.pk]
    assert [r["id"] for r in api.get("/api/v1/notifications/?unread=false").json()["results"]] == [a.pk]
    assert api.get("/api/v1/notifications/?unread=maybe").status_code == 400


def test_marking_read(world, api_for):
    n = notify(world.clerk, title="通知", email=False)
    response = api_for(world.clerk).post(f"/api/v1/notifications/{n.pk}/read/")
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    n.refresh_from_db()
    assert n.read_at is not None


def test_someone_elses_notification_is_404(world, api_for):
    n = notify(world.technician, title="别人的", email=False)
    assert api_for(world.clerk).post(f"/api/v1/notifications/{n.pk}/read/").status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_read_all(world, api_for):
    for i in range(2):
        notify(world.clerk, title=f"通知 {i}", email=False)
    other = notify(world.technician, title="别人的", email=False)
    response = api_for(world.clerk).post("/api/v1/notifications/read-all/")
    assert response.json() == {"marked": 2}
    other.refresh_from_db()
    assert other.read_at is None


def test_anonymous_is_401(db):
    assert APIClient().get("/api/v1/notifications/").status_code == 401
