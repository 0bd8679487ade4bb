"""The signed text-message link (right, expired, forged), the links' sending, paper entry, comments into cases."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from shouwen.cases.models import Channel
from shouwen.core.sms import LogSmsBackend
from shouwen.surveys import services
from shouwen.surveys.models import Answer, Household, ResponseChannel, SmsStatus, SurveyResponse
from shouwen.surveys.tests.conftest import answers


def _link(household):
    return reverse("survey_public:answer", args=[services.link_token(household)])


def test_the_signed_link_opens_the_form_without_signing_in_and_counts_once(client, sw):
    household = sw.household("5-1-0101")
    url = _link(household)
    page = client.get(url)
    assert page.status_code == 200
    assert "业主意见征询表" in page.content.decode() and "5栋1单元0101" in page.content.decode()
    data = {f"q{sw.question('service')}": "satisfied", f"q{sw.question('comment')}": "电梯太慢"}
    done = client.post(url, data)
    assert done.status_code == 200 and 'id="thanks"' in done.content.decode()
    again = client.post(url, {f"q{sw.question('service')}": "very_unsatisfied"})
    assert 'id="already"' in again.content.decode()
    response = SurveyResponse.objects.get(household=household)
    assert response.channel == ResponseChannel.SMS_LINK
    assert response.answers.get(question_id=sw.question("service")).rating == "satisfied"
    assert SurveyResponse.objects.filter(round=sw.round).count() == 1


def test_a_forged_or_altered_link_is_refused(client, sw):
    token = services.link_token(sw.household("5-1-0101"))
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for bad in (forged, "NOPE-0", token.split(":")[0] + ":x:y"):
        page = client.get(reverse("survey_public:answer", args=[bad]))
        assert page.status_code == 404 and 'id="link-invalid"' in page.content.decode()
        assert client.post(reverse("survey_public:answer", args=[bad]), {}).status_code == 404
    with pytest.raises(services.LinkInvalid):
        services.household_from_token(forged)
    assert not SurveyResponse.objects.exists()


def test_a_link_expires_when_the_round_closes(client, sw):
    household = sw.household("5-1-0101")
    token = services.link_token(household)
    with pytest.raises(services.LinkExpired):
        services.household_from_token(token, day=sw.round.closes_on + timedelta(days=1))
    assert services.household_from_token(token, day=sw.round.closes_on) == household
    sw.round.__class__.objects.filter(pk=sw.round.pk).update(
        opens_on=timezone.localdate() - timedelta(days=40), closes_on=timezone.localdate() - timedelta(days=1)
    )
    page = client.post(_link(household), {f"q{sw.question('service')}": "satisfied"})
    assert page.status_code == 410 and 'id="link-expired"' in page.content.decode()
    assert not SurveyResponse.objects.exists()


def _at(hour):
    return timezone.make_aware(datetime.combine(timezone.localdate(), time(hour, 0)))


def test_the_worker_sends_each_mobile_household_its_link_in_batches_outside_quiet_hours(settings, sw):
    settings.SHOUWEN_QUIET_HOURS = "22:00-07:00"
    settings.SHOUWEN_SITE_URL = "https://kefu.example.com"
    pending = Household.objects.filter(round=sw.round, sms_status=SmsStatus.PENDING)
    # Mobiles: 3-2-1502 (张伟), 3-1-0801 (李娜), 5-1-0101, 5-1-0103; no phone at 0102, a landline at 0104.
    assert pending.count() == 4
    assert Household.objects.get(round=sw.round, unit=sw.units["5-1-0104"]).sms_status == SmsStatus.NONE
    LogSmsBackend.sent.clear()
    assert services.send_invitations(now=_at(23))["held"] == 5  # four here and one in 翠湖苑
    assert LogSmsBackend.sent == []
    first = services.send_invitations(now=_at(10), limit=3)
    assert first["sent"] == 3
    second = services.send_invitations(now=_at(10), limit=3)
    assert second["sent"] == 2 and services.send_invitations(now=_at(10))["sent"] == 0
    assert len(LogSmsBackend.sent) == 5
    phone, text = next(m for m in LogSmsBackend.sent if m[0] == "13600000001")
    url = text.split("点击 ")[1].split(" ")[0]
    assert url.startswith("https://kefu.example.com/s/")
    assert (
        services.household_from_token(url.removeprefix("https://kefu.example.com/s/").rstrip("/")).unit
        == sw.units["5-1-0101"]
    )
    assert not Household.objects.filter(sms_status=SmsStatus.PENDING).exists()


def test_the_survey_task_runs_the_sending(settings, sw):
    from shouwen.surveys.tasks import send_survey_links_task

    settings.SHOUWEN_QUIET_HOURS = ""
    result = send_survey_links_task.call()
    assert result["sent"] == 5


def test_staff_enter_a_paper_form_by_unit_on_the_page(client, world, sw):
    client.force_login(world.staff["finance_clerk"].user)
    url = reverse("surveys:paper", args=[sw.round.pk])
    assert client.get(url).status_code == 200
    data = {"unit_text": "5-1-0102", f"q{sw.question('engineering')}": "satisfied"}
    assert client.post(url, data).status_code == 302
    response = SurveyResponse.objects.get(household=sw.household("5-1-0102"))
    assert response.channel == ResponseChannel.PAPER and response.entered_by == world.staff["finance_clerk"]
    twice = client.post(url, data)
    assert twice.status_code == 200 and "每户只计一份" in twice.content.decode()
    empty_flat = client.post(url, {**data, "unit_text": "5-1-0105"})
    assert "不在本轮征询的住户中" in empty_flat.content.decode()
    assert SurveyResponse.objects.count() == 1


def test_a_comment_becomes_a_case_once_with_the_households_unit_and_resident(client, world, sw):
    services.submit_response(
        sw.household("3-2-1502"),
        answers(sw, service="fair", comment="3栋楼道灯坏了，请尽快修"),
        channel=ResponseChannel.SMS_LINK,
    )
    comment = Answer.objects.get(question_id=sw.question("comment"))
    client.force_login(world.staff["front_desk"].user)
    listing = client.get(reverse("surveys:comments", args=[sw.round.pk]))
    assert "3栋楼道灯坏了" in listing.content.decode()
    url = reverse("surveys:comment_case", args=[comment.pk])
    assert client.post(url, {"category": "public_repair"}).status_code == 302
    comment.refresh_from_db()
    case = comment.case
    assert case is not None and case.category == "public_repair"
    contact = case.contacts.get()
    assert contact.channel == Channel.WEB and contact.unit == world.units["3-2-1502"]
    assert contact.resident == world.residents["owner"] and "3栋楼道灯坏了" in contact.content
    assert comment.case_by == world.staff["front_desk"]
    client.post(url, {"category": "public_repair"})
    with pytest.raises(ValidationError):
        services.comment_to_case(world.staff["front_desk"], comment, "public_repair")
    from shouwen.cases.models import Case

    assert Case.objects.filter(contacts__content__contains="3栋楼道灯坏了").count() == 1
    assert case.number in client.get(reverse("surveys:comments", args=[sw.round.pk])).content.decode()


def test_a_paper_comment_becomes_a_letter_and_a_rating_cannot_become_a_case(world, sw):
    services.submit_response(
        sw.household("3-1-0801"),
        answers(sw, service="unsatisfied", comment="保安夜里不巡逻"),
        channel=ResponseChannel.PAPER,
        staff=world.staff["front_desk"],
    )
    comment = Answer.objects.get(question_id=sw.question("comment"))
    case = services.comment_to_case(world.staff["cs_assistant"], comment, "complaint")
    assert case.contacts.get().channel == Channel.LETTER
    rating = Answer.objects.get(question_id=sw.question("service"))
    with pytest.raises(ValidationError):
        services.comment_to_case(world.staff["cs_assistant"], rating, "complaint")


def test_staff_of_another_estate_cannot_enter_forms_or_open_cases(world, sw):
    from django.core.exceptions import PermissionDenied

    other = world.staff["other_technician"]
    with pytest.raises(PermissionDenied):
        services.submit_response(
            sw.household("5-1-0103"), answers(sw, service="fair"), channel=ResponseChannel.PAPER, staff=other
        )


def test_supervisors_define_the_questionnaire_and_start_rounds_on_the_pages(client, world, sw):
    client.force_login(world.staff["cs_supervisor"].user)
    data = {
        "title": "年度征询",
        "intro": "",
        "rate_service": "客服满意吗？",
        "rate_engineering": "",
        "rate_security": "",
        "rate_environment": "",
        "rate_greening": "绿化满意吗？",
        "comment_0": "还有什么建议？",
        "comment_1": "",
        "comment_2": "",
    }
    assert client.post(reverse("surveys:questionnaire_new"), data).status_code == 302
    from shouwen.surveys.models import Questionnaire

    q = Questionnaire.objects.get(title="年度征询")
    assert [x.service for x in q.questions.all()] == ["service", "greening", ""]
    today = timezone.localdate()
    start = client.post(
        reverse("surveys:round_new"),
        {
            "questionnaire": q.pk,
            "estates": [world.estate.pk],
            "title": "第二轮",
            "opens_on": today,
            "closes_on": today + timedelta(days=7),
        },
    )
    assert start.status_code == 302
    assert world.estate.survey_rounds.get(title="第二轮").households.count() == 6
    listing = client.get(reverse("surveys:list")).content.decode()
    assert "第二轮" in listing
    # A round whose closing day is already past is refused with a message.
    bad = client.post(
        reverse("surveys:round_new"),
        {
            "questionnaire": q.pk,
            "estates": [world.estate.pk],
            "title": "过期",
            "opens_on": today - timedelta(days=9),
            "closes_on": today - timedelta(days=2),
        },
    )
    assert bad.status_code == 200 and "截止日期不能早于今天" in bad.content.decode()
