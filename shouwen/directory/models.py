"""The property directory: company, estates, buildings, units, public areas, residents, staff."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from shouwen.access.roles import ROLE_CHOICES, ROLES
from shouwen.core.history import history_user
from shouwen.directory.phones import normalize_phone


def _history(**kwargs: object) -> HistoricalRecords:
    """Keep every change of the model (who, when, before → after) in its history table."""
    return HistoricalRecords(get_user=history_user, **kwargs)


class Company(models.Model):
    """A property-management company running one or more estates."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    service_phone = models.CharField(_("客服电话"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("物业公司")
        verbose_name_plural = _("物业公司")

    def __str__(self) -> str:
        return self.name


class Estate(models.Model):
    """A managed estate or project (小区/项目)."""

    ESTATE_LOOKUP = "pk"

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="estates", verbose_name=_("物业公司")
    )
    code = models.CharField(
        _("编码"),
        max_length=12,
        unique=True,
        help_text=_("大写字母或数字，用于事项编号，例如 LJY"),
    )
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    history = _history()

    class Meta:
        verbose_name = _("小区/项目")
        verbose_name_plural = _("小区/项目")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    """A building (楼栋) of an estate."""

    ESTATE_LOOKUP = "estate"

    estate = models.ForeignKey(
        Estate, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("小区")
    )
    code = models.CharField(_("楼栋编号"), max_length=20, help_text=_("例如 3，住户口中的“3栋”"))
    name = models.CharField(_("楼栋名称"), max_length=50)
    floors = models.PositiveSmallIntegerField(_("层数"), null=True, blank=True)
    entrances = models.PositiveSmallIntegerField(_("单元数"), default=0, help_text=_("没有单元的楼栋填 0"))
    history = _history()

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["estate", "code"]
        constraints = [models.UniqueConstraint(fields=["estate", "code"], name="building_unique_code")]

    def __str__(self) -> str:
        return f"{self.estate.name} {self.name}"


class UnitKind(models.TextChoices):
    RESIDENCE = "residence", _("住宅")
    SHOP = "shop", _("商铺")
    OFFICE = "office", _("写字间")
    PARKING = "parking", _("车位")


class Unit(models.Model):
    """A unit (房屋): a flat, shop, office or parking space."""

    ESTATE_LOOKUP = "building__estate"

    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="units", verbose_name=_("楼栋")
    )
    entrance = models.CharField(_("单元"), max_length=10, blank=True, default="")
    number = models.CharField(_("房号"), max_length=20)
    floor = models.SmallIntegerField(_("楼层"), null=True, blank=True)
    kind = models.CharField(_("类型"), max_length=12, choices=UnitKind.choices, default=UnitKind.RESIDENCE)
    area = models.DecimalField(_("建筑面积（㎡）"), max_digits=9, decimal_places=2, null=True, blank=True)
    handover_date = models.DateField(_("交付日期"), null=True, blank=True, help_text=_("保修期从此日起算"))
    history = _history()

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        ordering = ["building", "entrance", "number"]
        constraints = [
            models.UniqueConstraint(fields=["building", "entrance", "number"], name="unit_unique_number"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """Return the unit as people say it: 3栋2单元1502."""
        entrance = f"{self.entrance}单元" if self.entrance else ""
        return f"{self.building.code}栋{entrance}{self.number}"

    @property
    def shorthand(self) -> str:
        """Return the dashed shorthand: 3-2-1502."""
        parts = [self.building.code, self.entrance, self.number]
        return "-".join(p for p in parts if p)


class PublicAreaKind(models.TextChoices):
    LIFT = "lift", _("电梯")
    LOBBY = "lobby", _("大堂")
    GARAGE = "garage", _("车库")
    PUMP_ROOM = "pump_room", _("水泵房")
    GREEN = "green", _("绿化区")
    ROAD = "road", _("道路")
    LIGHTING = "lighting", _("公共照明")
    PIPES = "pipes", _("公共管道")
    GATE = "gate", _("出入口门岗")
    OTHER = "other", _("其他")


class PublicArea(models.Model):
    """A public area or facility of an estate (lift, lobby, garage, pump room, green area…)."""

    ESTATE_LOOKUP = "estate"

    estate = models.ForeignKey(
        Estate, on_delete=models.PROTECT, related_name="public_areas", verbose_name=_("小区")
    )
    building = models.ForeignKey(
        Building,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="public_areas",
        verbose_name=_("所在楼栋"),
    )
    kind = models.CharField(_("类型"), max_length=12, choices=PublicAreaKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    in_service_date = models.DateField(
        _("启用日期"), null=True, blank=True, help_text=_("公共设施保修期从此日起算")
    )
    history = _history()

    class Meta:
        verbose_name = _("公共区域")
        verbose_name_plural = _("公共区域")
        ordering = ["estate", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["estate", "name"], name="public_area_unique_name")]

    def __str__(self) -> str:
        return self.name


class ResidentKind(models.TextChoices):
    PERSON = "person", _("个人")
    COMPANY = "company", _("单位")


class Resident(models.Model):
    """A resident (住户) in an estate's owner archive: a person or a company."""

    ESTATE_LOOKUP = "estate"

    estate = models.ForeignKey(
        Estate, on_delete=models.PROTECT, related_name="residents", verbose_name=_("小区")
    )
    kind = models.CharField(
        _("类别"), max_length=10, choices=ResidentKind.choices, default=ResidentKind.PERSON
    )
    name = models.CharField(_("姓名/单位名称"), max_length=100, db_index=True)
    id_number = models.CharField(_("证件号码"), max_length=30, blank=True, default="")
    # E-mail from this address is registered as this resident's (shouwen.mailbox); kept lower-case.
    email = models.EmailField(_("电子邮箱"), blank=True, default="", db_index=True)
    notes = models.TextField(_("备注"), blank=True, default="")
    # The resident asked not to receive notices by text message (通知短信); receipts of their own matters still go.
    notice_sms_opt_out = models.BooleanField(_("不接收通知短信"), default=False)
    created_at = models.DateTimeField(_("建档时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    history = _history(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("住户")
        verbose_name_plural = _("住户")
        ordering = ["estate", "name", "pk"]
        indexes = [models.Index(fields=["estate", "id_number"], name="resident_estate_idno")]

    def __str__(self) -> str:
        return self.name

    def current_occupancies(self) -> models.QuerySet[Occupancy]:
        """Return this resident's occupancies that have not ended."""
        return self.occupancies.filter(Occupancy.current_q()).select_related("unit__building")


class CurrentPhoneManager(models.Manager["ResidentPhone"]):
    """The numbers in use: a number that was removed keeps its row, with an end time, for the history."""

    def get_queryset(self) -> models.QuerySet[ResidentPhone]:
        return super().get_queryset().filter(ended_at__isnull=True)


class ResidentPhone(models.Model):
    """One of a resident's phone numbers, kept reversed as well so 'last four digits' uses an index.

    A number is never deleted: removing or replacing it sets ``ended_at``. The default manager (and
    so ``resident.phones``) lists the numbers in use only; ``with_ended`` lists them all.
    """

    ESTATE_LOOKUP = "resident__estate"

    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="phones", verbose_name=_("住户")
    )
    number = models.CharField(_("电话号码"), max_length=20)
    reversed_number = models.CharField(max_length=20, editable=False, db_index=True)
    label = models.CharField(
        _("说明"), max_length=20, blank=True, default="", help_text=_("例如 本人、家属、办公")
    )
    ended_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    with_ended = models.Manager()  # every number, ended ones too (Meta names the default)
    objects = CurrentPhoneManager()
    # The reversed copy is an index, not a fact: history keeps the number once.
    history = _history(excluded_fields=["reversed_number"])

    class Meta:
        verbose_name = _("住户电话")
        verbose_name_plural = _("住户电话")
        ordering = ["resident", "pk"]
        default_manager_name = "objects"
        base_manager_name = "with_ended"
        constraints = [
            # A number ended once may be added again later: only numbers in use must be unique.
            models.UniqueConstraint(
                fields=["resident", "number"],
                condition=Q(ended_at__isnull=True),
                name="resident_phone_unique_current",
            )
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: object, **kwargs: object) -> None:
        self.number = normalize_phone(self.number)
        self.reversed_number = self.number[::-1]
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class OccupancyRole(models.TextChoices):
    OWNER = "owner", _("业主")
    TENANT = "tenant", _("租户")
    MEMBER = "member", _("家庭成员")
    COMPANY_OWNER = "company_owner", _("单位业主")


class Occupancy(models.Model):
    """Links a resident to a unit with a role and dates (入住/租住)."""

    ESTATE_LOOKUP = "unit__building__estate"

    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="occupancies", verbose_name=_("住户")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="occupancies", verbose_name=_("房屋")
    )
    role = models.CharField(
        _("身份"), max_length=16, choices=OccupancyRole.choices, default=OccupancyRole.OWNER
    )
    start_date = models.DateField(_("开始日期"), null=True, blank=True)
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    history = _history()

    class Meta:
        verbose_name = _("住户房屋关系")
        verbose_name_plural = _("住户房屋关系")
        ordering = ["unit", "role", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["resident", "unit", "role"], name="occupancy_unique_role"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="occupancy_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} – {self.unit} ({self.get_role_display()})"

    @staticmethod
    def current_q(today: date | None = None) -> Q:
        """Return a filter for occupancies that have not ended by ``today``."""
        today = today or timezone.localdate()
        return Q(end_date__isnull=True) | Q(end_date__gte=today)


class DepartmentKind(models.TextChoices):
    SERVICE = "service", _("客服部")
    ENGINEERING = "engineering", _("工程维修部")
    SECURITY = "security", _("安护部")
    ENVIRONMENT = "environment", _("环境部")
    GREENING = "greening", _("绿化部")
    FINANCE = "finance", _("财务部")
    OFFICE = "office", _("管理处")


class Department(models.Model):
    """A department of an estate's management office."""

    ESTATE_LOOKUP = "estate"

    estate = models.ForeignKey(
        Estate, on_delete=models.PROTECT, related_name="departments", verbose_name=_("小区")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=DepartmentKind.choices)
    name = models.CharField(_("名称"), max_length=50)
    phone = models.CharField(_("电话"), max_length=30, blank=True, default="")
    head = models.ForeignKey(
        "directory.Staff",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_departments",
        verbose_name=_("部门主管"),
    )
    history = _history()

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["estate", "kind"]
        constraints = [models.UniqueConstraint(fields=["estate", "kind"], name="department_unique_kind")]

    def __str__(self) -> str:
        return f"{self.estate.name} {self.name}"


# Two-character surnames, so the greeting says 我姓欧阳 rather than 我姓欧.
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "端木",
        "独孤",
        "南宫",
        "西门",
        "百里",
    ]
)


class Staff(models.Model):
    """A staff member: user account, staff number, department, roles and estates served."""

    ESTATE_LOOKUP = "estates"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff", verbose_name=_("登录账号")
    )
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="staff", verbose_name=_("物业公司")
    )
    staff_no = models.CharField(_("工号"), max_length=20, unique=True)
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("电话"), max_length=20, blank=True, default="")
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("部门"),
    )
    estates = models.ManyToManyField(Estate, related_name="staff", blank=True, verbose_name=_("服务的小区"))
    is_active = models.BooleanField(_("在职"), default=True)
    history = _history()

    class Meta:
        verbose_name = _("员工")
        verbose_name_plural = _("员工")
        ordering = ["staff_no"]

    def __str__(self) -> str:
        return f"{self.name}（{self.staff_no}）"

    @property
    def surname(self) -> str:
        """Return the family name used in the phone greeting (我姓×)."""
        if self.name[:2] in COMPOUND_SURNAMES:
            return self.name[:2]
        return self.name[:1]

    @property
    def role_codes(self) -> set[str]:
        """Return the codes of this staff member's roles (cached on the instance)."""
        cached: set[str] | None = getattr(self, "_role_codes", None)
        if cached is None:
            cached = {r.role for r in self.roles.all()}
            self._role_codes = cached
        return cached

    @property
    def role_labels(self) -> list[str]:
        """Return the display labels of this staff member's roles."""
        return [str(ROLES[c].label) for c in sorted(self.role_codes) if c in ROLES]


class StaffRole(models.Model):
    """One role held by a staff member (see shouwen.access.roles for what each role may do)."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="roles", verbose_name=_("员工"))
    role = models.CharField(_("角色"), max_length=20, choices=ROLE_CHOICES)
    history = _history()

    class Meta:
        verbose_name = _("员工角色")
        verbose_name_plural = _("员工角色")
        constraints = [models.UniqueConstraint(fields=["staff", "role"], name="staff_role_unique")]

    def __str__(self) -> str:
        return self.get_role_display()
