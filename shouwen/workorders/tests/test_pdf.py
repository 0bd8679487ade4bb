"""The printed work order needs a Chinese font: without one it stops loudly instead of printing boxes."""

import io

import pytest
from pypdf import PdfReader

from shouwen.workorders import pdf, services


def test_no_cjk_font_is_a_clear_error(world, repair_case, settings, monkeypatch):
    order = services.create_work_order(world.clerk, repair_case, trade="plumbing")
    monkeypatch.setattr(pdf, "_registered", None)
    settings.SHOUWEN_PDF_FONT = "/nonexistent/font.ttc"
    with pytest.raises(pdf.CJKFontMissing, match="fonts-wqy-microhei"):
        pdf.render_work_order_pdf(order)


def test_a_font_without_chinese_is_not_taken(world, repair_case, settings, monkeypatch):
    latin = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    import os

    if not os.path.exists(latin):
        pytest.skip("DejaVu Sans is not installed")
    order = services.create_work_order(world.clerk, repair_case, trade="plumbing")
    monkeypatch.setattr(pdf, "_registered", None)
    settings.SHOUWEN_PDF_FONT = latin
    with pytest.raises(pdf.CJKFontMissing):
        pdf.render_work_order_pdf(order)


def test_an_open_order_prints_with_the_font_embedded(world, repair_case):
    order = services.create_work_order(
        world.clerk, repair_case, trade="plumbing", technicians=[world.technician]
    )
    reader = PdfReader(io.BytesIO(pdf.render_work_order_pdf(order, printed_by=world.clerk)))
    text = reader.pages[0].extract_text()
    assert "维修工作单" in text and "未签字" in text and "王丽" in text
    fonts = [f.get_object() for f in reader.pages[0]["/Resources"]["/Font"].values()]
    embedded = [f for f in fonts if "/FontDescriptor" in f and "/FontFile2" in f["/FontDescriptor"]]
    # A subset of the TrueType CJK font travels inside the file (AAAAAA+WenQuanYiMicroHei…).
    assert embedded and all("+" in str(f["/BaseFont"]) for f in embedded)
    assert all("/ToUnicode" in f for f in embedded)  # so the Chinese can be searched and copied
