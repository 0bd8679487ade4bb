"""A small world of named people and places for tests (one base instead of ad hoc fixtures)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shouwen.directory.models import Building, Company, Department, Estate, PublicArea, Resident, Staff, Unit
from shouwen.directory.services import create_departments, create_resident, create_staff

if TYPE_CHECKING:  # the world registers through cases, which builds on core: imported when used
    from shouwen.cases.models import Case, Contact

PASSWORD = "Test-pass-2026"


@dataclass
class World:
    """Two estates of one company, their departments, one staff member per role, a few residents."""

    company: Company
    estate: Estate  # 丽景园 LJY, served by everyone below except `other_technician`
    other_estate: Estate  # 翠湖苑 CHY
    departments: dict[str, Department]
    staff: dict[str, Staff] = field(default_factory=dict)
    units: dict[str, Unit] = field(default_factory=dict)
    residents: dict[str, Resident] = field(default_factory=dict)
    lift: PublicArea | None = None

    @property
    def clerk(self) -> Staff:
        return self.staff["front_desk"]

    @property
    def supervisor(self) -> Staff:
        return self.staff["cs_supervisor"]

    @property
    def technician(self) -> Staff:
        return self.staff["technician"]

    def contact(self, staff: Staff | None = None, **fields: Any) -> Contact:
        """Register a call, visit or letter through the intake services, as the page and the API do.

        `prepare_contact` then `save_contact`, by the front-desk clerk unless `staff` is given. What
        `fields` leave out is the owner of 3-2-1502 (张伟) calling from his mobile with a complaint
        about the lift; `resident=None, unit=None` leaves him out.
        """
        from shouwen.cases import services

        data: dict[str, Any] = {
            "estate": self.estate,
            "channel": "phone",
            "category": "complaint",
            "content": "3号楼电梯困人，业主被困二十分钟",
            "caller_name": "张伟",
            "caller_phone": "13812345678",
            "resident": self.residents["owner"],
            "unit": self.units["3-2-1502"],
            **fields,
        }
        return services.save_contact(services.prepare_contact(staff or self.clerk, **data))

    def register(self, staff: Staff | None = None, **fields: Any) -> Case:
        """Register a contact as :meth:`contact` does and return the case it opened."""
        contact = self.contact(staff, **fields)
        assert contact.case is not None, "the contact was answered on the spot: it opened no case"
        return contact.case


def make_world() -> World:
    """Create the test world through the service functions."""
    company = Company.objects.create(name="安居物业服务有限公司", service_phone="0571-88886666")
    estate = Estate.objects.create(
        company=company, code="LJY", name="丽景园", address="杭州市西湖区文三路 100 号"
    )
    other = Estate.objects.create(
        company=company, code="CHY", name="翠湖苑", address="杭州市拱墅区湖墅南路 8 号"
    )
    depts = {d.kind: d for d in create_departments(estate)}
    other_depts = {d.kind: d for d in create_departments(other)}
    world = World(company=company, estate=estate, other_estate=other, departments=depts)
    people = [
        ("front_desk", "qiantai", "王丽", "LJ001", "service"),
        ("cs_assistant", "kefu", "张敏", "LJ002", "service"),
        ("cs_supervisor", "kfzg", "李强", "LJ003", "service"),
        ("office_director", "zhuren", "欧阳建国", "LJ004", "office"),
        ("technician", "jishu", "刘师傅", "LJ010", "engineering"),
        ("security", "baoan", "赵军", "LJ020", "security"),
        ("cleaning", "baojie", "孙芳", "LJ030", "environment"),
        ("finance_clerk", "caiwu", "周红", "LJ040", "finance"),
    ]
    for role, username, name, staff_no, dept in people:
        world.staff[role] = create_staff(
            company=company,
            username=username,
            password=PASSWORD,
            name=name,
            staff_no=staff_no,
            roles=[role],
            estates=[estate],
            department=depts[dept],
            email=f"{username}@anju-wuye.example",
        )
    world.staff["engineering_head"] = create_staff(
        company=company,
        username="gczg",
        password=PASSWORD,
        name="黄国庆",
        staff_no="LJ011",
        roles=["technician"],
        estates=[estate],
        department=depts["engineering"],
        email="gczg@anju-wuye.example",
    )
    Department.objects.filter(pk=depts["engineering"].pk).update(head=world.staff["engineering_head"])
    Department.objects.filter(pk=depts["service"].pk).update(head=world.staff["cs_supervisor"])
    world.staff["deputy_gm"] = create_staff(
        company=company,
        username="fuzong",
        password=PASSWORD,
        name="陈志远",
        staff_no="HQ001",
        roles=["deputy_gm"],
        email="fuzong@anju-wuye.example",
    )
    world.staff["admin"] = create_staff(
        company=company,
        username="admin",
        password=PASSWORD,
        name="系统管理员",
        staff_no="HQ000",
        roles=["admin"],
    )
    world.staff["other_technician"] = create_staff(
        company=company,
        username="jishu2",
        password=PASSWORD,
        name="吴师傅",
        staff_no="CH010",
        roles=["technician"],
        estates=[other],
        department=other_depts["engineering"],
    )
    b3 = Building.objects.create(estate=estate, code="3", name="3栋", floors=18, entrances=2)
    world.units["3-2-1502"] = Unit.objects.create(
        building=b3, entrance="2", number="1502", floor=15, area="89.50", handover_date=date(2024, 6, 30)
    )
    world.units["3-1-0801"] = Unit.objects.create(
        building=b3, entrance="1", number="0801", floor=8, area="120.00"
    )
    ob = Building.objects.create(estate=other, code="1", name="1栋", floors=6, entrances=0)
    world.units["other-1-101"] = Unit.objects.create(building=ob, number="101", floor=1)
    world.residents["owner"] = create_resident(
        estate=estate,
        name="张伟",
        phones=["13812345678", "0571-87654321"],
        id_number="330106198001011234",
        units=[(world.units["3-2-1502"], "owner")],
    )
    world.residents["tenant"] = create_resident(
        estate=estate, name="李娜", phones=["13900001111"], units=[(world.units["3-1-0801"], "tenant")]
    )
    world.residents["other_owner"] = create_resident(
        estate=other,
        name="陈静",
        phones=["13700002222"],
        id_number="330105199002023456",
        units=[(world.units["other-1-101"], "owner")],
    )
    world.lift = PublicArea.objects.create(estate=estate, building=b3, kind="lift", name="3栋2单元电梯")
    return world


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
