"""Sentences the system stores (timeline entries, notifications) are shown in each reader's language."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_noop, override

from shouwen.cases import services as case_services
from shouwen.cases.models import CaseEvent
from shouwen.core.i18n import label_text, shown, stored
from shouwen.notifications.models import Notification
from shouwen.workorders import services as wo_services
from shouwen.workorders.models import Trade


def test_a_stored_sentence_is_the_site_language_and_renders_again_in_english():
    text = stored(
        gettext_noop("%(who)s 催办 %(number)s：%(summary)s"), who="李强", number="LJY-1", summary="漏水"
    )
    assert text == "李强 催办 LJY-1：漏水"
    with override("en"):
        assert shown(text, text.payload) == "李强 is chasing LJY-1: 漏水"
    plain = "住户说的话"
    assert shown(plain, None) == plain


def test_labels_and_nested_sentences_are_translated_names_are_not():
    trade = label_text(Trade.PLUMBING.label)
    outer = stored(gettext_noop("%(title)s（%(names)s）"), title=trade, names="刘师傅")
    assert outer == "水电-给排水（刘师傅）"
    with override("en"):
        assert shown(outer, outer.payload) == "Plumbing (刘师傅)"


def test_a_payload_that_no_longer_fits_its_message_falls_back_to_the_stored_text():
    assert shown("旧的文字", {"id": "%(who)s 催办 %(number)s：%(summary)s", "params": {"x": 1}}) == "旧的文字"


def test_a_handover_and_a_chase_reach_an_english_reader_in_english(world, client_for, api_for):
    case = world.register()
    case_services.hand_over(world.clerk, case, to_staff=world.supervisor, note="请处理")
    case_services.chase(world.supervisor, case)
    note = Notification.objects.get(recipient=world.supervisor, case=case)
    assert note.title.startswith(world.clerk.name + " 转办 ")  # stored in the site's language
    chased = CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.CHASED)
    assert chased.text == "请尽快办理并答复住户。"

    client = client_for(world.supervisor)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(reverse("notifications:list")).content.decode()
    assert f"{world.clerk.name} handed {case.number} over to you" in page
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "Please deal with it and answer the resident as soon as possible." in page

    api = api_for(world.supervisor)
    body = api.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="en").json()
    titles = [row["title"] for row in body["results"]]
    assert any(t.startswith(f"{world.clerk.name} handed {case.number} over to you") for t in titles), titles
    body = api.get(f"/api/v1/cases/{case.number}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert "请尽快办理并答复住户。" in [e["text"] for e in body["events"]]


def test_work_order_entries_name_the_step_in_the_readers_language(world):
    case = world.register(category="household_repair", content="厨房水龙头漏水")
    wo_services.create_work_order(world.clerk, case, trade="plumbing", technicians=[world.technician])
    entry = CaseEvent.objects.filter(case=case, kind=CaseEvent.Kind.WORK_ORDER).latest("pk")
    assert "水电-给排水" in entry.text
    with override("en"):
        assert "Plumbing" in entry.shown_text and world.technician.name in entry.shown_text
