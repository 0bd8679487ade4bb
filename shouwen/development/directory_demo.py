"""Deterministic demo data: one company, two estates of about 1,000 units, 20 staff, residents."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from shouwen.directory.models import (
    Building,
    Company,
    Department,
    Estate,
    Occupancy,
    PublicArea,
    Resident,
    ResidentPhone,
    Unit,
)
from shouwen.directory.services import create_departments, create_staff

DEMO_PASSWORD = "shouwen2026"

# Common surnames, most frequent first (weights follow their rough share of the population).
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN_ONE = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚红玉华斌鹏辉健琳颖萍")
GIVEN_TWO = [
    "秀英",
    "秀兰",
    "桂英",
    "文华",
    "建国",
    "建华",
    "志强",
    "海燕",
    "晓东",
    "晓燕",
    "丹凤",
    "浩然",
    "子涵",
    "欣怡",
    "梓轩",
    "雨桐",
    "宇航",
    "思远",
    "佳怡",
    "俊杰",
    "一鸣",
    "晨曦",
    "嘉怡",
    "博文",
    "若曦",
    "浩宇",
    "雅婷",
    "天佑",
    "振华",
    "国庆",
    "淑珍",
    "美玲",
    "春梅",
    "秋菊",
    "德胜",
    "永刚",
    "红梅",
    "建军",
    "丽华",
    "玉兰",
    "志明",
    "建平",
    "海涛",
    "雪梅",
    "婷婷",
    "晓明",
    "立新",
    "卫东",
    "小红",
    "春华",
    "金凤",
    "明辉",
    "家豪",
    "诗涵",
    "子轩",
    "梦瑶",
    "国华",
    "长江",
    "桂兰",
    "凤英",
]
MOBILE_PREFIXES = [
    "138",
    "139",
    "135",
    "136",
    "137",
    "150",
    "151",
    "152",
    "158",
    "159",
    "186",
    "187",
    "188",
    "189",
    "133",
    "153",
    "177",
    "180",
    "181",
    "199",
    "182",
    "183",
    "157",
    "130",
    "131",
]
REGIONS = ["330106", "330105", "330102", "330108", "330110", "330381", "320102", "310115", "340104", "420106"]
COMPANIES = [
    "杭州云帆科技有限公司",
    "浙江瑞丰贸易有限公司",
    "杭州明德文化传播有限公司",
    "杭州嘉禾餐饮管理有限公司",
]


@dataclass(frozen=True)
class DemoStaff:
    """A demo sign-in: username, name, staff number, roles, estate codes, department kind."""

    username: str
    name: str
    staff_no: str
    roles: tuple[str, ...]
    estates: tuple[str, ...]
    department: str | None


DEMO_STAFF = (
    DemoStaff("admin", "系统管理员", "HQ000", ("admin",), (), None),
    DemoStaff("fuzong", "陈志远", "HQ001", ("deputy_gm",), (), None),
    DemoStaff("zhuren", "欧阳建国", "LJ100", ("office_director",), ("LJY",), "office"),
    DemoStaff("kfzg", "李强", "LJ101", ("cs_supervisor",), ("LJY",), "service"),
    DemoStaff("kefu", "张敏", "LJ102", ("cs_assistant",), ("LJY",), "service"),
    DemoStaff("qiantai", "王丽", "LJ103", ("front_desk",), ("LJY",), "service"),
    DemoStaff("qiantai2", "何晓燕", "LJ104", ("front_desk",), ("LJY",), "service"),
    DemoStaff("gczg", "黄国庆", "LJ110", ("technician",), ("LJY",), "engineering"),
    DemoStaff("jishu", "刘建华", "LJ111", ("technician",), ("LJY",), "engineering"),
    DemoStaff("jishu2", "马志强", "LJ112", ("technician",), ("LJY",), "engineering"),
    DemoStaff("baoan", "赵军", "LJ120", ("security",), ("LJY",), "security"),
    DemoStaff("baojie", "孙芳", "LJ130", ("cleaning",), ("LJY",), "environment"),
    DemoStaff("caiwu", "周红", "LJ140", ("finance_clerk",), ("LJY", "CHY"), "finance"),
    DemoStaff("zhuren2", "郑海涛", "CH100", ("office_director",), ("CHY",), "office"),
    DemoStaff("kfzg2", "林静", "CH101", ("cs_supervisor",), ("CHY",), "service"),
    DemoStaff("kefu2", "许婷", "CH102", ("cs_assistant", "front_desk"), ("CHY",), "service"),
    DemoStaff("qiantai3", "罗雪梅", "CH103", ("front_desk",), ("CHY",), "service"),
    DemoStaff("jishu3", "吴大勇", "CH111", ("technician",), ("CHY",), "engineering"),
    DemoStaff("baoan2", "郭春生", "CH120", ("security",), ("CHY",), "security"),
    DemoStaff("baojie2", "梁桂兰", "CH130", ("cleaning",), ("CHY",), "environment"),
)


class _Names:
    """Deterministic generator of names, phone numbers and ID numbers."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.phones: set[str] = set()

    def person(self) -> str:
        surname = self.rng.choice(SURNAMES[:40]) if self.rng.random() < 0.8 else self.rng.choice(SURNAMES)
        given = self.rng.choice(GIVEN_TWO) if self.rng.random() < 0.7 else self.rng.choice(GIVEN_ONE)
        return surname + given

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def id_number(self) -> str:
        birth = date(1950, 1, 1) + timedelta(days=self.rng.randrange(365 * 55))
        body = f"{self.rng.choice(REGIONS)}{birth:%Y%m%d}{self.rng.randrange(1000):03d}"
        weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
        return body + check


def _estate_units(estate: Estate, layout: list[tuple[str, int, int, int]], rng: random.Random) -> list[Unit]:
    """Create buildings (code, floors, entrances, flats per floor) and their units."""
    units: list[Unit] = []
    for code, floors, entrances, per_floor in layout:
        building = Building.objects.create(
            estate=estate, code=code, name=f"{code}栋", floors=floors, entrances=entrances
        )
        handover = date(2019, 6, 30) + timedelta(days=rng.randrange(0, 900))
        for entrance in range(1, max(entrances, 1) + 1):
            for floor in range(1, floors + 1):
                for flat in range(1, per_floor + 1):
                    units.append(
                        Unit(
                            building=building,
                            entrance=str(entrance) if entrances else "",
                            number=f"{floor}{flat:02d}",
                            floor=floor,
                            kind="residence",
                            area=Decimal(rng.choice(["89.50", "96.20", "120.35", "128.00", "143.60"])),
                            handover_date=handover,
                        )
                    )
    return Unit.objects.bulk_create(units, batch_size=500)


def _public_areas(estate: Estate) -> None:
    """Create lifts, lobbies and the estate's shared facilities."""
    areas = []
    for building in estate.buildings.all():
        areas.append(PublicArea(estate=estate, building=building, kind="lobby", name=f"{building.name}大堂"))
        for entrance in range(1, max(building.entrances, 1) + 1):
            suffix = f"{entrance}单元" if building.entrances else ""
            areas.append(
                PublicArea(
                    estate=estate,
                    building=building,
                    kind="lift",
                    name=f"{building.name}{suffix}电梯",
                    in_service_date=date(2019, 6, 30),
                )
            )
    for kind, name in [
        ("garage", "地下车库"),
        ("pump_room", "生活水泵房"),
        ("green", "中心花园"),
        ("gate", "南大门岗"),
        ("gate", "北大门岗"),
        ("road", "小区主干道"),
        ("lighting", "园区路灯"),
        ("pipes", "雨污水管网"),
    ]:
        areas.append(PublicArea(estate=estate, kind=kind, name=name, in_service_date=date(2019, 6, 30)))
    PublicArea.objects.bulk_create(areas)


def _residents(estate: Estate, units: list[Unit], names: _Names) -> None:
    """Give most units an owner, some a household member or a tenant, and phone numbers."""
    rng = names.rng
    plans: list[tuple[Resident, Unit, str, list[str]]] = []
    starts: dict[int, date | None] = {}
    for unit in units:
        if rng.random() < 0.08:
            continue  # unsold or vacant in custody
        start = unit.handover_date + timedelta(days=rng.randrange(0, 120)) if unit.handover_date else None
        starts[unit.pk] = start
        if rng.random() < 0.03:
            owner = Resident(estate=estate, kind="company", name=rng.choice(COMPANIES))
            plans.append((owner, unit, "company_owner", [names.mobile()]))
        else:
            owner = Resident(estate=estate, name=names.person(), id_number=names.id_number())
            phones = [names.mobile()] + ([names.mobile()] if rng.random() < 0.25 else [])
            plans.append((owner, unit, "owner", phones))
        if rng.random() < 0.3:
            member = Resident(estate=estate, name=names.person())
            plans.append((member, unit, "member", [names.mobile()]))
        if rng.random() < 0.1:
            tenant = Resident(
                estate=estate, name=names.person(), id_number=names.id_number(), notes="租期一年"
            )
            plans.append((tenant, unit, "tenant", [names.mobile()]))
    Resident.objects.bulk_create([p[0] for p in plans], batch_size=500)
    phone_rows = [
        ResidentPhone(resident=r, number=n, reversed_number=n[::-1], label="本人" if i == 0 else "备用")
        for r, _u, _role, numbers in plans
        for i, n in enumerate(numbers)
    ]
    ResidentPhone.objects.bulk_create(phone_rows, batch_size=1000)
    occupancies = [
        Occupancy(resident=r, unit=u, role=role, start_date=starts[u.pk]) for r, u, role, _n in plans
    ]
    Occupancy.objects.bulk_create(occupancies, batch_size=1000)


@transaction.atomic
def load_demo_data(seed: int = 2026) -> Company:
    """Create the demo company, its two estates, staff and residents (the same every time)."""
    rng = random.Random(seed)
    names = _Names(rng)
    company = Company.objects.create(name="安居物业服务有限公司", service_phone="0571-88886666")
    ljy = Estate.objects.create(
        company=company, code="LJY", name="丽景园", address="杭州市西湖区文三路 100 号"
    )
    chy = Estate.objects.create(
        company=company, code="CHY", name="翠湖苑", address="杭州市拱墅区湖墅南路 8 号"
    )
    estates = {"LJY": ljy, "CHY": chy}
    departments = {code: {d.kind: d for d in create_departments(e)} for code, e in estates.items()}
    # 丽景园: 10 high-rise buildings, 2 entrances, 25 floors, 2 flats per floor = 1,000 units.
    ljy_units = _estate_units(ljy, [(str(n), 25, 2, 2) for n in range(1, 11)], rng)
    # 翠湖苑: 14 mid-rise buildings, 3 entrances, 12 floors, 2 flats per floor = 1,008 units.
    chy_units = _estate_units(chy, [(str(n), 12, 3, 2) for n in range(1, 15)], rng)
    for estate in estates.values():
        _public_areas(estate)
    _residents(ljy, ljy_units, names)
    _residents(chy, chy_units, names)
    heads = {
        "kfzg": "service",
        "gczg": "engineering",
        "zhuren": "office",
        "kfzg2": "service",
        "zhuren2": "office",
    }
    for person in DEMO_STAFF:
        home = person.estates[0] if person.estates else None
        staff = create_staff(
            company=company,
            username=person.username,
            password=DEMO_PASSWORD,
            name=person.name,
            staff_no=person.staff_no,
            roles=person.roles,
            estates=[estates[c] for c in person.estates],
            department=departments[home][person.department] if home and person.department else None,
            phone=names.mobile(),
            email=f"{person.username}@anju-wuye.example",
        )
        if person.username in heads and home:
            Department.objects.filter(pk=departments[home][heads[person.username]].pk).update(head=staff)
    return company
