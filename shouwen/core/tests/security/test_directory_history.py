"""Issue 10 item 13 (directory): edits leave a history, and phone numbers are never deleted.

The attack: an occupancy's dates and role were rewritten and a resident's old phone numbers were
hard-deleted, leaving no trace of who did it. Now every change is kept (who, when, before → after),
supervisors read it on the unit and resident pages, and a removed number is ended, not deleted.
"""

from __future__ import annotations

import io

from openpyxl import Workbook

from shouwen.access.masking import mask_phone
from shouwen.directory.excel_import import import_directory
from shouwen.directory.models import Occupancy, Resident, ResidentPhone


def _rewrite_tenancy_and_drop_a_phone(world, api_for):
    tenant = world.residents["tenant"]
    occupancy = Occupancy.objects.get(resident=tenant)
    api = api_for(world.supervisor)
    response = api.patch(
        f"/api/v1/occupancies/{occupancy.pk}/",
        {"role": "member", "start_date": "2023-03-01", "end_date": "2025-01-31"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    response = api.patch(f"/api/v1/residents/{tenant.pk}/", {"phones": ["13600007777"]}, format="json")
    assert response.status_code == 200, response.json()
    return tenant, occupancy


def test_a_removed_phone_is_ended_not_deleted(world, api_for):
    tenant, _ = _rewrite_tenancy_and_drop_a_phone(world, api_for)
    old = ResidentPhone.with_ended.get(resident=tenant, number="13900001111")
    assert old.ended_at is not None
    assert [p.number for p in tenant.phones.all()] == ["13600007777"]
    body = api_for(world.supervisor).get(f"/api/v1/residents/{tenant.pk}/").json()
    assert body["phones_masked"] == ["136****7777"]
    # Searches use the numbers in use only: an ended number may already belong to someone else.
    found = api_for(world.clerk).get("/api/v1/residents/", {"q": "1111"}).json()["results"]
    assert found == []
    # The same number may be added again later; it is a new row, the old one stays ended.
    api_for(world.supervisor).patch(
        f"/api/v1/residents/{tenant.pk}/", {"phones": ["13600007777", "13900001111"]}, format="json"
    )
    assert ResidentPhone.with_ended.filter(resident=tenant, number="13900001111").count() == 2
    assert ResidentPhone.objects.filter(resident=tenant, number="13900001111").count() == 1


def test_supervisor_sees_who_changed_the_occupancy_on_the_unit_page(world, api_for, client_for):
    _rewrite_tenancy_and_drop_a_phone(world, api_for)
    page = (
        client_for(world.supervisor).get(f"/directory/units/{world.units['3-1-0801'].pk}/").content.decode()
    )
    assert "修改记录" in page
    history = page[page.index("修改记录") :]
    assert "李强（LJ003）" in history
    assert "身份：租户 → 家庭成员" in history
    assert "开始日期：— → 2023-03-01" in history
    assert "结束日期：— → 2025-01-31" in history
    assert "新建 住户房屋关系：李娜" in history


def test_supervisor_sees_the_phone_change_masked_on_the_resident_page(world, api_for, client_for):
    tenant, _ = _rewrite_tenancy_and_drop_a_phone(world, api_for)
    page = client_for(world.supervisor).get(f"/directory/residents/{tenant.pk}/").content.decode()
    history = page[page.index("修改记录") :]
    assert f"电话 {mask_phone('13900001111')}" in history
    assert "停用时间：— → " in history
    assert f"新建 电话 {mask_phone('13600007777')}" in history
    assert "身份：租户 → 家庭成员" in history
    assert "李强（LJ003）" in history
    # Full numbers never appear in the history view.
    assert "13900001111" not in page and "13600007777" not in page


def test_resident_record_changes_show_before_and_after_with_the_id_number_masked(world, api_for, client_for):
    owner = world.residents["owner"]
    response = api_for(world.supervisor).patch(
        f"/api/v1/residents/{owner.pk}/", {"name": "张伟强", "id_number": "330106198001015555"}, format="json"
    )
    assert response.status_code == 200, response.json()
    history = owner.history.order_by("-history_date", "-history_id").first()
    assert history.history_user == world.supervisor.user
    page = client_for(world.supervisor).get(f"/directory/residents/{owner.pk}/").content.decode()
    changes = page[page.index("修改记录") :]
    assert "姓名/单位名称：张伟 → 张伟强" in changes
    assert "证件号码：330***********1234 → 330***********5555" in changes
    assert "330106198001015555" not in page


def test_technician_does_not_see_the_history(world, api_for, client_for):
    tenant, _ = _rewrite_tenancy_and_drop_a_phone(world, api_for)
    client = client_for(world.technician)
    for url in (f"/directory/units/{world.units['3-1-0801'].pk}/", f"/directory/residents/{tenant.pk}/"):
        page = client.get(url)
        assert page.status_code == 200
        assert "修改记录" not in page.content.decode()
        assert "李强（LJ003）" not in page.content.decode()


def test_excel_import_changes_are_attributed_to_the_importing_user(world, client_for):
    wb = Workbook()
    ws = wb.active
    ws.title = "楼栋"
    ws.append(["楼栋编号", "楼栋名称", "层数", "单元数"])
    units = wb.create_sheet("房屋住户")
    header = ["楼栋编号", "单元", "房号", "楼层", "房屋类型", "建筑面积", "交付日期"]
    header += ["住户姓名", "住户类别", "身份", "电话", "证件号码", "入住日期", "备注"]
    units.append(header)
    units.append(
        [
            "3",
            "1",
            "0801",
            8,
            "住宅",
            120,
            None,
            "李娜",
            "个人",
            "租户",
            "13900001111",
            "",
            "2024-05-01",
            "新备注",
        ]
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    result = import_directory(world.estate, buffer.getvalue(), world.supervisor.user)
    assert result.ok, [str(e) for e in result.errors]
    tenant = Resident.objects.get(name="李娜")
    latest = tenant.history.order_by("-history_date", "-history_id").first()
    assert latest.history_user == world.supervisor.user
    assert latest.history_change_reason == "excel_import"
    page = client_for(world.supervisor).get(f"/directory/residents/{tenant.pk}/").content.decode()
    changes = page[page.index("修改记录") :]
    assert "备注：— → 新备注" in changes
    assert "Excel 导入" in changes
    assert "开始日期：— → 2024-05-01" in changes


def test_command_line_import_is_attributed_to_the_user_named(world, tmp_path):
    from django.core.management import call_command

    wb = Workbook()
    wb.active.title = "楼栋"
    wb.active.append(["楼栋编号", "楼栋名称", "层数", "单元数"])
    wb.active.append(["8", "8栋", 12, 1])
    header = ["楼栋编号", "单元", "房号", "楼层", "房屋类型", "建筑面积", "交付日期"]
    header += ["住户姓名", "住户类别", "身份", "电话", "证件号码", "入住日期", "备注"]
    wb.create_sheet("房屋住户").append(header)
    path = tmp_path / "楼栋.xlsx"
    wb.save(path)
    call_command("import_directory", "LJY", str(path), "--by", "kfzg")
    from shouwen.directory.models import Building

    record = Building.objects.get(estate=world.estate, code="8").history.get()
    assert (record.history_user, record.history_change_reason) == (world.supervisor.user, "excel_import")
