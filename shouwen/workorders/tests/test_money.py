"""Cost arithmetic never drifts: Decimal all the way, rounded once to the fen, never a float."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shouwen.workorders.money import FEN, compute_totals, line_amount, round_fen, to_decimal

quantities = st.decimals(
    min_value="0.001", max_value="9999.999", places=3, allow_nan=False, allow_infinity=False
)
prices = st.decimals(
    min_value="0.00", max_value="99999999.99", places=2, allow_nan=False, allow_infinity=False
)
labours = st.decimals(min_value="0.00", max_value="99999.99", places=2, allow_nan=False, allow_infinity=False)


@given(lines=st.lists(st.tuples(quantities, prices), max_size=40), labour=labours)
def test_total_is_the_exact_sum_rounded_to_the_fen(lines, labour):
    totals = compute_totals(lines, labour)
    exact = sum((q * p for q, p in lines), Decimal(0))  # Decimal products are exact at these sizes
    assert totals.materials == exact.quantize(FEN, rounding=ROUND_HALF_UP)
    assert totals.total == (exact + labour).quantize(FEN, rounding=ROUND_HALF_UP)
    assert totals.total == totals.materials + totals.labour
    for value in (totals.materials, totals.labour, totals.total):
        assert type(value) is Decimal
        assert value.as_tuple().exponent == -2


@given(q=quantities, p=prices)
def test_a_line_amount_is_its_product_rounded_half_up(q, p):
    amount = line_amount(q, p)
    assert type(amount) is Decimal
    assert amount == (q * p).quantize(FEN, rounding=ROUND_HALF_UP)


def test_halves_round_up_where_floats_would_not():
    # 2.675 is 2.67499999… as a float, so float rounding gives 2.67; the cashier's answer is 2.68.
    assert round(2.675, 2) == 2.67
    assert round_fen(Decimal("2.675")) == Decimal("2.68")
    assert line_amount(Decimal("0.5"), Decimal("0.01")) == Decimal("0.01")
    assert compute_totals([(Decimal("0.333"), Decimal("10.00"))] * 3, Decimal("0")).total == Decimal("9.99")


@pytest.mark.parametrize("bad", [1.5, 0.1, True])
def test_floats_are_refused(bad):
    with pytest.raises(TypeError):
        to_decimal(bad)
    with pytest.raises(TypeError):
        compute_totals([(bad, Decimal("1.00"))], Decimal("0"))
    with pytest.raises(TypeError):
        round_fen(bad)


def test_money_through_the_database_stays_decimal(world, repair_case):
    from shouwen.workorders import services
    from shouwen.workorders.models import Material

    order = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    services.accept_work_order(world.technician, order)
    services.set_out(world.technician, order)
    services.arrive(world.technician, order)
    services.record_diagnosis(world.technician, order, diagnosis="管道老化", plan="更换给水管")
    pipe = Material.objects.create(name="测试管", spec="1/3", unit="米", unit_price=Decimal("0.10"))
    for _ in range(3):  # 3 × (0.333 × 0.10) = 0.0999 → 0.10, while each line alone rounds to 0.03
        services.add_material(world.technician, order, material=pipe, quantity="0.333")
    services.set_charge(world.technician, order, labour="0.10")
    order.refresh_from_db()
    assert order.materials_total == Decimal("0.10")
    assert order.total == Decimal("0.20")
    assert type(order.total) is Decimal
    assert {str(line.amount) for line in order.materials.all()} == {"0.03"}
