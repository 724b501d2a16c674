"""The charts: one drawing, printed in the PDF and shown as SVG on a page."""
import xml.etree.ElementTree as ET

import pypdfium2 as pdfium
from flask_babel import force_locale
from reportlab.platypus import Flowable

from warehouse.reports.charts import (evictions_chart, partner_chart, to_pdf, to_svg,
                                      weekly_in_out_chart)

WEEKS = [(f"W{n}", 100 + n, 90 + n) for n in range(36, 48)]


def _svg_texts(svg: str) -> list[str]:
    return [el.text for el in ET.fromstring(svg).iter() if el.tag.endswith("text")]


def test_every_chart_is_a_flowable_that_prints_to_pdf():
    for drawing in (weekly_in_out_chart(WEEKS), partner_chart([("Care4Calais", 12)]),
                    evictions_chart([("W1", 3), ("W2", 0)])):
        assert isinstance(drawing, Flowable)
        pdf = pdfium.PdfDocument(to_pdf(drawing))
        assert len(pdf) == 1


def test_the_weekly_chart_shows_the_figures_and_the_legend():
    texts = _svg_texts(to_svg(weekly_in_out_chart(WEEKS)))
    assert "Received" in texts and "Distributed" in texts
    assert "W36" in texts and "W47" in texts
    assert "147" in texts and "137" in texts  # W47 received and distributed, on their bars


def test_labels_and_numbers_follow_the_reader_s_language():
    with force_locale("fr"):
        texts = _svg_texts(to_svg(weekly_in_out_chart(WEEKS)))
        assert "Reçu" in texts and "Distribué" in texts
        texts = _svg_texts(to_svg(partner_chart([("Salam", 1234)])))
    assert "1\u00a0234" in texts  # a no-break space, as French writes thousands
    assert "1,234" in _svg_texts(to_svg(partner_chart([("Salam", 1234)])))


def test_the_svg_has_no_style_attribute_and_nothing_that_runs():
    svg = to_svg(partner_chart([("<script>alert(1)</script>", 5), ("=cmd", 3)]))
    root = ET.fromstring(svg)
    for element in root.iter():
        assert "style" not in element.attrib
        assert not any(name.lower().startswith("on") for name in element.attrib)
        assert not element.tag.endswith("script")
    assert "<script>" not in svg  # the partner's name is text, escaped
    assert root.get("viewBox") == "0 0 480 " + f"{float(root.get('height')):g}"


def test_an_empty_chart_says_there_are_no_figures():
    assert "No figures for this period." in _svg_texts(to_svg(weekly_in_out_chart([])))
    assert "No figures for this period." in _svg_texts(to_svg(partner_chart([])))


def test_a_long_partner_name_is_cut_rather_than_run_off_the_chart():
    texts = _svg_texts(to_svg(partner_chart([("A" * 200, 5)], width=300)))
    assert any(text.endswith("…") and len(text) < 100 for text in texts)
