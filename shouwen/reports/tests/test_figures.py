"""Every figure of the monthly report matches the counts made by hand on the fixed month (conftest.march)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shouwen.reports import services
from shouwen.reports.periods import Period

from .conftest import at

MARCH = Period.month(2026, 3)
NOW = at(4, 10)


def row(table, label):
    return dict(table.rows)[label]


def test_the_comparison_counts_contacts_by_category_now_before_and_a_year_earlier(march):
    table = services.category_comparison([march.world.estate.pk], MARCH)
    # March: consultation 1, complaint 3 (c1, its repeat call, c2; not the voided c4), public repair 1 (c5,
    # not c8 of 28 February 23:59), household repair 2 (c6 at 00:00 on 1 March, c7), praise 1 (23:59:59), fee 1.
    assert [row(table, label)[0] for label in ("咨询", "意见建议", "投诉", "公共维修", "居家维修", "其它服务", "表扬", "前台业务")] == [
        1, 0, 3, 1, 2, 0, 1, 1,
    ]  # fmt: skip
    # February: c3 complaint, c8 public repair, a consultation. March 2025: one suggestion.
    assert row(table, "投诉")[1] == 1 and row(table, "公共维修")[1] == 1 and row(table, "咨询")[1] == 1
    assert row(table, "意见建议")[3] == 1
    assert table.total == [9, 3, Decimal("200.0"), 1, Decimal("800.0")]
    assert row(table, "投诉")[2] == Decimal("200.0")  # 3 against 1
    assert row(table, "表扬")[2] is None  # nothing the month before: no percentage


def test_the_monthly_table_is_the_same_figures_by_estate_channel_staff_and_department(march):
    ids = [march.world.estate.pk, march.world.other_estate.pk]
    by_estate = services.monthly_statistics(ids, MARCH, "estate")
    # The categories, the total, then the total of February and of March 2025.
    assert dict(by_estate.rows) == {
        "丽景园": [1, 0, 3, 1, 2, 0, 1, 1, 9, 3, 1],
        "翠湖苑": [0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0],
    }
    assert by_estate.total == [1, 0, 4, 1, 2, 0, 1, 1, 10, 3, 1]
    by_channel = services.monthly_statistics(ids, MARCH, "channel")
    assert dict(by_channel.rows) == {
        "来电": [1, 0, 4, 1, 2, 0, 1, 0, 9, 3, 1],
        "来访": [0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0],
    }
    by_staff = services.monthly_statistics(ids, MARCH, "staff")
    assert dict(by_staff.rows) == {"王丽（LJ001）": [1, 0, 4, 1, 2, 0, 1, 1, 10, 3, 1]}
    by_dept = dict(services.monthly_statistics(ids, MARCH, "department").rows)
    # c1 and its repeat call went to the service department, c6 to engineering; the rest to no department.
    assert by_dept["LJY 客服部"][8] == 2
    assert by_dept["LJY 工程维修部"][8] == 1
    assert by_dept["未转部门（当场答复或客服中心办理）"][8:] == [7, 3, 1]


def test_any_date_range_compares_with_the_range_just_before(march):
    period = Period.parse(start="2026-03-01", end="2026-03-15")
    assert not period.is_month
    assert period.previous() == Period.parse(start="2026-02-14", end="2026-02-28")
    table = services.category_comparison([march.world.estate.pk], period)
    # 1–15 March: c1, repeat call, c6, c7, consultation (15th), fee → 6; 14–28 Feb: c3, c8, consultation.
    assert table.total[:2] == [6, 3]


def test_every_rate_matches_the_hand_count(march):
    figures = services.rate_figures([march.world.estate.pk], MARCH, NOW)
    rates = {r.code: r for r in services.rates_from(services.sum_figures(figures), services.targets())}

    def parts(code):
        r = rates[code]
        return r.numerator, r.denominator, r.percent

    # Complaints closed in March: c1 (on time) and c3 (late) → 1/2.
    assert parts("complaint_timeliness") == (1, 2, Decimal("50.0"))
    # Complaints received in March: c1 (closed 03-10) and c2 (closed in April) → 1/2; the voided c4 is out.
    assert parts("complaint_completion") == (1, 2, Decimal("50.0"))
    # Repairs received in March: c5, c6, c7; only c6 was done by 31 March (c5 after midnight).
    assert parts("repair_completion") == (1, 3, Decimal("33.3"))
    # c6 was late in its second round after reopening.
    assert parts("repair_timeliness") == (0, 1, Decimal("0.0"))
    # Visits due in March: c6 #1, c1 #1, c2 #1 (not made); the cancelled one and April's are out.
    assert parts("return_visit") == (2, 3, Decimal("66.7"))
    # Visits made in March: very satisfied (repair) and basically satisfied (complaint, not counted as satisfied).
    assert parts("satisfaction") == (1, 2, Decimal("50.0"))
    assert parts("satisfaction_repair") == (1, 1, Decimal("100.0"))
    assert parts("satisfaction_complaint") == (0, 1, Decimal("0.0"))
    assert parts("satisfaction_onsite") == (1, 1, Decimal("100.0"))
    # Deadlines: met in March c1 ×2 (on time), c3 (late), c6 ×2 (one late); c8 due 03-15 still running (late);
    # c7 paused, c5 and c2 met in April, c4 cancelled → 3 on time of 6.
    assert parts("service_timeliness") == (3, 6, Decimal("50.0"))


def test_rates_compare_with_the_seeded_targets_and_mark_the_gap(march):
    figures = services.rate_figures([march.world.estate.pk], MARCH, NOW)
    rates = {r.code: r for r in services.rates_from(services.sum_figures(figures), services.targets())}
    assert rates["satisfaction"].target == Decimal("90.00")
    assert rates["satisfaction"].gap == Decimal("-40.00")
    assert rates["satisfaction"].status == "missed"
    assert rates["service_timeliness"].target == Decimal("85.00")
    assert rates["complaint_timeliness"].target == Decimal("100.00")
    assert rates["complaint_completion"].target == Decimal("100.00")
    assert rates["return_visit"].target is None and rates["return_visit"].status == ""
    assert all(r.definition for r in rates.values())


def test_the_other_estate_has_its_own_rates(march):
    figures = services.rate_figures([march.world.estate.pk, march.world.other_estate.pk], MARCH, NOW)
    other = {r.code: r for r in services.rates_from(figures[march.world.other_estate.pk], {})}
    assert (other["complaint_timeliness"].numerator, other["complaint_timeliness"].denominator) == (1, 1)
    assert (other["satisfaction"].numerator, other["satisfaction"].denominator) == (1, 1)
    total = {r.code: r for r in services.rates_from(services.sum_figures(figures), {})}
    assert (total["complaint_timeliness"].numerator, total["complaint_timeliness"].denominator) == (2, 3)
    assert (total["service_timeliness"].numerator, total["service_timeliness"].denominator) == (4, 7)


def test_recurring_problems_find_the_flat_the_caller_the_reopened_case_and_the_developer_defect(march):
    rec = services.recurring_problems([march.world.estate.pk], MARCH)
    assert [(label, values) for label, values in rec.places.rows] == [("丽景园 3-2-1502 · 居家维修", [2])]
    assert "unit=" in rec.places.links[0] and "category=household_repair" in rec.places.links[0]
    # The owner: c1, its repeat call and c2, all complaints.
    assert rec.callers.rows == [("张伟", [3, 3])]
    assert rec.reopened.rows == [(f"{march.cases['c6'].number} household_repair 测试", [2])]
    assert rec.developer.rows == [("丽景园", [1, 0, Decimal("0.0"), 1])]


def test_the_analysis_is_written_from_the_figures(march):
    report = services.build_monthly_report([march.world.estate.pk], MARCH, NOW)
    text = "\n".join(report.analysis)
    assert "本期共登记来电来访 9 宗" in text
    assert "较上期（3 宗）增加 200.0%" in text
    assert "综合满意率 50.0%，低于目标 90.00% 40.00 个百分点" in text
    assert "3-2-1502" in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"month": "2026-13"}, "月份格式"),
        ({"start": "2026-03-05", "end": "2026-03-01"}, "结束日期不能早于开始日期"),
        ({"start": "yesterday", "end": "2026-03-01"}, "YYYY-MM-DD"),
        ({"start": "2020-01-01", "end": "2026-03-01"}, "三年"),
    ],
)
def test_a_bad_period_gets_a_clear_message(query, message):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        Period.parse(**query)
    assert message in " ".join(exc.value.messages)
