"""The resident's signature: a real, non-empty PNG, or a clear message saying what is wrong."""

import base64

import pytest
from django.core.exceptions import ValidationError

from shouwen.workorders import services
from shouwen.workorders.signature import decode_signature

from .conftest import data_url, signature_png


def test_a_drawn_signature_is_accepted():
    png = signature_png()
    assert decode_signature(data_url(png)) == png


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "没有收到签名"),
        ("hello", "应为 PNG"),
        ("data:image/jpeg;base64,/9j/4AAQ", "应为 PNG"),
        ("data:image/png;base64,@@@not-base64@@@", "编码错误"),
        ("data:image/png;base64," + base64.b64encode(b"GIF89a garbage").decode(), "应为 PNG"),
        ("data:image/png;base64," + base64.b64encode(signature_png()[:60]).decode(), "已损坏"),
        (data_url(signature_png(blank=True)), "签名为空"),
        (data_url(signature_png(width=10, height=10)), "尺寸"),
    ],
)
def test_garbage_is_refused_with_a_clear_message(value, message):
    with pytest.raises(ValidationError, match=message):
        decode_signature(value)


def test_a_corrupted_chunk_is_refused():
    png = bytearray(signature_png())
    png[40] ^= 0xFF  # inside the image data: the checksum no longer matches
    with pytest.raises(ValidationError):
        decode_signature(data_url(bytes(png)))


def test_signature_or_refusal_once(world, repair_case, signature):
    order = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    services.accept_work_order(world.technician, order)
    services.set_out(world.technician, order)
    services.arrive(world.technician, order)
    services.record_diagnosis(world.technician, order, diagnosis="阀芯坏", plan="换阀芯")
    services.set_charge(world.technician, order, labour="20")
    services.complete_work_order(world.technician, order)
    with pytest.raises(ValidationError):
        services.sign_work_order(world.technician, order, data_url="data:image/png;base64,AAAA")
    with pytest.raises(ValidationError, match="拒签的原因"):
        services.refuse_signature(world.technician, order, reason=" ")
    order = services.refuse_signature(world.technician, order, reason="住户对收费有异议", opinion="要求减免")
    with pytest.raises(services.transitions.CaseActionDenied, match="已签字或已记录拒签"):
        services.sign_work_order(world.technician, order, data_url=signature)
    assert order.signature_refused_reason == "住户对收费有异议" and not order.signature
