"""`shouwen generate`: years of realistic history for many estates, written in bulk, for tests at scale.

The volumes come from the seeds (REQUIREMENTS §2): an estate of ~2,000 households has ~26,000
contacts a year with the month's category mix (consultation 155, suggestion 43, complaint 69,
public repair 752, household repair 740, other service 26, praise 23 of 2,385), and ~10,300
repairs a year — the rest of the repair contacts are residents calling again about a repair
already registered. Each case lives through handovers, resolution, return visits and closing,
and is left where its age puts it at ``--until``: old cases closed, recent ones resolved,
waiting for a return visit, or still open with their deadlines running.

Rows are written in batches (``--batch`` cases, 5,000 by default): one transaction per batch,
one prepared INSERT per table run over the batch's rows (``insert_rows``: what ``bulk_create``
does, without its per-value overhead), with primary keys assigned here, so a contact can point
at its case before the case row is sent and nothing has to be read back. Only the current batch
is held in memory. The service functions are not used — at a few milliseconds per action a
million cases would take days — so this command builds the rows those functions would have
written, and keeps every database constraint and the accountability invariant: an active case
has exactly one current responsibility, held by ``case.accountable``; a finished one has none.
Run it only while nothing else writes cases (ids are counted on from the highest one present).
The other 577 of the month's 2,385 contacts are desk business (fees, access cards, item release,
decoration and move-in registration), recorded as answered on the spot.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone, translation

from shouwen.cases.models import (
    PROCEDURE_CATEGORIES,
    Case,
    CaseCounter,
    CaseEvent,
    CaseStatus,
    Category,
    Contact,
    Handover,
    HandoverStatus,
    Responsibility,
)
from shouwen.cases.search import segment_for_index
from shouwen.cases.services import RETURN_VISIT_CATEGORIES, classify_repair
from shouwen.development.directory_demo import _estate_units, _Names, _public_areas, _residents
from shouwen.directory.models import (
    Company,
    Department,
    Estate,
    Occupancy,
    PublicArea,
    ResidentPhone,
    Staff,
    StaffRole,
    Unit,
)
from shouwen.directory.services import create_departments
from shouwen.followups.models import ReturnVisit, ReturnVisitAttempt
from shouwen.followups.services import default_due
from shouwen.sla.calendar import BusinessCalendar
from shouwen.sla.deadlines import compute, level_at
from shouwen.sla.models import Deadline, DeadlineKind, DeadlinePolicy, DeadlineState, Escalation, Level, Remit
from shouwen.workorders.models import OrderKind, WorkOrder, WorkOrderTechnician

K = CaseEvent.Kind

# ---------------------------------------------------------------- the seeds' volumes

# One real month (003 物業客服月度總結模板1 二.4): 2,385 contacts, of which these seven categories
# are 1,808; the other 577 are desk business (fees, access cards, item release, decoration and
# move-in registration, paid services), recorded here as contacts settled at the desk.
CATEGORY_MIX = {
    Category.CONSULTATION: 155,
    Category.SUGGESTION: 43,
    Category.COMPLAINT: 69,
    Category.PUBLIC_REPAIR: 752,
    Category.HOUSEHOLD_REPAIR: 740,
    Category.OTHER_SERVICE: 26,
    Category.PRAISE: 23,
    Category.FEE: 200,
    Category.ACCESS_CARD: 120,
    Category.ITEM_RELEASE: 110,
    Category.DECORATION: 70,
    Category.PAID_SERVICE: 50,
    Category.MOVE_IN: 27,
}
CONTACTS_PER_YEAR = 26_000  # 003 模板4 一: ~26,000 calls a year at a 2,000-household estate
REPAIRS_PER_YEAR = 10_300  # …and ~10,300 repairs: the other repair contacts are calls about one already open
_REPAIR_SHARE = (CATEGORY_MIX[Category.PUBLIC_REPAIR] + CATEGORY_MIX[Category.HOUSEHOLD_REPAIR]) / sum(
    CATEGORY_MIX.values()
)
REPEAT_SHARE = max(0.0, 1 - REPAIRS_PER_YEAR / (CONTACTS_PER_YEAR * _REPAIR_SHARE))

# Share of each category answered on the spot (a record only, no case); desk business always is.
ON_SPOT = {
    **{category: 1.0 for category in PROCEDURE_CATEGORIES},
    Category.CONSULTATION: 0.9,
    Category.SUGGESTION: 0.5,
    Category.PRAISE: 0.8,
    Category.OTHER_SERVICE: 0.4,
    Category.COMPLAINT: 0.0,
    Category.PUBLIC_REPAIR: 0.0,
    Category.HOUSEHOLD_REPAIR: 0.0,
}
CHANNELS = [
    ("phone", 60),
    ("visit", 25),
    ("web", 8),
    ("patrol", 4),
    ("letter", 1),
    ("email", 1),
    ("night_log", 1),
]
SEVERITIES = [("minor", 70), ("important", 25), ("major", 5)]
# The seeds' month (003 模板5): repair satisfaction 70%, the rest mostly "basically", some unsatisfied.
SATISFACTION = [("very_satisfied", 22), ("satisfied", 48), ("basically", 18), ("unsatisfied", 12)]
SATISFACTION_LABEL = {"very_satisfied": "非常满意", "satisfied": "满意", "basically": "基本满意"}
FAILED_CALLS = [(0, 60), (1, 20), (2, 12), (3, 8)]
# The resident's rating when signing a finished household repair (003 模板5: phone repairs 75% satisfied).
RATINGS = [("satisfied", 75), ("fair", 18), ("unsatisfied", 7)]
TRADES = {
    "household_repair": [("plumbing", 50), ("electrical", 25), ("doors", 15), ("civil", 10)],
    "public_repair": [("electrical", 30), ("lift", 20), ("plumbing", 20), ("doors", 15), ("civil", 15)],
}

# ---------------------------------------------------------------- what residents say (search finds these)

# (content, resolution)
HOUSEHOLD_REPAIRS = [
    ("卫生间天花板漏水，楼上住户不在家", "已维修楼上防水层，试漏48小时无渗漏"),
    ("厨房下水道堵塞，水排不下去", "已疏通下水管"),
    ("入户门锁芯坏了，钥匙拧不动", "已更换锁芯，费用按有偿服务收取"),
    ("客厅插座没电，空气开关跳闸", "已更换损坏插座"),
    ("阳台地漏返水，下雨时积水", "已清理地漏并加装防返水芯"),
    ("窗户关不严，漏风", "已调整合页"),
    ("马桶水箱一直流水", "已更换水箱配件"),
    ("燃气灶打不着火，闻到燃气味", "已关闭燃气阀并联系燃气公司上门检修"),
    ("卧室墙面渗水发霉", "已查明外墙渗漏并修补"),
    ("水龙头滴水关不紧", "已更换阀芯"),
    ("烟感报警器一直响", "已清洁烟感并更换电池"),
    ("可视对讲门铃不响", "已更换对讲分机"),
    ("空调冷凝水管漏水到楼下", "已重新连接冷凝水管"),
    ("厨房水管爆裂，地面积水", "已关闭总阀并更换水管"),
    ("防盗门合页松动，关门有响声", "已紧固合页"),
    ("卧室吊灯不亮，开关失灵", "已更换开关面板"),
]
# (content, resolution, public-area kind)
PUBLIC_REPAIRS = [
    ("电梯困人，有两位老人被困", "电梯维保单位到场救出，已检修门机", "lift"),
    ("电梯运行时有异响", "维保单位已更换导靴", "lift"),
    ("电梯按钮失灵，到不了高层", "已更换外呼按钮", "lift"),
    ("楼道灯不亮，晚上很黑", "已更换感应灯", "lobby"),
    ("单元门禁坏了，刷卡开不了门", "已更换门禁读卡器", "lobby"),
    ("大堂玻璃门关不上", "已更换地弹簧", "lobby"),
    ("消防栓箱门损坏", "已修复箱门并检查消防栓", "lobby"),
    ("地下车库积水，靠近B区车位", "已清理排水沟", "garage"),
    ("车库道闸不抬杆，车辆排队", "已重置道闸控制器", "garage"),
    ("小区路灯不亮，中心花园附近", "已更换灯具", "lighting"),
    ("水泵房噪音大，影响低层住户休息", "已更换减震垫", "pump_room"),
    ("二次供水水压低，高层没水", "已调整加压泵", "pump_room"),
    ("雨水管堵塞，外墙渗水", "已疏通雨水管", "pipes"),
    ("化粪池冒水有异味", "已联系清掏并消毒", "pipes"),
    ("中心花园喷灌漏水", "已更换喷头", "green"),
    ("小区主干道路面塌陷", "已设置围挡并修补路面", "road"),
    ("门岗监控摄像头黑屏", "已更换摄像头电源", "gate"),
]
# (content, resolution, department kind, complained party, incident, demand)
COMPLAINTS = [
    (
        "楼上装修噪音，中午也在施工",
        "已通知装修户遵守施工时间",
        "service",
        "装修户",
        "午休时间电钻施工",
        "禁止午间施工",
    ),
    ("邻居在楼道堆放杂物，影响通行", "已协调邻居清理", "service", "邻居", "楼道堆放纸箱和旧家具", "尽快清理"),
    (
        "保安态度不好，进门时被呵斥",
        "已对当班保安批评教育并上门致歉",
        "security",
        "当班保安",
        "进门时被大声呵斥",
        "道歉",
    ),
    ("垃圾清运不及时，有异味", "已增加清运频次", "environment", "保洁员", "垃圾桶满溢两天", "每天清运"),
    (
        "维修拖延，报修三天没人来",
        "已安排当天上门并致歉",
        "engineering",
        "维修师傅",
        "报修后三天无人联系",
        "今天上门",
    ),
    (
        "小区内有人遛狗不牵绳",
        "已张贴文明养犬提示并加强巡查",
        "security",
        "养犬住户",
        "孩子被狗吓到",
        "加强管理",
    ),
    (
        "外来车辆占用业主车位",
        "已联系车主挪车并加强门岗登记",
        "security",
        "门岗",
        "车位连续被占",
        "禁止外来车辆停放",
    ),
    (
        "楼道卫生差，好几天没人打扫",
        "已安排保洁员每日清扫并检查",
        "environment",
        "保洁员",
        "楼道有烟头和污渍",
        "按时清扫",
    ),
    (
        "绿化修剪太早，早上七点就开机器",
        "已调整修剪时间至九点以后",
        "environment",
        "绿化工",
        "早上七点割草机噪音",
        "调整时间",
    ),
    (
        "物业费收费标准有疑问，觉得多收了",
        "已由财务核对并说明收费依据",
        "finance",
        "收费员",
        "账单金额比去年高",
        "核对账单",
    ),
    ("快递堆放在大堂无人管理", "已规范快递柜摆放", "service", "前台", "快递丢失", "加强管理"),
    (
        "夜间广场舞音乐扰民",
        "已协调降低音量并限定时间",
        "security",
        "广场舞队",
        "晚上十点还在放音乐",
        "晚上九点前结束",
    ),
]
# (content, answer) — answered on the spot, or by the desk later when a case was opened
CONSULTATIONS = [
    ("物业费可以用手机缴纳吗", "可以，通过公众号缴纳"),
    ("装修施工时间有什么规定", "工作日8:00-12:00、14:00-18:00，周末不得进行噪音施工"),
    ("停车月卡怎么办理", "携带行驶证到客服中心办理"),
    ("快递能否代收", "客服中心可代收小件快递"),
    ("门禁卡丢了怎么补办", "携带身份证到客服中心补办"),
    ("小区什么时候停水", "本周四上午9点至12点清洗水箱停水"),
    ("电动车在哪里充电", "北门车棚设有充电桩"),
    ("养狗需要登记吗", "需到社区办理犬证并到客服中心登记"),
    ("房屋出租要办什么手续", "提供租赁合同和租户身份证复印件到客服中心登记"),
    ("垃圾分类投放时间", "每天早7点至9点、晚6点至8点"),
]
SUGGESTIONS = [
    ("建议增加儿童游乐设施", "已纳入明年改造计划"),
    ("建议增设电动车充电桩", "已报管理处研究"),
    ("建议在大堂放置雨伞架", "已在各单元大堂放置"),
    ("建议延长客服中心周末服务时间", "已调整为周末9点至17点"),
    ("建议增加垃圾分类宣传", "已在宣传栏张贴并入户发放资料"),
    ("建议地下车库增加指示牌", "已增设车位分区指示牌"),
]
PRAISES = [
    ("表扬刘师傅维修认真负责", "已转达并在月度例会表扬"),
    ("表扬保安帮忙搬运重物", "已转达并通报表扬"),
    ("表扬保洁阿姨打扫很干净", "已转达并通报表扬"),
    ("表扬前台热情耐心", "已转达本人"),
]
OTHER_SERVICES = [
    ("请帮忙开具居住证明", "已开具"),
    ("请帮忙联系开锁", "已联系有资质的开锁公司上门"),
    ("请帮忙借用梯子", "已借出，登记归还时间"),
    ("请帮忙代收家具送货", "已安排前台代为签收"),
    ("请帮忙联系疏通化粪管道", "已联系专业公司上门"),
]
DESK_BUSINESS = {
    Category.FEE: [("缴纳物业费", "已收费并开具收据"), ("缴纳停车费", "已收费并开具收据")],
    Category.ACCESS_CARD: [("补办门禁卡", "已补办门禁卡"), ("办理车卡", "已办理车卡并登记车牌")],
    Category.ITEM_RELEASE: [("搬出家具需要开放行条", "已核实业主身份并开具放行条")],
    Category.DECORATION: [("办理装修登记", "已登记装修并告知装修须知")],
    Category.PAID_SERVICE: [("预约家电清洗", "已登记有偿服务并预约上门时间")],
    Category.MOVE_IN: [("办理入住手续", "已办理入住并交付钥匙")],
}
ANSWERS_ON_SPOT = {
    Category.SUGGESTION: "已记录，将转管理处研究并答复",
    Category.PRAISE: "感谢您的表扬，已转达",
}
REPAIR_SUFFIXES = ["", "", "，请尽快处理", "，住户下午在家", "，已经是第二次了", "，希望今天能来看看"]
COMPLAINT_SUFFIXES = ["", "，希望物业尽快处理", "，非常不满意"]
UNSATISFIED_WORDS = [
    "维修后还是有点漏水",
    "师傅说好上午来，下午才到，问题也没彻底解决",
    "处理结果不满意，希望再派人来看看",
]
ESTATE_NAMES_A = [
    "锦绣",
    "翠湖",
    "金色",
    "阳光",
    "紫荆",
    "海棠",
    "滨江",
    "香樟",
    "梧桐",
    "春晓",
    "云栖",
    "桂语",
]
ESTATE_NAMES_B = ["花园", "苑", "家园", "名邸", "雅苑", "新村", "公馆", "华庭"]
STREETS = ["文三路", "湖墅南路", "莫干山路", "天目山路", "秋涛路", "江南大道", "古墩路", "之江路"]

# Staff of one estate: role, department kind, how many.
STAFF_PLAN = [
    ("office_director", "office", 1),
    ("cs_supervisor", "service", 1),
    ("cs_assistant", "service", 2),
    ("front_desk", "service", 4),
    ("technician", "engineering", 8),
    ("security", "security", 2),
    ("cleaning", "environment", 2),
    ("finance_clerk", "finance", 1),
]
FLATS_PER_BUILDING = 100  # 2 entrances × 25 floors × 2 flats
UNUSABLE_PASSWORD = "!generated-no-sign-in"  # Django treats a leading "!" as "no password"


# ---------------------------------------------------------------- small records kept in memory


@dataclass(frozen=True)
class Person:
    """A staff member as the generator needs them (no ORM instance per row)."""

    pk: int
    name: str
    staff_no: str
    role: str
    department_id: int
    department_kind: str

    def __str__(self) -> str:
        return f"{self.name}（{self.staff_no}）"


@dataclass(frozen=True)
class Caller:
    """A resident who calls: their unit and first phone number."""

    resident_id: int
    name: str
    phone: str
    unit_id: int
    unit_label: str


@dataclass
class EstateWorld:
    """One generated estate: its directory, its people by role, and its recent cases (for repeat calls)."""

    estate: Estate
    departments: dict[str, Department]
    people: dict[str, list[Person]]
    callers: list[Caller]
    areas: dict[str, list[tuple[int, str]]]
    recent: deque[tuple[int, str, datetime, datetime, Caller | None, str]] = field(
        default_factory=lambda: deque(maxlen=300)
    )
    counters: Counter[date] = field(default_factory=Counter)

    def dept_str(self, kind: str) -> str:
        """Return a department as str(Department) names it (the handover event's "to")."""
        return f"{self.estate.name} {self.departments[kind].name}"


@dataclass
class CaseRun:
    """A case while its life is written: its row, the current holder and its open deadlines."""

    case: Any  # rows are plain records (see Generator.new) with the model's attribute names
    world: EstateWorld
    holder: Person
    responsibility: Any
    deadlines: list[Any] = field(default_factory=list)
    visits: list[Any] = field(default_factory=list)
    orders: list[Any] = field(default_factory=list)
    events: int = 0


def _pick(rng: random.Random, weighted: list[tuple[Any, int]]) -> Any:
    """Return one value, drawn with the given weights."""
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


def _lognormal(rng: random.Random, median_hours: float, sigma: float) -> timedelta:
    """Return a duration with the given median: most things are quick, a few take very long."""
    return timedelta(hours=median_hours * math.exp(rng.gauss(0, sigma)))


# ---------------------------------------------------------------- the generator


class Generator:
    """Writes estates and their history in batches; every random draw comes from one seeded Random."""

    ROW_MODELS: tuple[type[models.Model], ...] = (
        Contact,
        Case,
        Handover,
        Responsibility,
        CaseEvent,
        Deadline,
        ReturnVisit,
        ReturnVisitAttempt,
        WorkOrder,
        WorkOrderTechnician,
        Escalation,
    )

    def __init__(
        self,
        *,
        seed: int,
        until: datetime,
        years: float,
        contacts_per_year: int,
        households: int,
        batch: int,
        password: str | None,
        code_prefix: str,
        log: Callable[[str], None],
    ) -> None:
        self.rng = random.Random(seed)
        self.names = _Names(self.rng)
        self.until = until
        self.start = until - timedelta(days=365 * years)
        self.contacts_per_year = contacts_per_year
        year = [date(2025, 1, 1) + timedelta(days=n) for n in range(365)]
        self.per_factor = contacts_per_year / sum(self.day_factor(d) for d in year)
        self.households = households
        self.batch = batch
        self.code_prefix = code_prefix
        self.log = log
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.password_hash = UNUSABLE_PASSWORD
        if password:
            from django.contrib.auth.hashers import make_password

            self.password_hash = make_password(password)  # hashed once: the same for every account
        self.next_id = {m: (m._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1 for m in self.ROW_MODELS}
        self.rows: dict[type[models.Model], list[Any]] = {m: [] for m in self.ROW_MODELS}
        self.defaults = {m: _defaults(m) for m in self.ROW_MODELS}
        self.counter_rows: list[CaseCounter] = []
        self.pending_cases = 0
        self.counts: Counter[str] = Counter()
        self.policies = list(DeadlinePolicy.objects.filter(active=True).order_by("pk"))
        self.policy_cache: dict[tuple[str, str, str, str, str], DeadlinePolicy | None] = {}
        self.segments: dict[str, str] = {}
        with translation.override(settings.LANGUAGE_CODE):
            self.category_label = {c.value: str(c.label) for c in Category}
        self.calendar: BusinessCalendar | None = None
        self.deputy_gm: Person | None = None
        self.started = time.monotonic()

    # ------------------------------------------------------------ helpers

    def take_id(self, model: type[models.Model]) -> int:
        """Return the next primary key of the model's table."""
        pk = self.next_id[model]
        self.next_id[model] = pk + 1
        return pk

    def new(self, model: type[models.Model], **values: Any) -> Any:
        """Return a new row of the model, queued for the next batch (a plain record: a model instance costs 35 µs)."""
        row = SimpleNamespace(**self.defaults[model])
        row.__dict__.update(values)
        self.rows[model].append(row)
        return row

    def segment(self, text: str) -> str:
        """Return the jieba words of a text, cut once per distinct text (templates repeat endlessly)."""
        words = self.segments.get(text)
        if words is None:
            words = segment_for_index(text)
            if len(self.segments) < 200_000:  # names and labels repeat too; case numbers never do
                self.segments[text] = words
        return words

    def search_text(self, *texts: str) -> str:
        """Return what ``refresh_search_text`` would store: each text's words, in order, space-separated."""
        return " ".join(w for w in (self.segment(t) for t in texts if t) if w)

    def policy(self, kind: str, case: Any, remit: str) -> DeadlinePolicy | None:
        """Return the policy ``sla.deadlines.match_policy`` would choose, without a query per case."""
        key = (kind, case.category, case.severity, case.repair_type, remit)
        if key not in self.policy_cache:
            fitting = [
                p
                for p in self.policies
                if p.kind == kind
                and p.category in ("", case.category)
                and p.severity in ("", case.severity)
                and p.repair_type in ("", case.repair_type)
                and p.remit in ("", remit)
            ]
            fitting.sort(key=lambda p: (-p.specificity(), p.pk))
            self.policy_cache[key] = fitting[0] if fitting else None
        return self.policy_cache[key]

    def aware(self, day: date, minutes: float) -> datetime:
        """Return the moment ``minutes`` after local midnight of ``day`` (stored in UTC, as Django does)."""
        local = datetime.combine(day, clock(0), self.tz) + timedelta(minutes=minutes)
        return local.astimezone(ZoneInfo("UTC"))

    # ------------------------------------------------------------ the directory

    def estate_codes(self, count: int) -> list[str]:
        """Return the next free codes GEN001, GEN002… (a second run adds estates beside the first)."""
        taken = Estate.objects.filter(code__startswith=self.code_prefix).values_list("code", flat=True)
        last = max(
            (int(c[len(self.code_prefix) :]) for c in taken if c[len(self.code_prefix) :].isdigit()),
            default=0,
        )
        width = max(3, len(str(last + count)))
        codes = [f"{self.code_prefix}{n:0{width}d}" for n in range(last + 1, last + count + 1)]
        if any(len(c) > 12 for c in codes):
            raise CommandError("estate codes would be longer than 12 characters: use a shorter --code-prefix")
        return codes

    @transaction.atomic
    def build_company(self, estates: int) -> list[EstateWorld]:
        """Create a company and its estates with buildings, units, residents, phones and staff."""
        rng = self.rng
        codes = self.estate_codes(estates)
        company, _created = Company.objects.get_or_create(
            name=f"{rng.choice(ESTATE_NAMES_A)}物业服务有限公司（{codes[0]}）",
            defaults={"service_phone": f"0571-8{rng.randrange(10**6, 10**7)}"},
        )
        worlds = []
        for code in codes:
            worlds.append(self.build_estate(company, code))
            self.log(
                f"  {code}: {len(worlds[-1].callers):,} residents, {sum(map(len, worlds[-1].people.values()))} staff"
            )
        # Generated estates keep the default working hours; their company's own days still count.
        self.calendar = BusinessCalendar.for_estate(worlds[0].estate)
        # Somebody sees the whole company (主管副总经理), as in every real deployment.
        self.deputy_gm = self.make_staff(company, [], None, "deputy_gm", f"{codes[0]}GM", 1)[0]
        return worlds

    def build_estate(self, company: Company, code: str) -> EstateWorld:
        """Create one estate: departments, buildings and units, public areas, residents, staff."""
        rng = self.rng
        estate = Estate.objects.create(
            company=company,
            code=code,
            name=f"{rng.choice(ESTATE_NAMES_A)}{rng.choice(ESTATE_NAMES_B)}（{code}）",
            address=f"杭州市{rng.choice(STREETS)}{rng.randrange(1, 800)}号",
        )
        departments = {d.kind: d for d in create_departments(estate)}
        buildings = max(1, round(self.households / FLATS_PER_BUILDING))
        units = _estate_units(estate, [(str(n), 25, 2, 2) for n in range(1, buildings + 1)], rng)
        # Units are handed over before the first generated contact, whatever --years says.
        Unit.objects.filter(building__estate=estate).update(
            handover_date=(self.start - timedelta(days=90)).date()
        )
        _public_areas(estate)
        _residents(estate, units, self.names)
        people: dict[str, list[Person]] = {}
        for role, dept_kind, count in STAFF_PLAN:
            people[role] = self.make_staff(company, [estate], departments[dept_kind], role, code, count)
        heads = {"service": "cs_supervisor", "office": "office_director", "engineering": "technician"}
        heads |= {"security": "security", "environment": "cleaning", "finance": "finance_clerk"}
        for dept_kind, role in heads.items():
            Department.objects.filter(pk=departments[dept_kind].pk).update(head_id=people[role][0].pk)
        return EstateWorld(
            estate=estate,
            departments=departments,
            people=people,
            callers=self.callers(estate),
            areas=self.areas(estate),
        )

    def make_staff(
        self,
        company: Company,
        estates: list[Estate],
        department: Department | None,
        role: str,
        code: str,
        count: int,
    ) -> list[Person]:
        """Create ``count`` accounts with one role in bulk (create_staff hashes a password per person)."""
        start = Staff.objects.filter(staff_no__startswith=code).count()
        users = []
        for i in range(count):
            name = self.names.person()
            users.append(
                User(
                    username=f"{code.lower()}_{role}{start + i + 1}",
                    first_name=name,
                    password=self.password_hash,
                    email=f"{code.lower()}.{role}{start + i + 1}@example.invalid",
                )
            )
        users = User.objects.bulk_create(users)
        staff = Staff.objects.bulk_create(
            [
                Staff(
                    user=u,
                    company=company,
                    staff_no=f"{code}{start + i + 1:03d}",
                    name=u.first_name,
                    phone=self.names.mobile(),
                    department=department,
                )
                for i, u in enumerate(users)
            ]
        )
        StaffRole.objects.bulk_create([StaffRole(staff=s, role=role) for s in staff])
        Staff.estates.through.objects.bulk_create(
            [Staff.estates.through(staff_id=s.pk, estate_id=e.pk) for s in staff for e in estates]
        )
        kind = department.kind if department else ""
        dept_id = department.pk if department else 0
        return [Person(s.pk, s.name, s.staff_no, role, dept_id, kind) for s in staff]

    def callers(self, estate: Estate) -> list[Caller]:
        """Return the estate's residents with a unit and their first phone number, in a fixed order."""
        phones: dict[int, str] = {}
        for resident_id, number in (
            ResidentPhone.objects.filter(resident__estate=estate)
            .order_by("pk")
            .values_list("resident_id", "number")
        ):
            phones.setdefault(resident_id, number)
        rows = (
            Occupancy.objects.filter(unit__building__estate=estate)
            .order_by("pk")
            .values_list(
                "resident_id",
                "resident__name",
                "unit_id",
                "unit__building__code",
                "unit__entrance",
                "unit__number",
            )
        )
        return [
            Caller(rid, name, phones.get(rid, ""), uid, f"{b}栋{e + '单元' if e else ''}{n}")
            for rid, name, uid, b, e, n in rows
        ]

    def areas(self, estate: Estate) -> dict[str, list[tuple[int, str]]]:
        """Return the estate's public areas (id, name) by kind."""
        found: dict[str, list[tuple[int, str]]] = {}
        for pk, kind, name in (
            PublicArea.objects.filter(estate=estate).order_by("pk").values_list("pk", "kind", "name")
        ):
            found.setdefault(kind, []).append((pk, name))
        return found

    # ------------------------------------------------------------ contacts, day by day

    @staticmethod
    def day_factor(day: date) -> float:
        """Return how busy the day is: quieter at weekends and at Spring Festival, more leaks in summer."""
        factor = 0.8 if day.weekday() >= 5 else 1.0
        if day.month in (6, 7, 8):
            factor *= 1.15
        if day.month == 2 and day.day <= 15:
            factor *= 0.7
        return factor

    def day_volume(self, day: date) -> float:
        """Return the expected contacts of one estate on the day (a year adds up to --contacts-per-year)."""
        return self.per_factor * self.day_factor(day)

    def run(self, worlds: list[EstateWorld]) -> None:
        """Write every day from the start to ``until``, all estates together so ids follow time."""
        rng = self.rng
        categories = list(CATEGORY_MIX.items())
        day = timezone.localtime(self.start, self.tz).date()
        last_day = timezone.localtime(self.until, self.tz).date()
        while day <= last_day:
            todays: list[tuple[datetime, int, str]] = []
            for index in range(len(worlds)):
                mean = self.day_volume(day)
                n = max(0, round(rng.gauss(mean, math.sqrt(mean))))
                for _ in range(n):
                    # Most calls in office hours, some in the evening, a few at night (the night-duty log).
                    part = rng.random()
                    if part < 0.75:
                        minutes = rng.uniform(8 * 60, 18 * 60)
                    elif part < 0.95:
                        minutes = rng.uniform(18 * 60, 22 * 60)
                    else:
                        minutes = rng.uniform(0, 8 * 60)
                    at = self.aware(day, minutes)
                    if self.start <= at <= self.until:
                        todays.append((at, index, _pick(rng, categories)))
            todays.sort(key=lambda item: (item[0], item[1]))
            for at, index, category in todays:
                self.contact(worlds[index], at, category)
            for world in worlds:
                if world.counters[day]:
                    self.counter_rows.append(
                        CaseCounter(estate=world.estate, day=day, last=world.counters.pop(day))
                    )
            if self.pending_cases >= self.batch:
                self.flush(day)
            day += timedelta(days=1)
        self.flush(last_day)

    def contact(self, world: EstateWorld, at: datetime, category: str) -> None:
        """Write one contact: answered on the spot, a call about an open repair, or a new case."""
        rng = self.rng
        self.counts[f"contacts_{category}"] += 1
        repair = category in (Category.PUBLIC_REPAIR, Category.HOUSEHOLD_REPAIR)
        if repair and rng.random() < REPEAT_SHARE and self.repeat_call(world, at, category):
            return
        channel = _pick(rng, CHANNELS)
        if channel == "patrol" and category != Category.PUBLIC_REPAIR:
            channel = "phone"
        desk = self.receiver(world, channel)
        caller = rng.choice(world.callers) if world.callers and channel != "patrol" else None
        contact = self.new(
            Contact,
            id=self.take_id(Contact),
            estate_id=world.estate.pk,
            channel=channel,
            received_at=at,
            registered_by_id=desk.pk,
            registered_at=at + timedelta(minutes=rng.uniform(0.5, 3)),
            caller_name=caller.name if caller else "",
            caller_phone=caller.phone if caller else "",
            resident_id=caller.resident_id if caller else None,
            category=category,
        )
        if rng.random() < ON_SPOT[Category(category)]:
            content, answer = rng.choice(self.templates(category))
            contact.content = content
            contact.answered_on_spot = True
            contact.answer = ANSWERS_ON_SPOT.get(Category(category), answer)
            self.counts["answered_on_spot"] += 1
            return
        self.open_case(world, contact, desk, caller)

    def receiver(self, world: EstateWorld, channel: str) -> Person:
        """Return who registers the contact: the front desk mostly, a technician on patrol, security at night."""
        rng = self.rng
        if channel == "patrol":
            return rng.choice(world.people["technician"])
        if channel == "night_log":
            return rng.choice(world.people["security"])
        if rng.random() < 0.85:
            return rng.choice(world.people["front_desk"] + world.people["cs_assistant"])
        return rng.choice(
            [p for role in ("cs_supervisor", "finance_clerk", "technician") for p in world.people[role]]
        )

    def templates(self, category: str) -> list[tuple[str, str]]:
        """Return the (content, answer or resolution) texts of a category."""
        return {
            Category.CONSULTATION: CONSULTATIONS,
            Category.SUGGESTION: SUGGESTIONS,
            Category.PRAISE: PRAISES,
            Category.OTHER_SERVICE: OTHER_SERVICES,
            Category.HOUSEHOLD_REPAIR: HOUSEHOLD_REPAIRS,
            **DESK_BUSINESS,
        }.get(Category(category), [])

    def repeat_call(self, world: EstateWorld, at: datetime, category: str) -> bool:
        """Record a call chasing a repair still open at that moment (counted, the case keeps its holder)."""
        rng = self.rng
        while world.recent and world.recent[0][2] < at - timedelta(days=14):
            world.recent.popleft()
        candidates = [r for r in world.recent if r[1] == category and r[2] < at < r[3]]
        if not candidates:
            return False
        case_id, _cat, _start, _end, caller, summary = rng.choice(candidates[-20:])
        desk = rng.choice(world.people["front_desk"] + world.people["cs_assistant"])
        text = f"再次来电催促：{summary}"
        (
            self.new(
                Contact,
                id=self.take_id(Contact),
                estate_id=world.estate.pk,
                channel="phone",
                received_at=at,
                registered_by_id=desk.pk,
                registered_at=at,
                caller_name=caller.name if caller else "",
                caller_phone=caller.phone if caller else "",
                resident_id=caller.resident_id if caller else None,
                unit_id=caller.unit_id if caller and category == Category.HOUSEHOLD_REPAIR else None,
                category=category,
                content=text,
                case_id=case_id,
            )
        )
        (
            self.new(
                CaseEvent,
                id=self.take_id(CaseEvent),
                case_id=case_id,
                at=at,
                actor_id=desk.pk,
                kind=K.CONTACT,
                text=text,
                data={"channel": "phone", "visit_count": 0},
            )
        )
        self.counts["repeat_calls"] += 1
        return True

    # ------------------------------------------------------------ a case's life

    def open_case(self, world: EstateWorld, contact: Any, desk: Person, caller: Caller | None) -> None:
        """Open a case for the contact, as register_contact does, then live its life."""
        rng = self.rng
        category = contact.category
        estate = world.estate
        area: tuple[int, str] | None = None
        target_kind = ""
        if category == Category.HOUSEHOLD_REPAIR:
            content, resolution = rng.choice(HOUSEHOLD_REPAIRS)
            content += rng.choice(REPAIR_SUFFIXES)
            contact.preferred_time = rng.choice(["工作日晚上", "周六上午", "随时", "下午三点以后"])
        elif category == Category.PUBLIC_REPAIR:
            content, resolution, area_kind = rng.choice(PUBLIC_REPAIRS)
            content += rng.choice(REPAIR_SUFFIXES)
            fitting = world.areas.get(area_kind) or [a for found in world.areas.values() for a in found]
            area = rng.choice(fitting) if fitting else None
        elif category == Category.COMPLAINT:
            content, resolution, target_kind, party, incident, demand = rng.choice(COMPLAINTS)
            content += rng.choice(COMPLAINT_SUFFIXES)
            contact.severity = _pick(rng, SEVERITIES)
            contact.complained_party = party
            contact.complained_department_id = world.departments[target_kind].pk
            contact.incident = incident
            contact.demand = demand
        else:
            content, resolution = rng.choice(self.templates(category))
        contact.content = content
        household = category != Category.PUBLIC_REPAIR and caller is not None
        contact.unit_id = caller.unit_id if household and caller else None
        contact.public_area_id = area[0] if area else None
        day = timezone.localtime(contact.received_at, self.tz).date()
        world.counters[day] += 1
        created = contact.registered_at
        number = f"{estate.code}-{day:%Y%m%d}-{world.counters[day]:04d}"
        case = self.new(
            Case,
            id=self.take_id(Case),
            number=number,
            estate_id=estate.pk,
            origin_id=contact.id,
            category=category,
            severity=contact.severity,
            status=CaseStatus.OPEN,
            summary=content.replace("\n", " ")[:80],
            resident_id=contact.resident_id,
            unit_id=contact.unit_id,
            public_area_id=contact.public_area_id,
            first_contact_id=desk.pk,
            accountable_id=desk.pk,
            department_id=desk.department_id,
            visit_count=1 if contact.channel == "visit" else 0,
            repair_type=classify_repair(content)
            if category in (Category.PUBLIC_REPAIR, Category.HOUSEHOLD_REPAIR)
            else "",
            created_at=created,
            updated_at=created,
        )
        contact.case_id = case.id
        first = self.new(
            Responsibility,
            id=self.take_id(Responsibility),
            case_id=case.id,
            holder_id=desk.pk,
            started_at=created,
            via=Responsibility.Via.REGISTERED,
        )
        run = CaseRun(case=case, world=world, holder=desk, responsibility=first)
        self.event(run, created, desk, K.REGISTERED, content, channel=contact.channel, number=number)
        self.open_deadline(run, DeadlineKind.FIRST_ANSWER, created)
        self.open_deadline(run, DeadlineKind.RESOLUTION, created)
        self.pending_cases += 1
        self.live(run, desk, resolution, target_kind)
        self.finish(run, contact, caller, area)

    def live(self, run: CaseRun, desk: Person, resolution: str, target_kind: str) -> None:
        """Take the case through the steps its kind goes through, stopping at ``until``."""
        rng = self.rng
        case = run.case
        world = run.world
        t = case.created_at
        supervisor = world.people["cs_supervisor"][0]
        if rng.random() < 0.005:  # registered twice by mistake: the supervisor voids the copy
            t += timedelta(minutes=rng.uniform(5, 120))
            if t <= self.until:
                self.terminate(run, t, supervisor, CaseStatus.VOID, "重复登记")
            return
        repair = case.category in (Category.PUBLIC_REPAIR, Category.HOUSEHOLD_REPAIR)
        handler = self.handler(world, case, desk, target_kind)
        if handler.pk != desk.pk:
            to_department = repair and rng.random() < 0.3  # to the engineering department, anybody may accept
            t = self.hand_over(run, t, handler, to_department)
            if t > self.until:
                return
        if repair and run.holder.role == "technician":
            self.open_work_order(run, t, desk)
        t += self.work_time(case)
        if t > self.until:
            return
        declinable = case.category in (Category.COMPLAINT, Category.SUGGESTION, Category.OTHER_SERVICE)
        if declinable and rng.random() < 0.03:
            self.terminate(
                run,
                t,
                run.holder,
                CaseStatus.DECLINED,
                "不属于物业服务范围，已耐心解释并建议通过其他途径解决",
            )
            return
        self.resolve(run, t, resolution)
        if case.category in RETURN_VISIT_CATEGORIES:
            self.visits_and_rework(run, t, desk, supervisor)

    def visits_and_rework(self, run: CaseRun, t: datetime, desk: Person, supervisor: Person) -> None:
        """Visit back after the resolution; an unsatisfied resident gets the work done again (twice at most)."""
        rng = self.rng
        for round_no in (1, 2):
            visited = self.visit_back(run, t, round_no, desk, supervisor)
            if visited is None or run.case.status != CaseStatus.OPEN:
                return
            if run.orders:  # the service desk sends the technician back with a rework order
                self.open_work_order(run, visited + timedelta(minutes=rng.uniform(5, 60)), desk)
            t = visited + _lognormal(rng, 24, 0.8)  # reworked after an unsatisfied visit
            if t > self.until:
                return
            self.resolve(run, t, "已返工处理，住户确认")

    def handler(self, world: EstateWorld, case: Any, desk: Person, target_kind: str) -> Person:
        """Who handles the case: a technician for a repair, most complaints the department concerned,
        half the suggestions the office director; the rest stay with the desk."""
        rng = self.rng
        if case.category in (Category.PUBLIC_REPAIR, Category.HOUSEHOLD_REPAIR):
            return rng.choice(world.people["technician"])
        if case.category == Category.COMPLAINT and rng.random() < 0.8:
            role = {
                "service": "cs_supervisor",
                "security": "security",
                "environment": "cleaning",
                "engineering": "technician",
                "finance": "finance_clerk",
            }[target_kind]
            return rng.choice(world.people[role])
        if case.category == Category.SUGGESTION and rng.random() < 0.5:
            return world.people["office_director"][0]
        return desk

    def work_time(self, case: Any) -> timedelta:
        """How long the handler takes to resolve it: repairs and complaints take longest."""
        if case.category in (Category.PUBLIC_REPAIR, Category.HOUSEHOLD_REPAIR):
            return _lognormal(self.rng, 18, 1.1)
        if case.category == Category.COMPLAINT:
            return _lognormal(self.rng, 30, 0.9)
        return _lognormal(self.rng, 3, 1.0)

    def hand_over(self, run: CaseRun, t: datetime, handler: Person, to_department: bool) -> datetime:
        """Hand over, and (if time allows) have it accepted — or once in a while returned and handed again."""
        rng = self.rng
        for attempt in range(2):
            t += timedelta(minutes=rng.uniform(1, 15))
            if t > self.until:
                return t
            handover = self.new(
                Handover,
                id=self.take_id(Handover),
                case_id=run.case.id,
                from_staff_id=run.holder.pk,
                to_department_id=handler.department_id if to_department else None,
                to_staff_id=None if to_department else handler.pk,
                note=rng.choice(
                    ["请上门处理，住户在家", "请安排处理", "请跟进并答复住户", "住户着急，请尽快"]
                ),
                created_at=t,
            )
            receiver = run.world.dept_str(handler.department_kind) if to_department else str(handler)
            self.event(run, t, run.holder, K.HANDOVER, handover.note, handover=handover.id, to=receiver)
            self.open_deadline(run, DeadlineKind.HANDOVER_ACCEPT, t, handover_id=handover.id)
            t += _lognormal(rng, 0.4, 1.0)
            if t > self.until:
                return t  # still pending: the giver stays accountable
            handover.decided_at = t
            handover.decided_by_id = handler.pk
            self.meet(run, t, [DeadlineKind.HANDOVER_ACCEPT], handover_id=handover.id)
            if attempt == 0 and rng.random() < 0.04:
                handover.status = HandoverStatus.RETURNED
                handover.reason = "属于开发商保修范围，请先联系开发商"
                self.event(run, t, handler, K.HANDOVER_RETURNED, handover.reason, handover=handover.id)
                # The giver, still accountable, hands it to a colleague of the one who sent it back.
                others = [p for p in run.world.people[handler.role] if p.pk != handler.pk]
                handler = rng.choice(others) if others else handler
                continue
            handover.status = HandoverStatus.ACCEPTED
            self.give_to(run, t, handler, handover)
            self.event(run, t, handler, K.HANDOVER_ACCEPTED, handover.note, handover=handover.id)
            return t
        return t

    def give_to(self, run: CaseRun, t: datetime, holder: Person, handover: Any) -> None:
        """Make ``holder`` the one accountable person: end the current link, start a new one."""
        run.responsibility.ended_at = t
        run.responsibility = self.new(
            Responsibility,
            id=self.take_id(Responsibility),
            case_id=run.case.id,
            holder_id=holder.pk,
            started_at=t,
            via=Responsibility.Via.HANDOVER,
            handover_id=handover.id,
            note=handover.note,
        )
        run.holder = holder
        run.case.accountable_id = holder.pk
        run.case.department_id = holder.department_id

    def open_work_order(self, run: CaseRun, t: datetime, desk: Person) -> None:
        """Send the technician a work order (a rework order after an unsatisfied visit), accepted at once."""
        if t > self.until:
            return
        rng = self.rng
        case = run.case
        before = run.orders[-1] if run.orders else None
        order = self.new(
            WorkOrder,
            id=self.take_id(WorkOrder),
            number=f"{case.number}-W{len(run.orders) + 1}",
            case_id=case.id,
            kind=OrderKind.REWORK if before is not None else OrderKind.REPAIR,
            rework_of_id=before.id if before is not None else None,
            trade=before.trade if before is not None else _pick(rng, TRADES[case.category]),
            state="accepted",
            description=case.summary,
            created_by_id=desk.pk,
            created_at=t,
            updated_at=t,
            accepted_at=t,
        )
        self.new(
            WorkOrderTechnician,
            id=self.take_id(WorkOrderTechnician),
            work_order_id=order.id,
            staff_id=run.holder.pk,
            position=0,
            assigned_at=t,
        )
        # As workorders.timeline.event writes them: the order's number and step.
        self.event(run, t, desk, K.WORK_ORDER, f"{order.number} 开单", work_order=order.number, step="create")
        run.orders.append(order)

    def finish_work_order(self, run: CaseRun, t: datetime) -> None:
        """The technician finishes the open order; a household resident rates it when signing."""
        order = run.orders[-1] if run.orders else None
        if order is None or order.state != "accepted":
            return
        rng = self.rng
        arrived = order.accepted_at + (t - order.accepted_at) * rng.uniform(0.1, 0.5)
        order.on_way_at = order.arrived_at = order.diagnosed_at = arrived
        order.state = "done"
        order.done_at = order.updated_at = t
        order.plan = run.case.resolution
        holder = run.holder
        self.event(
            run,
            t,
            holder,
            K.WORK_ORDER,
            f"{order.number} 完工：{order.plan}",
            work_order=order.number,
            step="complete",
        )
        if run.case.category == Category.HOUSEHOLD_REPAIR:
            order.resident_rating = _pick(rng, RATINGS)
            order.signature_refused_reason = "住户口头确认，未留签字"
            order.signed_at = t

    def resolve(self, run: CaseRun, t: datetime, resolution: str) -> None:
        """Record the result: repairs and complaints wait for a return visit, the rest are closed."""
        case = run.case
        case.resolution = resolution
        case.resolved_at = t
        self.finish_work_order(run, t)
        self.event(run, t, run.holder, K.RESOLVED, resolution)
        self.meet(run, t, [DeadlineKind.FIRST_ANSWER, DeadlineKind.RESOLUTION])
        if case.category in RETURN_VISIT_CATEGORIES:
            case.status = CaseStatus.RESOLVED
            due = self.open_deadline(run, DeadlineKind.RETURN_VISIT, t)
            visit = self.new(
                ReturnVisit,
                id=self.take_id(ReturnVisit),
                case_id=case.id,
                round=len(run.visits) + 1,
                created_at=t,
                due_at=due.due_at if due is not None and due.due_at else default_due(t),
            )
            run.visits.append(visit)
        else:
            self.close(run, t, run.holder, "")

    def visit_back(
        self, run: CaseRun, t: datetime, round_no: int, desk: Person, supervisor: Person
    ) -> datetime | None:
        """Call the resident back: unanswered calls, then a result that closes or reopens the case."""
        rng = self.rng
        visit = run.visits[-1]
        visitor = desk if desk.role == "front_desk" else rng.choice(run.world.people["front_desk"])
        for attempt in range(1, _pick(rng, FAILED_CALLS) + 1):
            t += timedelta(hours=rng.uniform(1, 20))
            if t > self.until:
                return None
            outcome = rng.choice(["no_answer", "no_answer", "asked_later", "no_answer"])
            (
                self.new(
                    ReturnVisitAttempt,
                    id=self.take_id(ReturnVisitAttempt),
                    visit_id=visit.id,
                    at=t,
                    by_id=visitor.pk,
                    outcome=outcome,
                )
            )
            visit.attempts = attempt
            visit.last_attempt_at = t
            label = "无人接听" if outcome == "no_answer" else "住户要求稍后"
            self.event(
                run,
                t,
                visitor,
                K.RETURN_VISIT_FAILED,
                f"第{visit.round}次回访未接通（第{attempt}次尝试）：{label}",
                visit=visit.id,
                round=visit.round,
                outcome=outcome,
                attempts=attempt,
            )
        if visit.attempts >= 3 and rng.random() < 0.5:
            t += timedelta(hours=rng.uniform(2, 30))
            if t > self.until:
                return None
            visit.status = "cancelled"
            self.close(
                run,
                t,
                supervisor,
                "连续三次电话回访无人接听，已留言，主管确认办结",
                without_return_visit=True,
            )
            return t
        t += _lognormal(rng, 20, 0.8)
        if t > self.until:
            return None
        mix = [(k, w) for k, w in SATISFACTION if round_no == 1 or k != "unsatisfied"]
        satisfaction = _pick(rng, mix)
        channel = "phone" if rng.random() < 0.8 else "in_person"
        visit.status = "done"
        visit.visitor_id = visitor.pk
        visit.visited_at = t
        visit.channel = channel
        visit.satisfaction = satisfaction
        comments = rng.choice(UNSATISFIED_WORDS) if satisfaction == "unsatisfied" else ""
        visit.comments = comments
        how = "电话" if channel == "phone" else "上门"
        summary = f"第{visit.round}次{how}回访：{SATISFACTION_LABEL.get(satisfaction, '不满意')}"
        self.event(
            run,
            t,
            visitor,
            K.RETURN_VISIT,
            f"{summary}。{comments}" if comments else summary,
            visit=visit.id,
            round=visit.round,
            channel=channel,
            satisfaction=satisfaction,
        )
        if satisfaction != "unsatisfied":
            self.close(run, t, visitor, f"回访{SATISFACTION_LABEL[satisfaction]}，办结。", return_visit=True)
            return t
        run.case.status = CaseStatus.OPEN
        run.case.resolved_at = None
        self.event(run, t, visitor, K.REOPENED, f"回访不满意：{comments}", return_visit=True)
        self.cancel(run, [DeadlineKind.RETURN_VISIT])
        self.open_deadline(run, DeadlineKind.RESOLUTION, t)
        return t

    def close(self, run: CaseRun, t: datetime, actor: Person, note: str, **data: object) -> None:
        """Close the case: nobody is accountable any more, its deadlines are met."""
        case = run.case
        case.status = CaseStatus.CLOSED
        case.closed_at = t
        self.end_responsibility(run, t)
        self.event(run, t, actor, K.CLOSED, note, **data)
        self.meet(run, t, [k.value for k in DeadlineKind])

    def terminate(self, run: CaseRun, t: datetime, actor: Person, status: str, reason: str) -> None:
        """Decline or void the case: the reason is kept, nobody is accountable any more."""
        case = run.case
        case.status = status
        case.status_reason = reason
        case.closed_at = t
        self.end_responsibility(run, t)
        if status == CaseStatus.DECLINED:
            self.event(run, t, actor, K.DECLINED, reason)
            self.meet(run, t, [DeadlineKind.FIRST_ANSWER, DeadlineKind.RESOLUTION])
        else:
            self.event(run, t, actor, K.VOIDED, reason)
        self.cancel(run, None)

    def end_responsibility(self, run: CaseRun, t: datetime) -> None:
        """End the current link of the chain."""
        run.responsibility.ended_at = t
        run.case.accountable_id = None

    def event(self, run: CaseRun, t: datetime, actor: Person, kind: str, text: str, **data: object) -> None:
        """Append to the case's timeline."""
        run.events += 1
        run.case.updated_at = t
        (
            self.new(
                CaseEvent,
                id=self.take_id(CaseEvent),
                case_id=run.case.id,
                at=t,
                actor_id=actor.pk,
                kind=kind,
                text=text,
                data=data,
            )
        )

    # ------------------------------------------------------------ deadlines (as sla.services would keep them)

    def open_deadline(self, run: CaseRun, kind: str, t: datetime, handover_id: int | None = None) -> Any:
        """Start a deadline if a policy applies (sla.deadlines.open_deadline without queries)."""
        case = run.case
        remit = Remit.OWN if run.holder.department_kind in ("", "service") else Remit.OTHER
        policy = self.policy(kind, case, remit)
        if policy is None:
            return None
        if handover_id is None and any(
            d.kind == kind and d.state == DeadlineState.RUNNING for d in run.deadlines
        ):
            return None
        assert self.calendar is not None
        due, near, final = compute(policy, self.calendar, t, [])
        deadline = self.new(
            Deadline,
            id=self.take_id(Deadline),
            case_id=case.id,
            kind=kind,
            policy_id=policy.pk,
            handover_id=handover_id,
            started_at=t,
            due_at=due,
            near_at=near,
            final_at=final,
            # The first sweep after generating brings the escalation ladder up to date, as the worker would.
            next_check_at=min(near, due, final),
            state=DeadlineState.RUNNING,
            level=0,
        )
        run.deadlines.append(deadline)
        return deadline

    def meet(self, run: CaseRun, t: datetime, kinds: Iterable[str], handover_id: int | None = None) -> None:
        """Record running deadlines of these kinds as met at ``t``, early or late."""
        wanted = set(kinds)
        for d in run.deadlines:
            if d.state != DeadlineState.RUNNING or d.kind not in wanted:
                continue
            if handover_id is not None and d.handover_id != handover_id:
                continue
            d.state = DeadlineState.MET
            d.met_at = t
            d.level = level_at(d, t)  # what the sweep had reached by then
            assert d.due_at is not None
            d.margin_seconds = int((d.due_at - t).total_seconds())
            d.next_check_at = None
            self.escalations(run, d, t)

    def escalations(self, run: CaseRun, d: Any, t: datetime) -> None:
        """The ladder steps the sweep took while the deadline was late, handled when it was met."""
        if d.level < 2:
            return
        policy = next((p for p in self.policies if p.pk == d.policy_id), None)
        steps = [(2, d.due_at, policy.overdue_to if policy else Level.SUPERVISOR)]
        if d.level >= 3:
            steps.append((3, d.final_at, policy.final_to if policy else Level.OFFICE_DIRECTOR))
        for level, at, to in steps:
            target = self.escalation_target(run, to)
            self.new(
                Escalation,
                id=self.take_id(Escalation),
                deadline_id=d.id,
                case_id=run.case.id,
                level=level,
                target_id=target.pk,
                at=at,
                handled_at=t,
            )

    def escalation_target(self, run: CaseRun, to: str) -> Person:
        people = run.world.people
        if to == Level.ACCOUNTABLE:
            return run.holder
        if to == Level.OFFICE_DIRECTOR:
            return people["office_director"][0]
        if to == Level.DEPUTY_GM and self.deputy_gm is not None:
            return self.deputy_gm
        return people["cs_supervisor"][0]

    def cancel(self, run: CaseRun, kinds: list[str] | None) -> None:
        """Stop running deadlines that no longer apply."""
        for d in run.deadlines:
            if d.state == DeadlineState.RUNNING and (kinds is None or d.kind in kinds):
                d.state = DeadlineState.CANCELLED
                d.next_check_at = None

    def finish(self, run: CaseRun, contact: Any, caller: Caller | None, area: tuple[int, str] | None) -> None:
        """Fill in what follows from the case's final state: search words, version, repeat-call window."""
        case = run.case
        case.version = run.events
        case.search_text = self.search_text(
            # The number's parts are cut apart at the dashes anyway; cached, they cost nothing.
            *case.number.split("-"),
            case.summary,
            contact.content,
            contact.caller_name,
            caller.unit_label if caller and case.unit_id else "",
            area[1] if area else "",
            contact.location,
            contact.incident,
            contact.demand,
            self.category_label[case.category],
            case.resolution,  # last, as in refresh_search_text: resolving again re-cuts only it
        )
        self.counts[f"cases_{case.category}"] += 1
        self.counts[f"status_{case.status}"] += 1
        if case.category in (Category.PUBLIC_REPAIR, Category.HOUSEHOLD_REPAIR):
            end = case.resolved_at or case.closed_at or self.until
            run.world.recent.append((case.id, case.category, case.created_at, end, caller, case.summary))

    # ------------------------------------------------------------ writing

    def flush(self, day: date) -> None:
        """Insert the batch in one transaction (foreign keys are checked at commit) and forget it."""
        with transaction.atomic():
            for model in self.ROW_MODELS:
                rows = self.rows[model]
                if rows:
                    insert_rows(model, rows)
                    self.counts[model._meta.model_name or ""] += len(rows)
                    self.rows[model] = []
            CaseCounter.objects.bulk_create(self.counter_rows, batch_size=2000)
            self.counter_rows = []
            if connection.vendor == "postgresql":
                # Ids were given here: move the sequences past them so the application's own inserts fit.
                with connection.cursor() as cursor:
                    for sql in connection.ops.sequence_reset_sql(no_style(), list(self.ROW_MODELS)):
                        cursor.execute(sql)
        self.pending_cases = 0
        cases = self.counts["case"]
        seconds = time.monotonic() - self.started
        self.log(
            f"  up to {day}: {cases:,} cases, {self.counts['contact']:,} contacts "
            f"({seconds:,.0f} s, {cases / max(seconds, 0.001):,.0f} cases/s)"
        )


def _defaults(model: type[models.Model]) -> dict[str, Any]:
    """Return the model's column defaults; a field whose default is computed (now, dict) must be given."""
    return {
        f.attname: f.get_default()
        for f in model._meta.concrete_fields
        if not (f.has_default() and callable(f.default)) and not f.primary_key
    }


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """Return how a value of the field goes to the database, for the field types these rows use."""
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return lambda v: None if v is None else ops.adapt_datetimefield_value(v)
    if isinstance(field, models.DateField):
        return lambda v: None if v is None else ops.adapt_datefield_value(v)
    if isinstance(field, models.JSONField):
        return json.dumps  # what JSONField stores; PostgreSQL casts the text to jsonb
    return lambda v: v


def insert_rows(model: type[models.Model], rows: list[Any]) -> None:
    """INSERT the rows with one executemany, as bulk_create would but without its per-value machinery.

    bulk_create spent two thirds of the generator's time preparing values one field at a time;
    these tables hold only text, numbers, booleans, dates, datetimes and JSON, converted here the
    way Django converts them. Primary keys are set by the generator.
    """
    fields = list(model._meta.concrete_fields)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 - model metadata only
    convert = [(f.attname, _converter(f)) for f in fields]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 2000):
            cursor.executemany(
                sql,
                [tuple(c(getattr(row, name)) for name, c in convert) for row in rows[start : start + 2000]],
            )


class Command(BaseCommand):
    help = (
        "Generate realistic estates and years of contacts and cases in bulk "
        "(e.g. `shouwen generate --estates 5 --years 3 --seed 1`)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--estates", type=int, default=1, help="estates of ~2,000 households (default 1)")
        parser.add_argument(
            "--years", type=float, default=1.0, help="years of history up to --until (default 1)"
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--contacts-per-year",
            type=int,
            default=CONTACTS_PER_YEAR,
            help=f"contacts per estate and year (default {CONTACTS_PER_YEAR:,}, the seeds' volume)",
        )
        parser.add_argument("--households", type=int, default=2000, help="units per estate (default 2,000)")
        parser.add_argument("--until", help="end of the history, YYYY-MM-DD[THH:MM] local time (default now)")
        parser.add_argument("--batch", type=int, default=5000, help="cases per transaction (default 5,000)")
        parser.add_argument("--code-prefix", default="GEN", help="estate codes are PREFIX001, PREFIX002…")
        parser.add_argument(
            "--password", help="password of every generated account (default: none, accounts cannot sign in)"
        )
        parser.add_argument("--json", action="store_true", help="end with the counts as one JSON line")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["estates"] < 1 or options["years"] <= 0 or options["contacts_per_year"] < 1:
            raise CommandError("--estates, --years and --contacts-per-year must be positive")
        if not DeadlinePolicy.objects.exists():
            raise CommandError("no deadline policies: run `shouwen migrate` first")
        until = self.until(options["until"])
        quiet = options["verbosity"] == 0

        def log(line: str) -> None:
            if not quiet:
                self.stdout.write(line)
                self.stdout.flush()

        generator = Generator(
            seed=options["seed"],
            until=until,
            years=options["years"],
            contacts_per_year=options["contacts_per_year"],
            households=options["households"],
            batch=max(1, options["batch"]),
            password=options["password"],
            code_prefix=options["code_prefix"],
            log=log,
        )
        log(
            f"Generating {options['estates']} estate(s), {options['years']:g} year(s) up to {until:%Y-%m-%d %H:%M} …"
        )
        worlds = generator.build_company(options["estates"])
        generator.run(worlds)
        # Statistics for the tables as they are now: PostgreSQL's autovacuum would gather them soon anyway;
        # SQLite only has them where ANALYZE (or PRAGMA optimize) runs. Without them SQLite judges
        # "estate = 1" as selective as "accountable = 7" and may read an estate's whole history for a
        # queue (see docs/performance.md).
        with connection.cursor() as cursor:
            # VACUUM also marks the pages all-visible, as autovacuum would, so counts can read indexes only
            # (it cannot run inside a transaction, e.g. a test's).
            vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
            cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
        counts = dict(sorted(generator.counts.items()))
        counts["estates"] = len(worlds)
        seconds = time.monotonic() - generator.started
        c = generator.counts
        log(
            f"Done in {seconds:,.0f} s: {len(worlds)} estate(s), {c['contact']:,} contacts "
            f"({c['answered_on_spot']:,} answered on the spot, {c['repeat_calls']:,} repeat calls), "
            f"{c['case']:,} cases (open {c['status_open']:,}, resolved {c['status_resolved']:,}, "
            f"closed {c['status_closed']:,}, declined {c['status_declined']:,}, void {c['status_void']:,}), "
            f"{c['handover']:,} handovers, {c['responsibility']:,} responsibilities, {c['caseevent']:,} events, "
            f"{c['deadline']:,} deadlines, {c['returnvisit']:,} return visits, {c['workorder']:,} work orders, "
            f"{c['escalation']:,} escalations."
        )
        if options["json"]:
            self.stdout.write(json.dumps(counts, ensure_ascii=False, sort_keys=True))

    @staticmethod
    def until(raw: str | None) -> datetime:
        if not raw:
            return timezone.now().replace(second=0, microsecond=0)
        try:
            value = datetime.fromisoformat(raw)
        except ValueError as exc:
            raise CommandError(f"--until {raw!r} is not YYYY-MM-DD or YYYY-MM-DDTHH:MM") from exc
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value
