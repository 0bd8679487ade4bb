"""The yearly opinion survey 业主意见征询表 (001 走回访 (2); 003 模板4 八).

A :class:`Questionnaire` is a version of questions (a rating per service, free comments); once a
round has used it, it is never changed again: editing makes the next version, so every answered
form keeps the questions it was answered with. A :class:`SurveyRound` asks one estate's households
(the units occupied when the round opens, :class:`Household`) over a period. Each household gives
at most one :class:`SurveyResponse` (by text-message link, portal or a paper form entered by staff).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ServiceKind(models.TextChoices):
    """The services residents rate: one per department that serves them (the assessment's departments)."""

    SERVICE = "service", _("客户服务")
    ENGINEERING = "engineering", _("维修服务")
    SECURITY = "security", _("秩序维护")
    ENVIRONMENT = "environment", _("环境卫生")
    GREENING = "greening", _("绿化养护")


class Rating(models.TextChoices):
    """The five answers of a rating question; satisfied = very satisfied + satisfied."""

    VERY_SATISFIED = "very_satisfied", _("很满意")
    SATISFIED = "satisfied", _("满意")
    FAIR = "fair", _("一般")
    UNSATISFIED = "unsatisfied", _("不满意")
    VERY_UNSATISFIED = "very_unsatisfied", _("很不满意")


PLEASED = (Rating.VERY_SATISFIED, Rating.SATISFIED)


class QuestionKind(models.TextChoices):
    RATING = "rating", _("满意度评价")
    COMMENT = "comment", _("意见建议")


class Questionnaire(models.Model):
    """One version of a company's questionnaire (frozen once a round uses it)."""

    company = models.ForeignKey(
        "directory.Company", on_delete=models.PROTECT, related_name="questionnaires", verbose_name=_("公司")
    )
    title = models.CharField(_("标题"), max_length=100)
    intro = models.TextField(_("致业主的话"), blank=True, default="")
    version = models.PositiveIntegerField(_("版本"), default=1)
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_version",
        verbose_name=_("上一版本"),
    )
    created_by = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("制定人")
    )
    created_at = models.DateTimeField(_("制定时间"), default=timezone.now)

    class Meta:
        verbose_name = _("征询问卷")
        verbose_name_plural = _("征询问卷")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    @property
    def frozen(self) -> bool:
        """Return whether a round has used this version (it is then never changed)."""
        return self.rounds.exists()


class Question(models.Model):
    """A question of one questionnaire version: a rating of a service, or a free comment."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="questions", verbose_name=_("问卷")
    )
    position = models.PositiveSmallIntegerField(_("序号"))
    kind = models.CharField(_("类型"), max_length=10, choices=QuestionKind.choices)
    service = models.CharField(
        _("评价的服务"), max_length=16, choices=ServiceKind.choices, blank=True, default=""
    )
    text = models.CharField(_("问题"), max_length=200)

    class Meta:
        verbose_name = _("问卷题目")
        verbose_name_plural = _("问卷题目")
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "position"], name="survey_question_position"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"


class SurveyRound(models.Model):
    """A questionnaire sent to one estate's households over a period."""

    ESTATE_LOOKUP = "estate"

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("问卷")
    )
    estate = models.ForeignKey(
        "directory.Estate", on_delete=models.PROTECT, related_name="survey_rounds", verbose_name=_("小区")
    )
    title = models.CharField(_("名称"), max_length=100)
    opens_on = models.DateField(_("开始日期"))
    closes_on = models.DateField(_("截止日期"))
    send_sms = models.BooleanField(_("短信发送填写链接"), default=True)
    created_by = models.ForeignKey(
        "directory.Staff", on_delete=models.PROTECT, related_name="+", verbose_name=_("发起人")
    )
    created_at = models.DateTimeField(_("发起时间"), default=timezone.now)

    class Meta:
        verbose_name = _("征询轮次")
        verbose_name_plural = _("征询轮次")
        ordering = ["-opens_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")), name="survey_round_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.estate} {self.title}"

    def is_open(self, day=None) -> bool:  # type: ignore[no-untyped-def]
        """Return whether households may answer on the day (today by default)."""
        day = day or timezone.localdate()
        return self.opens_on <= day <= self.closes_on


class SmsStatus(models.TextChoices):
    NONE = "none", _("不发送")
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Household(models.Model):
    """An occupied unit asked in a round (fixed when the round opens), and its text message."""

    ESTATE_LOOKUP = "round__estate"

    round = models.ForeignKey(
        SurveyRound, on_delete=models.PROTECT, related_name="households", verbose_name=_("轮次")
    )
    unit = models.ForeignKey(
        "directory.Unit", on_delete=models.PROTECT, related_name="survey_households", verbose_name=_("房屋")
    )
    resident = models.ForeignKey(
        "directory.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="survey_households",
        verbose_name=_("住户"),
    )
    sms_status = models.CharField(_("短信"), max_length=10, choices=SmsStatus.choices, default=SmsStatus.NONE)
    sms_sent_at = models.DateTimeField(_("短信发送时间"), null=True, blank=True)
    sms_error = models.CharField(_("短信错误"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("征询住户")
        verbose_name_plural = _("征询住户")
        ordering = ["round", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["round", "unit"], name="survey_household_once"),
        ]

    def __str__(self) -> str:
        return f"{self.round} {self.unit}"


class ResponseChannel(models.TextChoices):
    SMS_LINK = "sms_link", _("短信链接")
    PORTAL = "portal", _("住户网页")
    PAPER = "paper", _("纸质表录入")


class SurveyResponse(models.Model):
    """A household's answered form: one per household, however it came in."""

    ESTATE_LOOKUP = "round__estate"

    round = models.ForeignKey(
        SurveyRound, on_delete=models.PROTECT, related_name="responses", verbose_name=_("轮次")
    )
    household = models.OneToOneField(
        Household, on_delete=models.PROTECT, related_name="response", verbose_name=_("住户")
    )
    channel = models.CharField(_("方式"), max_length=10, choices=ResponseChannel.choices)
    resident = models.ForeignKey(
        "directory.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("填写人"),
    )
    submitted_at = models.DateTimeField(_("填写时间"), default=timezone.now)
    entered_by = models.ForeignKey(
        "directory.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
    )
    entered_at = models.DateTimeField(_("录入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("征询答卷")
        verbose_name_plural = _("征询答卷")
        ordering = ["round", "-submitted_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.household}"


class Answer(models.Model):
    """The answer to one question of a form; a comment may become a case (once)."""

    ESTATE_LOOKUP = "response__round__estate"

    response = models.ForeignKey(
        SurveyResponse, on_delete=models.PROTECT, related_name="answers", verbose_name=_("答卷")
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="answers", verbose_name=_("题目")
    )
    rating = models.CharField(_("评价"), max_length=16, choices=Rating.choices, blank=True, default="")
    text = models.TextField(_("意见"), blank=True, default="")
    case = models.OneToOneField(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="survey_answer",
        verbose_name=_("登记的事项"),
    )
    case_by = models.ForeignKey(
        "directory.Staff",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        verbose_name = _("答案")
        verbose_name_plural = _("答案")
        ordering = ["response", "question__position"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="survey_answer_once"),
        ]

    def __str__(self) -> str:
        return f"{self.response} {self.question}"
