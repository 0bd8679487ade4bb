"""Every rule of the opinion survey: questionnaires, rounds, answering once, results, comments into cases.

Results come from aggregate SQL (``values(...).annotate(Count(filter=...))``): satisfaction of a
service is (很满意 + 满意) ÷ households that rated it, the definition the reports use for return visits
(:data:`shouwen.reports.services.DEFINITIONS`); the response rate is households that answered ÷
households asked (the units occupied when the round opened).

A household answers once. A second form from the same household (another link click, the portal,
or a paper form for a household that already answered) is refused with the time of the first one:
nothing counted twice, and nothing a resident wrote is overwritten.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwen.access.permissions import can
from shouwen.access.roles import Cap
from shouwen.access.scope import visible_estate_ids
from shouwen.cases.models import Case, Category, Channel
from shouwen.core.services import for_update
from shouwen.core.textlimits import LONG_TEXT_MAX, check_lengths
from shouwen.directory.models import Estate, Resident, Staff, Unit
from shouwen.reports.services import percent
from shouwen.surveys.models import (
    PLEASED,
    Answer,
    Household,
    Question,
    QuestionKind,
    Questionnaire,
    Rating,
    ResponseChannel,
    ServiceKind,
    SmsStatus,
    SurveyResponse,
    SurveyRound,
)

logger = logging.getLogger("shouwen.surveys")

LINK_SALT = "shouwen.surveys.link"
# Comments that ask for action become a case of one of these categories.
CASE_CATEGORIES = (
    Category.SUGGESTION,
    Category.COMPLAINT,
    Category.HOUSEHOLD_REPAIR,
    Category.PUBLIC_REPAIR,
    Category.OTHER_SERVICE,
    Category.PRAISE,
)
# A paper form is a written message from the household (来函); a form filled in online is web/phone.
CASE_CHANNELS: dict[str, str] = {
    ResponseChannel.PAPER: Channel.LETTER,
    ResponseChannel.SMS_LINK: Channel.WEB,
    ResponseChannel.PORTAL: Channel.WEB,
}
SMS_TEXT_MAX = 300


class AlreadyAnswered(ValidationError):
    """The household has already answered this round."""


class LinkInvalid(Exception):
    """The signed link was altered or names no household."""


class LinkExpired(Exception):
    """The round the link belongs to has closed."""


def _require(staff: Staff, cap: str, estate_id: int | None = None) -> None:
    if (
        not staff.is_active
        or not can(staff.user, cap)
        or (estate_id is not None and estate_id not in visible_estate_ids(staff.user))
    ):
        raise PermissionDenied(_("您无权办理该小区的意见征询。"))


# ── Questionnaires ────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class QuestionInput:
    kind: str
    text: str
    service: str = ""


def save_questionnaire(
    staff: Staff,
    *,
    title: str,
    questions: Sequence[QuestionInput],
    intro: str = "",
    questionnaire: Questionnaire | None = None,
) -> Questionnaire:
    """Create a questionnaire, or change one: a version a round has used is kept and a new version made."""
    _require(staff, Cap.SURVEY_MANAGE)
    title, intro = (title or "").strip(), (intro or "").strip()
    check_lengths({"intro": (intro, LONG_TEXT_MAX)})
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("请填写问卷标题。")
    cleaned = [QuestionInput(q.kind, (q.text or "").strip(), q.service or "") for q in questions]
    cleaned = [q for q in cleaned if q.text]
    if not any(q.kind == QuestionKind.RATING for q in cleaned):
        errors["questions"] = _("问卷至少要有一道服务满意度评价题。")
    for q in cleaned:
        if q.kind not in QuestionKind.values:
            errors["questions"] = _("题目类型不正确。")
        elif q.kind == QuestionKind.RATING and q.service not in ServiceKind.values:
            errors["questions"] = _("评价题须选择所评价的服务。")
        elif len(q.text) > 200:
            errors["questions"] = _("每道题不超过 200 字。")
    services_rated = [q.service for q in cleaned if q.kind == QuestionKind.RATING]
    if len(services_rated) != len(set(services_rated)):
        errors["questions"] = _("每项服务只评价一次。")
    if questionnaire is not None and questionnaire.company_id != staff.company_id:
        raise PermissionDenied(_("您无权修改该问卷。"))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if questionnaire is not None and not questionnaire.frozen:
            target = for_update(Questionnaire).get(pk=questionnaire.pk)
            target.title, target.intro = title, intro
            target.save(update_fields=["title", "intro"])
            target.questions.all().delete()  # never answered: no round has used this version
        else:
            target = Questionnaire.objects.create(
                company_id=staff.company_id,
                title=title,
                intro=intro,
                version=(questionnaire.version + 1) if questionnaire is not None else 1,
                previous=questionnaire,
                created_by=staff,
            )
        Question.objects.bulk_create(
            Question(
                questionnaire=target,
                position=n,
                kind=q.kind,
                service=q.service if q.kind == QuestionKind.RATING else "",
                text=q.text,
            )
            for n, q in enumerate(cleaned, start=1)
        )
    return target


def latest_questionnaires(company_id: int | None) -> QuerySet[Questionnaire]:
    """Return the newest version of each of the company's questionnaires."""
    if company_id is None:
        return Questionnaire.objects.none()
    return Questionnaire.objects.filter(company_id=company_id, next_version__isnull=True)


# ── Rounds ────────────────────────────────────────────────────────────────────────────────────


def start_rounds(
    staff: Staff,
    *,
    questionnaire: Questionnaire,
    estates: Iterable[Estate],
    title: str,
    opens_on: date,
    closes_on: date,
    send_sms: bool = True,
) -> list[SurveyRound]:
    """Open a round per estate; its households are the units occupied on the opening day."""
    from shouwen.homevisits.services import household_of, occupied_units

    _require(staff, Cap.SURVEY_MANAGE)
    estates = list(estates)
    title = (title or "").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("请填写本轮征询的名称。")
    if not estates:
        errors["estates"] = _("请选择小区。")
    if closes_on < opens_on:
        errors["closes_on"] = _("截止日期不能早于开始日期。")
    elif closes_on < timezone.localdate():
        errors["closes_on"] = _("截止日期不能早于今天。")
    if questionnaire.company_id != staff.company_id:
        errors["questionnaire"] = _("请选择本公司的问卷。")
    elif not questionnaire.questions.exists():
        errors["questionnaire"] = _("问卷没有题目。")
    if errors:
        raise ValidationError(errors)
    for estate in estates:
        _require(staff, Cap.SURVEY_MANAGE, estate.pk)
    rounds = []
    with transaction.atomic():
        for estate in estates:
            survey = SurveyRound.objects.create(
                questionnaire=questionnaire,
                estate=estate,
                title=title,
                opens_on=opens_on,
                closes_on=closes_on,
                send_sms=send_sms,
                created_by=staff,
            )
            rows = []
            units = occupied_units(opens_on).filter(building__estate=estate).select_related("building")
            for unit in units:
                resident = household_of(unit, opens_on)
                phone = mobile_of(resident)
                rows.append(
                    Household(
                        round=survey,
                        unit=unit,
                        resident=resident,
                        sms_status=SmsStatus.PENDING if send_sms and phone else SmsStatus.NONE,
                    )
                )
            Household.objects.bulk_create(rows)
            rounds.append(survey)
    return rounds


def mobile_of(resident: Resident | None) -> str:
    """Return the resident's first mobile number (text messages go to mobiles only)."""
    if resident is None:
        return ""
    for phone in resident.phones.all():
        if phone.number.startswith("1") and len(phone.number) == 11:
            return phone.number
    return ""


# ── The signed link ──────────────────────────────────────────────────────────────────────────


def link_token(household: Household) -> str:
    """Return the signed token of the household's link (no sign-in needed; valid until the round closes)."""
    return signing.dumps({"h": household.pk, "r": household.round_id}, salt=LINK_SALT, compress=True)


def link_url(household: Household) -> str:
    path = reverse("survey_public:answer", args=[link_token(household)])
    return f"{settings.SHOUWEN_SITE_URL}{path}"


def household_from_token(token: str, day: date | None = None) -> Household:
    """Return the household the link names; LinkInvalid if forged, LinkExpired once the round closed."""
    try:
        data = signing.loads(token, salt=LINK_SALT)
    except signing.BadSignature:
        raise LinkInvalid from None
    household_id = data.get("h") if isinstance(data, dict) else None
    round_id = data.get("r") if isinstance(data, dict) else None
    if not isinstance(household_id, int) or not isinstance(round_id, int):
        raise LinkInvalid
    household = (
        Household.objects.select_related(
            "round__questionnaire", "round__estate", "unit__building", "resident"
        )
        .filter(pk=household_id, round_id=round_id)
        .first()
    )
    if household is None:
        raise LinkInvalid
    if (day or timezone.localdate()) > household.round.closes_on:
        raise LinkExpired
    return household


# ── Answering ────────────────────────────────────────────────────────────────────────────────


def _clean_answers(survey: SurveyRound, answers: Mapping[int, str]) -> list[tuple[Question, str, str]]:
    """Return (question, rating, text) for each answered question; refuse unknown values."""
    errors: dict[str, str] = {}
    rows = []
    for question in survey.questionnaire.questions.all():
        value = (answers.get(question.pk) or "").strip()
        if not value:
            continue
        if question.kind == QuestionKind.RATING:
            if value not in Rating.values:
                errors[f"q{question.pk}"] = _("请选择评价。")
                continue
            rows.append((question, value, ""))
        else:
            if len(value) > LONG_TEXT_MAX:
                errors[f"q{question.pk}"] = _("意见不超过 %(n)s 字。") % {"n": LONG_TEXT_MAX}
                continue
            rows.append((question, "", value))
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError({"__all__": _("请至少回答一道题。")})
    return rows


def submit_response(
    household: Household,
    answers: Mapping[int, str],
    *,
    channel: str,
    staff: Staff | None = None,
    resident: Resident | None = None,
    day: date | None = None,
) -> SurveyResponse:
    """Record the household's form (once). ``answers`` maps question id to a rating code or a comment.

    Residents answer while the round is open; staff enter paper forms from the opening day on,
    after the closing day too (forms handed in by the deadline are typed in later).
    """
    survey = household.round
    today = day or timezone.localdate()
    if channel == ResponseChannel.PAPER:
        if staff is None:
            raise PermissionDenied(_("纸质表须由员工录入。"))
        _require(staff, Cap.SURVEY_ENTER, survey.estate_id)
        if today < survey.opens_on:
            raise ValidationError({"__all__": _("本轮征询尚未开始。")})
    elif channel in (ResponseChannel.SMS_LINK, ResponseChannel.PORTAL):
        if not survey.is_open(today):
            raise ValidationError({"__all__": _("本轮征询不在填写期内。")})
    else:
        raise ValidationError({"channel": _("填写方式不正确。")})
    rows = _clean_answers(survey, answers)
    now = timezone.now()
    try:
        with transaction.atomic():
            locked = for_update(Household).get(pk=household.pk)
            earlier = SurveyResponse.objects.filter(household=locked).first()
            if earlier is not None:
                raise _already(earlier)
            response = SurveyResponse.objects.create(
                round=survey,
                household=locked,
                channel=channel,
                resident=resident or household.resident,
                submitted_at=now,
                entered_by=staff if channel == ResponseChannel.PAPER else None,
                entered_at=now if channel == ResponseChannel.PAPER else None,
            )
            Answer.objects.bulk_create(
                Answer(response=response, question=q, rating=rating, text=text) for q, rating, text in rows
            )
    except IntegrityError:  # a second form of the same household in the same instant
        earlier = SurveyResponse.objects.filter(household=household).first()
        if earlier is None:
            raise
        raise _already(earlier) from None
    return response


def _already(earlier: SurveyResponse) -> AlreadyAnswered:
    when = timezone.localtime(earlier.submitted_at).strftime("%Y-%m-%d %H:%M")
    return AlreadyAnswered(
        {
            "__all__": _("该住户已于 %(when)s 填写过本轮征询（%(channel)s），每户只计一份。")
            % {"when": when, "channel": earlier.get_channel_display()}
        }
    )


def household_for_unit(survey: SurveyRound, unit: Unit | None) -> Household:
    """Return the round's household of the unit; refuse a unit not occupied when the round opened."""
    household = Household.objects.filter(round=survey, unit=unit).select_related("round", "resident").first()
    if unit is None or household is None:
        raise ValidationError({"unit": _("该房屋不在本轮征询的住户中（开始时无人居住或不属于该小区）。")})
    return household


def open_rounds_for(resident: Resident, day: date | None = None) -> QuerySet[Household]:
    """Return the resident's households in rounds open today (for the portal), answered or not."""
    from shouwen.directory.models import Occupancy

    day = day or timezone.localdate()
    units = Occupancy.objects.filter(resident=resident).filter(Occupancy.current_q(day)).values("unit_id")
    return (
        Household.objects.filter(
            unit_id__in=units,
            round__opens_on__lte=day,
            round__closes_on__gte=day,
        )
        .distinct()
        .select_related("round__estate", "unit__building", "response")
    )


# ── Results ──────────────────────────────────────────────────────────────────────────────────


@dataclass
class QuestionResult:
    question: Question
    counts: dict[str, int]
    answered: int

    @property
    def pleased(self) -> int:
        return sum(self.counts.get(r, 0) for r in PLEASED)

    @property
    def satisfaction(self) -> Decimal | None:
        return percent(self.pleased, self.answered)

    def as_dict(self) -> dict[str, object]:
        return {
            "question": self.question.pk,
            "position": self.question.position,
            "text": self.question.text,
            "service": self.question.service,
            "counts": {r: self.counts.get(r, 0) for r in Rating.values},
            "answered": self.answered,
            "satisfied": self.pleased,
            "satisfaction": self.satisfaction,
        }


@dataclass
class RoundResult:
    round: SurveyRound
    households: int
    responded: int
    by_channel: dict[str, int]
    questions: list[QuestionResult] = field(default_factory=list)
    comments: int = 0

    @property
    def response_rate(self) -> Decimal | None:
        return percent(self.responded, self.households)


def round_results(survey: SurveyRound) -> RoundResult:
    """Return the round's response rate and each rating question's distribution (three aggregate queries)."""
    households = Household.objects.filter(round=survey).count()
    by_channel = dict(
        SurveyResponse.objects.filter(round=survey)
        .order_by()
        .values("channel")
        .annotate(n=Count("id"))
        .values_list("channel", "n")
    )
    counts = {
        row["question_id"]: row
        for row in Answer.objects.filter(response__round=survey)
        .order_by()
        .values("question_id")
        .annotate(
            answered=Count("id", filter=~Q(rating="")),
            commented=Count("id", filter=~Q(text="")),
            **{r: Count("id", filter=Q(rating=r)) for r in Rating.values},
        )
    }
    result = RoundResult(survey, households, sum(by_channel.values()), by_channel)
    for question in survey.questionnaire.questions.all():
        row = counts.get(question.pk, {})
        if question.kind == QuestionKind.RATING:
            result.questions.append(
                QuestionResult(question, {r: row.get(r, 0) for r in Rating.values}, row.get("answered", 0))
            )
        else:
            result.comments += row.get("commented", 0)
    return result


@dataclass
class ServiceFigure:
    estate_id: int
    service: str
    answered: int
    satisfied: int

    @property
    def satisfaction(self) -> Decimal | None:
        return percent(self.satisfied, self.answered)


def service_satisfaction(
    estate_ids: Sequence[int], start: datetime, end: datetime
) -> dict[tuple[int, str], ServiceFigure]:
    """Return per estate and service the survey ratings of forms submitted in [start, end) (one query)."""
    rows = (
        Answer.objects.filter(
            response__round__estate_id__in=estate_ids,
            response__submitted_at__gte=start,
            response__submitted_at__lt=end,
            question__kind=QuestionKind.RATING,
        )
        .exclude(rating="")
        .order_by()
        .values("response__round__estate_id", "question__service")
        .annotate(answered=Count("id"), satisfied=Count("id", filter=Q(rating__in=PLEASED)))
    )
    return {
        (r["response__round__estate_id"], r["question__service"]): ServiceFigure(
            r["response__round__estate_id"], r["question__service"], r["answered"], r["satisfied"]
        )
        for r in rows
    }


def satisfaction_by_round(survey_ids: Sequence[int]) -> dict[int, dict[str, ServiceFigure]]:
    """Return each round's satisfaction per service (one aggregate query over the rounds' ratings)."""
    rows = (
        Answer.objects.filter(response__round_id__in=survey_ids, question__kind=QuestionKind.RATING)
        .exclude(rating="")
        .order_by()
        .values("response__round_id", "response__round__estate_id", "question__service")
        .annotate(answered=Count("id"), satisfied=Count("id", filter=Q(rating__in=PLEASED)))
    )
    result: dict[int, dict[str, ServiceFigure]] = {}
    for r in rows:
        result.setdefault(r["response__round_id"], {})[r["question__service"]] = ServiceFigure(
            r["response__round__estate_id"], r["question__service"], r["answered"], r["satisfied"]
        )
    return result


def comments(survey_ids: Sequence[int]) -> QuerySet[Answer]:
    """Return the written comments of the rounds, newest first, with the case each became."""
    return (
        Answer.objects.filter(response__round_id__in=survey_ids, question__kind=QuestionKind.COMMENT)
        .exclude(text="")
        .select_related("question", "response__household__unit__building", "response__round", "case")
        .order_by("-response__submitted_at", "-pk")
    )


# ── Comments into cases ──────────────────────────────────────────────────────────────────────


def comment_to_case(staff: Staff, answer: Answer, category: str) -> Case:
    """Register the comment through the intake as a case of the household's unit and resident (once)."""
    from shouwen.cases.intake import prepare_contact, save_contact

    response = answer.response
    survey = response.round
    _require(staff, Cap.SURVEY_ENTER, survey.estate_id)
    if category not in CASE_CATEGORIES:
        raise ValidationError({"category": _("请选择事项类别。")})
    if answer.question.kind != QuestionKind.COMMENT or not answer.text:
        raise ValidationError({"category": _("只有住户写下的意见才能登记为事项。")})
    if answer.case is not None:
        raise ValidationError({"category": _("该意见已登记为事项 %(n)s。") % {"n": answer.case.number}})
    now = timezone.now()
    earliest = now - timedelta(days=settings.SHOUWEN_CONTACT_BACKDATE_DAYS) + timedelta(minutes=5)
    draft = prepare_contact(
        staff,
        estate=survey.estate,
        channel=CASE_CHANNELS.get(response.channel, str(Channel.LETTER)),
        category=category,
        content=_("业主意见征询（%(title)s）：%(text)s") % {"title": survey.title, "text": answer.text},
        resident=response.resident,
        unit=response.household.unit,
        received_at=response.submitted_at if response.submitted_at >= earliest else None,
    )
    with transaction.atomic():
        locked = for_update(Answer).get(pk=answer.pk)
        if locked.case_id is not None:
            raise ValidationError({"category": _("该意见已登记为事项。")})
        contact = save_contact(draft)
        assert contact.case is not None
        locked.case = contact.case
        locked.case_by = staff
        locked.save(update_fields=["case", "case_by"])
    answer.case = contact.case
    answer.case_by = staff
    return contact.case


# ── Text messages ───────────────────────────────────────────────────────────────────────────


def invitation_text(household: Household) -> str:
    survey = household.round
    return _(
        "【%(estate)s】业主意见征询：请于 %(date)s 前填写《%(title)s》，点击 %(url)s 即可填写，无需登录。"
    ) % {
        "estate": survey.estate.name,
        "date": survey.closes_on.strftime("%m-%d"),
        "title": survey.title,
        "url": link_url(household),
    }


def send_invitations(now: datetime | None = None, limit: int | None = None) -> dict[str, int]:
    """Send the pending links of open rounds, at most ``limit`` per run, never in quiet hours.

    Each message is claimed with a conditional UPDATE before it is sent, so two workers never send
    the same one; the worker runs this every minute, which spreads a large round over time.
    """
    from shouwen.core.sms import send_sms
    from shouwen.notifications.services import quiet_hours_end

    now = now or timezone.now()
    limit = limit if limit is not None else settings.SHOUWEN_SURVEY_SMS_PER_RUN
    counts = {"sent": 0, "failed": 0, "held": 0}
    day = timezone.localdate(now)
    due = Household.objects.filter(
        sms_status=SmsStatus.PENDING, round__opens_on__lte=day, round__closes_on__gte=day
    )
    if quiet_hours_end(now) is not None:
        counts["held"] = due.count()
        return counts
    for pk in list(due.order_by("pk").values_list("pk", flat=True)[:limit]):
        if not Household.objects.filter(pk=pk, sms_status=SmsStatus.PENDING).update(
            sms_status=SmsStatus.SENDING
        ):
            continue  # another worker took it
        household = Household.objects.select_related("round__estate", "resident").get(pk=pk)
        phone = mobile_of(household.resident)
        result = send_sms(phone, invitation_text(household)[:SMS_TEXT_MAX])
        if result.ok:
            Household.objects.filter(pk=pk).update(sms_status=SmsStatus.SENT, sms_sent_at=timezone.now())
            counts["sent"] += 1
        else:
            Household.objects.filter(pk=pk).update(sms_status=SmsStatus.FAILED, sms_error=result.error[:200])
            counts["failed"] += 1
            logger.warning("survey link to household %s not sent: %s", pk, result.error)
    return counts
