"""Return visits (回访) after a repair or complaint is handled, their failed attempts, and satisfaction.

Every resolved repair and complaint gets one return visit per round: the first after the first
resolution, a second after the rework that follows an unsatisfied visit, and so on. Nothing here
is deleted: a visit that is no longer needed is cancelled, and every attempt stays on record.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class VisitStatus(models.TextChoices):
    PENDING = "pending", _("待回访")
    DONE = "done", _("已回访")
    CANCELLED = "cancelled", _("已取消")


class VisitChannel(models.TextChoices):
    PHONE = "phone", _("电话")
    IN_PERSON = "in_person", _("上门")
    # The resident answered the visit themself in the residents' portal (no staff member visited).
    PORTAL = "portal", _("住户在线评价")


# The ways a staff member records a visit; PORTAL is the resident's own answer only.
STAFF_CHANNELS = (VisitChannel.PHONE, VisitChannel.IN_PERSON)


class Satisfaction(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("非常满意")
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


# Results that let the case be closed; "unsatisfied" sends it back to the technician.
SATISFIED_RESULTS = frozenset({Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED, Satisfaction.BASICALLY})


class AttemptOutcome(models.TextChoices):
    NO_ANSWER = "no_answer", _("无人接听")
    WRONG_NUMBER = "wrong_number", _("号码有误")
    ASKED_LATER = "asked_later", _("住户要求稍后")


class ReturnVisit(models.Model):
    """One round of return visit of a handled repair or complaint: due when, by whom, and the result."""

    ESTATE_LOOKUP = "case__estate"

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="return_visits", verbose_name=_("事项")
    )
    round = models.PositiveSmallIntegerField(_("回访轮次"), default=1)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    due_at = models.DateTimeField(_("回访期限"))
    status = models.CharField(
        _("状态"), max_length=10, choices=VisitStatus.choices, default=VisitStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("未接通次数"), default=0)
    last_attempt_at = models.DateTimeField(_("最近一次尝试"), null=True, blank=True)
    visitor = models.ForeignKey(
        "directory.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="return_visits",
        verbose_name=_("回访人"),
    )
    visited_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    channel = models.CharField(
        _("回访方式"), max_length=10, choices=VisitChannel.choices, blank=True, default=""
    )
    # Set when the resident answered in the portal (then nobody of the staff is the visitor).
    by_resident = models.ForeignKey(
        "directory.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("住户本人评价"),
    )
    satisfaction = models.CharField(
        _("满意度"), max_length=16, choices=Satisfaction.choices, blank=True, default=""
    )
    comments = models.TextField(_("住户意见"), blank=True, default="")
    # The visit is the independent check of the work: one made by a person who resolved the case
    # (a supervisor, with a reason) is marked, and shows so in the timeline and the lists.
    by_resolver = models.BooleanField(_("处理人本人回访"), default=False)
    by_resolver_reason = models.CharField(_("本人回访的原因"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["case", "round", "pk"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="return_visit_queue"),
            models.Index(fields=["visited_at"], name="return_visit_visited"),  # the reports' month
        ]
        constraints = [
            models.UniqueConstraint(fields=["case", "round"], name="return_visit_one_per_round"),
            # At most one visit of a case is waiting; a second resolution cannot open another.
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="pending"), name="return_visit_one_pending_per_case"
            ),
            # A visit counts as done only with who (a staff member, or the resident in the portal),
            # when, how and the resident's opinion.
            models.CheckConstraint(
                condition=~Q(status="done")
                | (
                    (Q(visitor__isnull=False) | Q(by_resident__isnull=False, channel="portal"))
                    & Q(visited_at__isnull=False)
                    & ~Q(channel="")
                    & ~Q(satisfaction="")
                ),
                name="return_visit_done_is_complete",
            ),
            models.CheckConstraint(
                condition=Q(by_resolver=False) | ~Q(by_resolver_reason=""),
                name="return_visit_by_resolver_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} #{self.round}"

    @property
    def is_overdue(self) -> bool:
        """Return whether the visit is still waiting after its deadline."""
        return self.status == VisitStatus.PENDING and self.due_at < timezone.now()

    @property
    def is_satisfied(self) -> bool:
        """Return whether the recorded result lets the case be closed."""
        return self.status == VisitStatus.DONE and self.satisfaction in SATISFIED_RESULTS


class ReturnVisitAttempt(models.Model):
    """A call that did not reach the resident (no answer, wrong number, asked to call later)."""

    ESTATE_LOOKUP = "visit__case__estate"

    visit = models.ForeignKey(
        ReturnVisit, on_delete=models.PROTECT, related_name="attempt_records", verbose_name=_("回访")
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    by = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("回访人")
    )
    outcome = models.CharField(_("结果"), max_length=14, choices=AttemptOutcome.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("回访未接通记录")
        verbose_name_plural = _("回访未接通记录")
        ordering = ["visit", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.visit} {self.get_outcome_display()}"
