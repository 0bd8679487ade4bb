"""Every rule of the daily routine: the morning review (每日翻阅) and the patrol daily report (巡视日报表).

000 篇2 九 1: each morning the service centre reviews the previous day's repairs and complaints,
chases the unfinished, return-visits the finished, and gives every resident an answer whatever the
state. 九 2: a patrol daily report goes to the supervisor before leaving; what can be handled is
handled at once, what cannot is reported (here: it becomes a public-area case through the intake
services, so its deadlines and first-contact accountability apply).

Which days a morning review covers: the days since the previous working day, that day included, up
to yesterday. On an ordinary Tuesday that is Monday; on a Monday it is Friday, Saturday and Sunday
(the supervisor does not work at the weekend, the service centre does); after a holiday, the holiday
and the working day before it. The estate's working calendar (sla) decides what a working day is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwen.access.permissions import can
from shouwen.access.roles import Cap
from shouwen.access.scope import AnyUser, can_see_estate, scope_queryset
from shouwen.cases import queries as case_queries
from shouwen.cases import services as case_services
from shouwen.cases.attachments import sniff_attachment_type
from shouwen.cases.models import ACTIVE_STATUSES, RETURN_VISIT_CATEGORIES, Case, CaseStatus, Category, Channel
from shouwen.core.textlimits import LONG_TEXT_MAX, check_lengths
from shouwen.directory.models import Estate, Staff
from shouwen.followups import queries as visit_queries
from shouwen.followups.models import ReturnVisit
from shouwen.rounds.models import Checkpoint, MorningReview, PatrolItem, PatrolPhoto, PatrolReport

# ---------------------------------------------------------------- checkpoints

# The places a patrol looks at (000 篇2 七 2: buildings and their facilities; 九 4: with a focus),
# each with what to look for. Admin-editable per estate; every new estate starts with these.
DEFAULT_CHECKPOINTS: tuple[tuple[str, str], ...] = (
    ("大门岗", "门岗值守、道闸、来访登记"),
    ("车库", "照明、排水、消防通道、车辆停放"),
    ("电梯机房", "运行声音、温度、门锁、应急照明"),
    ("水泵房", "水泵运行、渗漏、水位、门锁"),
    ("配电房", "异味、异响、门锁、警示标志"),
    ("公共绿地", "树木草坪、园林设施、垃圾杂物"),
    ("楼道", "照明、消防器材、杂物堆放、门窗墙面"),
    ("消防通道", "畅通无阻、疏散指示、防火门"),
)


def seed_checkpoints(estate: Estate) -> int:
    """Give an estate without checkpoints the default ones; return how many were made."""
    if Checkpoint.objects.filter(estate=estate).exists():
        return 0
    Checkpoint.objects.bulk_create(
        Checkpoint(estate=estate, name=name, hint=hint, position=(i + 1) * 10)
        for i, (name, hint) in enumerate(DEFAULT_CHECKPOINTS)
    )
    return len(DEFAULT_CHECKPOINTS)


def active_checkpoints(estate: Estate) -> QuerySet[Checkpoint]:
    """The checkpoints walked today in the estate, in their order."""
    return (
        Checkpoint.objects.filter(estate=estate, active=True)
        .select_related("public_area")
        .order_by("position", "pk")
    )


# ---------------------------------------------------------------- shifts

# 001 值班制度 二: the day shift ends when night duty starts, 17:30 (summer 18:00).
DAY_SHIFT_END = time(17, 30)
SUMMER_DAY_SHIFT_END = time(18, 0)
SUMMER_MONTHS = frozenset({5, 6, 7, 8, 9})


def shift_end(day: date) -> datetime:
    """When the day shift of ``day`` ends: the patrol report is due then (late after it)."""
    end = SUMMER_DAY_SHIFT_END if day.month in SUMMER_MONTHS else DAY_SHIFT_END
    return timezone.make_aware(datetime.combine(day, end))


# ---------------------------------------------------------------- patrol reports


@dataclass(frozen=True)
class ItemInput:
    """One checkpoint as the patrol reports it: normal, or a finding, maybe needing a case, maybe with photos."""

    checkpoint: Checkpoint
    normal: bool = True
    finding: str = ""
    needs_action: bool = False
    photos: Sequence[UploadedFile] = field(default_factory=tuple)


def _refuse_unless(staff: Staff, cap: str, estate: Estate, message: str) -> None:
    if not staff.is_active or not can(staff.user, cap) or not can_see_estate(staff.user, estate.pk):
        raise PermissionDenied(message)


def _checked_photo(upload: UploadedFile) -> tuple[str, str]:
    """Return (content type, suffix) of an allowed photo or PDF; refuse too big or disguised files."""
    max_mb = settings.SHOUWEN_ATTACHMENT_MAX_MB
    if (upload.size or 0) > max_mb * 1024 * 1024:
        raise ValidationError({"photos": [_("文件不能超过 %(mb)s MB") % {"mb": max_mb}]})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    sniffed = sniff_attachment_type(head)
    if sniffed is None:
        raise ValidationError({"photos": [_("只能上传图片（JPG、PNG、WebP、GIF）或 PDF 文件")]})
    return sniffed


def _original_name(name: str) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base[:200] or _("照片")


def _save_photo(staff: Staff, item: PatrolItem, upload: UploadedFile) -> PatrolPhoto:
    content_type, suffix = _checked_photo(upload)
    photo = PatrolPhoto(
        report=item.report,
        item=item,
        original_name=_original_name(upload.name or ""),
        content_type=content_type,
        size=upload.size or 0,
        uploaded_by=staff,
    )
    photo.file.save(f"upload{suffix}", upload, save=False)
    photo.save()
    return photo


def _report_errors(
    estate: Estate, items: Sequence[ItemInput], day: date, today: date
) -> dict[str, list[str]]:
    """Every reason to refuse a report's day and lines, keyed by field."""
    errors: dict[str, list[str]] = {}
    if day > today:
        errors["day"] = [_("巡视日期不能晚于今天。")]
    elif day < today - timedelta(days=7):
        errors["day"] = [_("只能补交 7 天内的巡视日报表。")]
    expected = {c.pk for c in active_checkpoints(estate)}
    given = [it.checkpoint.pk for it in items]
    lines: list[str] = []
    if not expected:
        lines.append(_("该小区还没有巡视点，请联系管理员设置。"))
    elif len(given) != len(set(given)) or set(given) != expected:
        lines.append(_("请逐一填写本小区的每个巡视点，每个巡视点一次。"))
    for it in items:
        if not it.normal and not it.finding.strip():
            lines.append(_("%(name)s：发现问题时请填写问题描述。") % {"name": it.checkpoint.name})
        if it.normal and (it.needs_action or it.photos):
            lines.append(_("%(name)s：正常的巡视点不需要照片或转为事项。") % {"name": it.checkpoint.name})
    if lines:
        errors["items"] = lines
    return errors


def submit_report(
    staff: Staff,
    estate: Estate,
    items: Sequence[ItemInput],
    *,
    note: str = "",
    day: date | None = None,
) -> PatrolReport:
    """Hand in the day's patrol report: one line per checkpoint; findings needing action become cases.

    Submitted after the end of the day shift of ``day`` it is marked late. Every checkpoint of the
    estate must be reported once; a finding needs its text. Each finding marked as needing action is
    registered as a public-area repair found on patrol (channel 巡视发现), with its photos attached.
    """
    _refuse_unless(staff, Cap.PATROL_REPORT, estate, _("您不能提交该小区的巡视日报表。"))
    now = timezone.now()
    today = timezone.localdate(now)
    day = day or today
    check_lengths(
        {
            "note": (note, LONG_TEXT_MAX),
            **{f"finding_{i}": (it.finding, LONG_TEXT_MAX) for i, it in enumerate(items)},
        }
    )
    errors = _report_errors(estate, items, day, today)
    if errors:
        raise ValidationError(errors)
    for it in items:
        for upload in it.photos:
            _checked_photo(upload)
    due = shift_end(day)
    with transaction.atomic():
        try:
            with transaction.atomic():
                report = PatrolReport.objects.create(
                    estate=estate,
                    day=day,
                    patroller=staff,
                    note=note.strip(),
                    submitted_at=now,
                    due_at=due,
                    late=now > due,
                )
        except IntegrityError as exc:
            raise ValidationError(
                {"day": [_("您已提交过 %(day)s 的巡视日报表。") % {"day": day.isoformat()}]}
            ) from exc
        made = []
        for it in items:
            item = PatrolItem.objects.create(
                report=report,
                checkpoint=it.checkpoint,
                normal=it.normal,
                finding="" if it.normal else it.finding.strip(),
            )
            for upload in it.photos:
                _save_photo(staff, item, upload)
            if it.needs_action:
                made.append(item)
        for item in made:
            finding_to_case(staff, item)
    return report


def add_photo(staff: Staff, item: PatrolItem, upload: UploadedFile) -> PatrolPhoto:
    """Add a photo to a finding (the API sends photos one by one); also to its case if it has one."""
    report = item.report
    _refuse_unless(staff, Cap.PATROL_REPORT, report.estate, _("您不能修改该巡视日报表。"))
    if item.normal:
        raise ValidationError({"item": [_("正常的巡视点不需要照片。")]})
    if report.patroller_id != staff.pk and not can(staff.user, Cap.ROUNDS_REVIEW):
        raise PermissionDenied(_("只有巡视人本人或主管可以补充照片。"))
    with transaction.atomic():
        photo = _save_photo(staff, item, upload)
        if item.case_id is not None:
            _copy_to_case(staff, item.case, [photo])  # type: ignore[arg-type]
    return photo


def _copy_to_case(staff: Staff, case: Case, photos: Sequence[PatrolPhoto]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    for photo in photos:
        with photo.file.open("rb") as handle:
            upload = SimpleUploadedFile(photo.original_name, handle.read(), content_type=photo.content_type)
        case_services.add_attachment(staff, case, upload=upload)


def found_at(report: PatrolReport) -> datetime:
    """When a finding was found: when the report was handed in, or for a report of an earlier day
    handed in late, the end of that day's shift (so the case counts on the day of the patrol)."""
    submitted = report.submitted_at
    if timezone.localdate(submitted) == report.day:
        return submitted
    return min(submitted, shift_end(report.day))


def finding_to_case(staff: Staff, item: PatrolItem) -> Case:
    """Register a finding as a public-area repair found on patrol, in one step; the report links to it.

    The registration goes through the intake services, so the staff member is its first-contact
    responsible person and the repair's deadlines start; the finding's photos are attached to it.
    """
    report = item.report
    estate = report.estate
    _refuse_unless(staff, Cap.PATROL_REPORT, estate, _("您不能为该小区登记巡视发现的问题。"))
    if item.normal:
        raise ValidationError({"item": [_("正常的巡视点没有需要处理的问题。")]})
    checkpoint = item.checkpoint
    draft = case_services.prepare_contact(
        staff,
        estate=estate,
        channel=Channel.PATROL,
        category=Category.PUBLIC_REPAIR,
        content=_("巡视发现（%(place)s）：%(text)s") % {"place": checkpoint.name, "text": item.finding},
        public_area=checkpoint.public_area,
        location=checkpoint.name,
        received_at=found_at(report),
    )
    with transaction.atomic():
        locked = PatrolItem.objects.select_for_update().get(pk=item.pk)
        if locked.case_id is not None:
            done = Case.objects.get(pk=locked.case_id)
            raise ValidationError({"item": [_("该问题已转为事项 %(number)s。") % {"number": done.number}]})
        contact = case_services.save_contact(draft)
        case = contact.case
        assert case is not None  # not answered on the spot, so it opened a case
        locked.case = case
        locked.save(update_fields=["case"])
        _copy_to_case(staff, case, list(locked.photos.all()))
    item.case = case
    return case


def mark_read(staff: Staff, report: PatrolReport) -> PatrolReport:
    """Record the supervisor's reading of a patrol report (who, when); read once."""
    _refuse_unless(staff, Cap.ROUNDS_REVIEW, report.estate, _("只有主管可以审阅巡视日报表。"))
    with transaction.atomic():
        locked = PatrolReport.objects.select_for_update().get(pk=report.pk)
        if locked.read_at is not None:
            reader = Staff.objects.get(patrol_reports_read=locked)
            raise ValidationError(
                _("该日报表已由 %(who)s 于 %(at)s 审阅。")
                % {
                    "who": reader.name,
                    "at": timezone.localtime(locked.read_at).strftime("%Y-%m-%d %H:%M"),
                }
            )
        locked.read_by = staff
        locked.read_at = timezone.now()
        locked.save(update_fields=["read_by", "read_at"])
    return locked


def unread_reports(user: AnyUser) -> QuerySet[PatrolReport]:
    """The patrol reports of the user's estates nobody has read yet, oldest first."""
    return (
        scope_queryset(PatrolReport.objects.all(), user)
        .filter(read_at__isnull=True)
        .select_related("estate", "patroller")
        .order_by("day", "submitted_at", "pk")
    )


def with_report_columns(qs: QuerySet[PatrolReport]) -> QuerySet[PatrolReport]:
    """Load what a report shows (estate, people, items with checkpoint, case and photos)."""
    return qs.select_related("estate", "patroller", "read_by").prefetch_related(
        "items__checkpoint", "items__case", "items__photos"
    )


# ---------------------------------------------------------------- morning review


def review_period(estate: Estate, day: date) -> tuple[date, date]:
    """The days the review of ``day`` covers: back to the previous working day, up to yesterday."""
    from shouwen.sla.calendar import BusinessCalendar

    calendar = BusinessCalendar.for_estate(estate)
    end = day - timedelta(days=1)
    start = end
    for _i in range(14):  # the longest break of the statutory calendar is nine days
        if calendar.is_workday(start):
            return start, end
        start -= timedelta(days=1)
    return end, end


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass
class Review:
    """What the morning review of one estate shows on one day."""

    estate: Estate
    day: date
    start: date
    end: date
    registered: list[Case]
    registered_count: int
    unfinished: list[Case]
    unfinished_count: int
    to_visit: list[ReturnVisit]
    to_visit_count: int
    waiting: list[Case]
    waiting_count: int
    patrols: list[PatrolReport]
    done: MorningReview | None

    @property
    def days(self) -> int:
        """How many days the review covers."""
        return (self.end - self.start).days + 1


REVIEW_ROWS = 100  # rows per list on the page and in the API; the counts count them all


def morning_review(user: AnyUser, estate: Estate, day: date | None = None) -> Review:
    """Gather the morning review of an estate: registered, unfinished, to visit back, waiting for an answer."""
    if not can_see_estate(user, estate.pk):
        raise PermissionDenied(_("您不能查看该小区。"))
    day = day or timezone.localdate()
    start, end = review_period(estate, day)
    since, until = _day_start(start), _day_start(end + timedelta(days=1))
    cases = scope_queryset(Case.objects.all(), user).filter(estate=estate)
    kept = cases.filter(category__in=sorted(RETURN_VISIT_CATEGORIES))
    registered = kept.filter(origin__received_at__gte=since, origin__received_at__lt=until).order_by(
        "origin__received_at", "pk"
    )
    unfinished = kept.filter(
        status__in=[CaseStatus.OPEN, CaseStatus.AWAITING_DOCUMENTS], origin__received_at__lt=until
    ).order_by("created_at", "pk")
    visits = visit_queries.pending_queue(
        scope_queryset(ReturnVisit.objects.all(), user).filter(case__estate=estate)
    )
    waiting = waiting_for_answer(cases)
    patrols = with_report_columns(
        scope_queryset(PatrolReport.objects.all(), user).filter(estate=estate, day__gte=start, day__lte=end)
    ).order_by("day", "submitted_at", "pk")

    def rows(qs: QuerySet[Case]) -> list[Case]:
        return list(case_queries.with_list_columns(qs).select_related("origin")[:REVIEW_ROWS])

    return Review(
        estate=estate,
        day=day,
        start=start,
        end=end,
        registered=rows(registered),
        registered_count=registered.count(),
        unfinished=rows(unfinished),
        unfinished_count=unfinished.count(),
        to_visit=list(visit_queries.with_queue_columns(visits)[:REVIEW_ROWS]),
        to_visit_count=visits.count(),
        waiting=rows(waiting),
        waiting_count=waiting.count(),
        patrols=list(patrols),
        done=MorningReview.objects.filter(estate=estate, day=day).select_related("reviewed_by").first(),
    )


def waiting_for_answer(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Active cases whose resident has no first answer yet, or whose deadline has passed, oldest first.

    ``first_answer_due`` is the running first-answer deadline (NULL when answered), ``overdue`` whether
    any running deadline is past.
    """
    from shouwen.sla.models import Deadline, DeadlineKind, DeadlineState

    running = Deadline.objects.filter(case=OuterRef("pk"), state=DeadlineState.RUNNING)
    first = running.filter(kind=DeadlineKind.FIRST_ANSWER)
    late = running.filter(due_at__lt=timezone.now())
    return (
        cases.filter(status__in=sorted(ACTIVE_STATUSES))
        .annotate(
            first_answer_due=Subquery(first.order_by("due_at").values("due_at")[:1]),
            overdue=Exists(late),
        )
        .filter(Q(Exists(first)) | Q(Exists(late)))
        .order_by("created_at", "pk")
    )


def mark_reviewed(staff: Staff, estate: Estate, day: date | None = None, *, note: str = "") -> MorningReview:
    """Record that the morning review of the estate was done (who, when); once per estate and day."""
    _refuse_unless(staff, Cap.ROUNDS_REVIEW, estate, _("只有主管可以完成每日翻阅。"))
    today = timezone.localdate()
    day = day or today
    if day > today:
        raise ValidationError({"day": [_("不能提前完成以后的翻阅。")]})
    check_lengths({"note": (note, LONG_TEXT_MAX)})
    start, end = review_period(estate, day)
    try:
        with transaction.atomic():
            return MorningReview.objects.create(
                estate=estate,
                day=day,
                period_start=start,
                period_end=end,
                reviewed_by=staff,
                note=(note or "").strip(),
            )
    except IntegrityError as exc:
        done = MorningReview.objects.select_related("reviewed_by").get(estate=estate, day=day)
        raise ValidationError(
            _("%(day)s 的翻阅已由 %(who)s 于 %(at)s 完成。")
            % {
                "day": day.isoformat(),
                "who": done.reviewed_by.name,
                "at": timezone.localtime(done.reviewed_at).strftime("%H:%M"),
            }
        ) from exc


@dataclass(frozen=True)
class TodayStatus:
    """For the home page: whether today's review of each estate happened, and the unread reports."""

    reviews: list[tuple[Estate, MorningReview | None]]
    unread: list[PatrolReport]
    unread_count: int


def today_for(user: AnyUser) -> TodayStatus:
    """The daily routine's lines of the supervisor's home page."""
    today = timezone.localdate()
    estates = list(scope_queryset(Estate.objects.all(), user).order_by("code"))
    done = {
        r.estate_id: r
        for r in MorningReview.objects.filter(estate__in=estates, day=today).select_related("reviewed_by")
    }
    unread = unread_reports(user)
    return TodayStatus(
        reviews=[(e, done.get(e.pk)) for e in estates],
        unread=list(unread[:10]),
        unread_count=unread.count(),
    )


def visible_estates(user: AnyUser) -> QuerySet[Estate]:
    """The estates the user serves, by code."""
    return scope_queryset(Estate.objects.all(), user).order_by("code")


def pick_estate(user: AnyUser, estate_id: Any) -> Estate:
    """The estate the user asked for (one they serve), else their first; refuse when they serve none."""
    from shouwen.core.params import parse_id

    estates = visible_estates(user)
    if estate_id in (None, ""):
        estate = estates.first()
        if estate is None:
            raise PermissionDenied(_("您没有可查看的小区。"))
        return estate
    pk = parse_id(str(estate_id))
    estate = estates.filter(pk=pk).first() if pk is not None else None
    if estate is None:
        raise ValidationError({"estate": [_("没有该小区，或您无权查看。")]})
    return estate
