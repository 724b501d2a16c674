"""Charts drawn with reportlab.graphics: one drawing for the printed report and the web page.

Each chart is a plain function from plain data to a ``reportlab.graphics.shapes.Drawing``::

    weekly_in_out_chart(weeks)   # weeks: [(label, received, distributed), ...]
    partner_chart(rows)          # rows: [(partner name, distributed), ...]
    evictions_chart(weeks)       # weeks: [(label, items), ...]

    to_svg(drawing) -> str       # SVG markup for a page: no script, no style attribute
    to_pdf(drawing) -> bytes     # a one-chart PDF (tests, previews)

Every chart function also takes the keyword arguments ``width`` and ``height`` (points;
defaults ``WIDTH`` x ``HEIGHT``, which fit an A4 page between 15 mm margins) and
``title`` (drawn above the chart when given; default none, the page has a heading).
A ``Drawing`` is a platypus flowable: put it in a story as it is, or draw it on a canvas
with ``reportlab.graphics.renderPDF.draw(drawing, canvas, x, y)``.

Labels (legend, "no figures") are in the current Flask-Babel locale and numbers are
written as the reader writes them (``1,234`` / ``1 234``); outside an application
context they are English. Week labels and partner names are shown as given.

Made to print in black and white: one palette (``PALETTE``) throughout, and every series
tells itself apart without colour -- received is a solid dark bar, distributed a light
bar with diagonal hatching, evictions a mid-tone bar with cross-hatching -- and each bar
carries its figure when there is room for it.

For the web, serve ``to_svg`` from its own URL as an ``<img>``: the page's Content
Security Policy (``style-src 'self'``) forbids inline ``style`` attributes, which
reportlab's SVG uses; ``to_svg`` rewrites them as presentation attributes anyway, so the
markup is also safe to inline.
"""
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from babel.numbers import format_decimal
from flask import has_app_context
from flask_babel import get_locale, gettext
from reportlab.graphics import renderPDF, renderSVG
from reportlab.graphics.shapes import Drawing, Line, Path, Rect, String
from reportlab.lib.colors import HexColor

from warehouse.core.pdf.text import fonts, printable, text_width

WIDTH = 480.0
HEIGHT = 220.0

#: The one palette: dark and light tones that stay apart when printed in grey.
PALETTE = {
    "ink": HexColor("#1d2327"),       # text, axes, bar outlines
    "grid": HexColor("#c9ced3"),      # value gridlines
    "received": HexColor("#1f5f8b"),  # solid dark blue: prints near black
    "distributed": HexColor("#f2b45a"),  # light amber, hatched: prints light grey
    "hatch": HexColor("#6b4300"),     # the hatching over the light bars
    "evictions": HexColor("#b84a56"),  # mid-tone red, cross-hatched: prints mid grey
    "partner": HexColor("#1f5f8b"),
    "paper": HexColor("#ffffff"),
}
TEXT_PT = 8.0
VALUE_PT = 7.0
TITLE_PT = 10.0
HATCH_SPACING = 4.0  # points between hatching lines
HATCH_WIDTH = 0.7
PAD = 4.0
LEGEND_SWATCH = 9.0
TICKS = 5  # about this many value gridlines
#: Fonts a browser may have, in place of the name the PDF registered the font under.
SVG_FONT_FAMILY = "'DejaVu Sans', Verdana, 'Bitstream Vera Sans', sans-serif"
SVG_BOLD_FAMILY = SVG_FONT_FAMILY


def _(text: str) -> str:
    """``text`` in the current locale; as it is outside an application context."""
    if not has_app_context():
        return text
    return gettext(text)


def _locale() -> str:
    if has_app_context():
        locale = get_locale()
        if locale is not None:
            return str(locale)
    return "en"


def _number(value: float) -> str:
    return format_decimal(value, locale=_locale()).replace("\u202f", "\u00a0")


class _Chart:
    """A drawing under construction: fonts, text measuring, the common pieces."""

    def __init__(self, width: float, height: float, title: str | None):
        self.width, self.height = width, height
        self.drawing = Drawing(width, height)
        face = fonts()
        self.regular, self.bold = face["regular"], face["bold"]
        self.top = height - PAD
        if title:
            self.text(PAD, self.top - TITLE_PT, title, size=TITLE_PT, bold=True)
            self.top -= TITLE_PT + 2 * PAD

    def text(self, x: float, y: float, text: str, *, size: float = TEXT_PT,
             anchor: str = "start", bold: bool = False, colour=None) -> None:
        font = self.bold if bold else self.regular
        self.drawing.add(String(x, y, printable(text, font), fontName=font, fontSize=size,
                                textAnchor=anchor, fillColor=colour or PALETTE["ink"]))

    def width_of(self, text: str, size: float = TEXT_PT, bold: bool = False) -> float:
        font = self.bold if bold else self.regular
        return text_width(printable(text, font), font, size)

    def bar(self, x: float, y: float, w: float, h: float, series: str) -> None:
        """A bar of one series, filled and patterned so it reads without colour."""
        if w <= 0 or h <= 0:
            return
        self.drawing.add(Rect(x, y, w, h, fillColor=PALETTE[series], strokeColor=None))
        if series == "distributed":
            self._hatch(x, y, w, h, PALETTE["hatch"], rising=True)
        elif series == "evictions":
            self._hatch(x, y, w, h, PALETTE["paper"], rising=True)
            self._hatch(x, y, w, h, PALETTE["paper"], rising=False)
        self.drawing.add(Rect(x, y, w, h, fillColor=None, strokeColor=PALETTE["ink"],
                              strokeWidth=0.6))

    def _hatch(self, x: float, y: float, w: float, h: float, colour, *, rising: bool):
        # Diagonal lines u - v = k across the rectangle (u, v measured from its corner),
        # cut to its edges by hand: reportlab.graphics has no clipping or pattern fills.
        # One path for all of a bar's lines keeps the SVG small.
        path = Path(strokeColor=colour, strokeWidth=HATCH_WIDTH, fillColor=None)
        k = -h + HATCH_SPACING / 2
        while k < w:
            v0, v1 = max(0.0, -k), min(h, w - k)
            if v1 > v0:
                u0, u1 = v0 + k, v1 + k
                if not rising:
                    u0, u1 = w - u0, w - u1
                path.moveTo(x + u0, y + v0)
                path.lineTo(x + u1, y + v1)
            k += HATCH_SPACING
        self.drawing.add(path)

    def legend(self, entries: Sequence[tuple[str, str]]) -> float:
        """Swatches with their names along the top, right-aligned; returns the space used."""
        x = self.width - PAD
        y = self.top - LEGEND_SWATCH
        for series, label in reversed(entries):
            x -= self.width_of(label)
            self.text(x, y + 1.5, label)
            x -= LEGEND_SWATCH + 3
            self.bar(x, y, LEGEND_SWATCH, LEGEND_SWATCH, series)
            x -= 3 * PAD
        return LEGEND_SWATCH + 2 * PAD

    def nothing(self) -> Drawing:
        self.text(self.width / 2, self.height / 2, _("No figures for this period."),
                  anchor="middle")
        return self.drawing


def _step(top: float) -> float:
    """A round gridline step (1, 2 or 5 times a power of ten) giving about ``TICKS`` lines."""
    if top <= 0:
        return 1.0
    raw = top / TICKS
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return max(1.0, factor * power)
    return max(1.0, 10 * power)


def _value_axis(chart: _Chart, top_value: float, *, left: float, bottom: float,
                right: float, top: float) -> tuple[float, float]:
    """Gridlines and their figures on the left; returns (axis maximum, points per unit)."""
    step = _step(top_value)
    maximum = step * max(1, math.ceil(top_value / step))
    scale = (top - bottom) / maximum
    value = 0.0
    while value <= maximum + step / 2:
        y = bottom + value * scale
        line = Line(left, y, right, y, strokeColor=PALETTE["grid"], strokeWidth=0.5)
        if value == 0:
            line.strokeColor, line.strokeWidth = PALETTE["ink"], 0.8
        chart.drawing.add(line)
        chart.text(left - 3, y - TEXT_PT * 0.35, _number(int(value)), anchor="end")
        value += step
    return maximum, scale


def _axis_width(chart: _Chart, top_value: float) -> float:
    step = _step(top_value)
    maximum = step * max(1, math.ceil(top_value / step))
    return chart.width_of(_number(int(maximum))) + 6


def _column_chart(weeks: Sequence[tuple], series: Sequence[tuple[str, str]], *,
                  width: float, height: float, title: str | None) -> Drawing:
    """Columns per week, one bar per series side by side, figures on top where they fit."""
    chart = _Chart(width, height, title)
    if not weeks:
        return chart.nothing()
    chart.top -= chart.legend(series)
    values = [[max(0, int(v or 0)) for v in row[1:1 + len(series)]] for row in weeks]
    top_value = max((v for row in values for v in row), default=0)
    left = PAD + _axis_width(chart, top_value)
    right = width - PAD
    bottom = PAD + TEXT_PT + 4
    plot_top = chart.top - VALUE_PT - 2
    maximum, scale = _value_axis(chart, top_value, left=left, bottom=bottom, right=right,
                                 top=plot_top)
    group = (right - left) / len(weeks)
    gap = max(2.0, group * 0.22)
    bar_w = (group - gap) / len(series)
    labels_fit = all(chart.width_of(_number(v), VALUE_PT) <= bar_w + 1
                     for row in values for v in row)
    # Week labels: every one that fits without touching its neighbours.
    label_room = max(chart.width_of(str(row[0])) for row in weeks) + 4
    every = max(1, math.ceil(label_room / group))
    for i, (row, figures) in enumerate(zip(weeks, values)):
        x0 = left + i * group + gap / 2
        for j, ((name, _label), value) in enumerate(zip(series, figures)):
            x = x0 + j * bar_w
            chart.bar(x, bottom, bar_w, value * scale, name)
            if labels_fit and value:  # a zero says nothing a missing bar does not
                chart.text(x + bar_w / 2, bottom + value * scale + 2, _number(value),
                           size=VALUE_PT, anchor="middle")
        if (len(weeks) - 1 - i) % every == 0:  # always label the latest week
            chart.text(left + (i + 0.5) * group, PAD, str(row[0]), anchor="middle")
    return chart.drawing


def weekly_in_out_chart(weeks: Sequence[tuple[str, int, int]], *, width: float = WIDTH,
                        height: float = HEIGHT, title: str | None = None,
                        received_label: str | None = None) -> Drawing:
    """Items received and distributed per week: two columns a week, oldest week first.

    ``weeks`` is ``[(label, received, distributed), ...]``; labels are shown as given
    ("W47", "23 Nov"). Received is the solid dark column, distributed the hatched one;
    ``received_label`` names the first column otherwise (a partner "collected" it).
    """
    return _column_chart(weeks, (("received", received_label or _("Received")),
                                 ("distributed", _("Distributed"))),
                         width=width, height=height, title=title)


def evictions_chart(weeks: Sequence[tuple[str, int]], *, width: float = WIDTH,
                    height: float = HEIGHT, title: str | None = None) -> Drawing:
    """Items handed out to replace what evictions destroyed, per week, oldest first.

    ``weeks`` is ``[(label, items), ...]``.
    """
    return _column_chart(weeks, (("evictions", _("Eviction replacements")),),
                         width=width, height=height, title=title)


def partner_chart(rows: Sequence[tuple[str, int]], *, width: float = WIDTH,
                  height: float | None = None, title: str | None = None) -> Drawing:
    """Items distributed per partner: one horizontal bar each, in the order given.

    ``rows`` is ``[(partner name, distributed), ...]``. ``height`` defaults to what the
    rows need (``BAR_ROW`` points each); long names are cut with an ellipsis.
    """
    row_h = BAR_ROW
    if height is None:
        height = max(60.0, len(rows) * row_h + 2 * PAD + TEXT_PT + 8
                     + ((TITLE_PT + 2 * PAD) if title else 0))
    chart = _Chart(width, height, title)
    if not rows:
        return chart.nothing()
    values = [max(0, int(v or 0)) for _name, v in rows]
    top_value = max(values, default=0)
    names = [str(name) for name, _v in rows]
    name_room = min(width * 0.35, max(chart.width_of(n) for n in names) + 6)
    left = PAD + name_room
    right = width - PAD - max(chart.width_of(_number(v)) for v in values) - 6
    bottom = PAD + TEXT_PT + 4
    row_h = min(row_h * 1.6, (chart.top - bottom) / len(rows))
    step = _step(top_value)
    maximum = step * max(1, math.ceil(top_value / step))
    scale = (right - left) / maximum
    value = 0.0
    while value <= maximum + step / 2:
        x = left + value * scale
        chart.drawing.add(Line(x, bottom, x, chart.top, strokeWidth=0.5,
                               strokeColor=PALETTE["ink"] if value == 0 else PALETTE["grid"]))
        chart.text(x, PAD, _number(int(value)), anchor="middle")
        value += step
    for i, (name, value) in enumerate(zip(names, values)):
        y = chart.top - (i + 1) * row_h
        bar_h = row_h * 0.68
        y_bar = y + (row_h - bar_h) / 2
        chart.bar(left, y_bar, value * scale, bar_h, "partner")
        middle = y_bar + bar_h / 2 - TEXT_PT * 0.35
        chart.text(left - 4, middle, _fit(chart, name, name_room - 6), anchor="end")
        chart.text(left + value * scale + 3, middle, _number(value), bold=True)
    return chart.drawing


BAR_ROW = 18.0


def _fit(chart: _Chart, text: str, room: float) -> str:
    if chart.width_of(text) <= room:
        return text
    while text and chart.width_of(text + "…") > room:
        text = text[:-1]
    return text.rstrip() + "…"


# --- output ------------------------------------------------------------------------------

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
#: CSS properties reportlab writes in ``style`` that SVG also accepts as attributes.
PRESENTATION = {
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
    "stroke-linecap", "stroke-linejoin", "stroke-dasharray", "stroke-dashoffset",
    "stroke-miterlimit", "font-family", "font-size", "font-weight", "font-style",
    "text-anchor", "opacity", "clip-rule", "transform",
}
_TRANSFORM = re.compile(r"\s*(\w+)\(([^)]*)\)")


def to_svg(drawing: Drawing) -> str:
    """The drawing as standalone SVG markup that no Content Security Policy objects to.

    reportlab's ``style="..."`` attributes become presentation attributes
    (``fill="..."``), the registered PDF font name becomes a font list a browser knows,
    and anything that could run (``<script>``, ``on*`` handlers, links out) is dropped.
    Width and height stay, with a ``viewBox``, so CSS can scale it.
    """
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    root = ET.fromstring(renderSVG.drawToString(drawing).encode("utf-8"))
    face = fonts()
    families = {face["regular"]: SVG_FONT_FAMILY, face["bold"]: SVG_BOLD_FAMILY}
    bold_fonts = {face["bold"], "Helvetica-Bold"}
    root.set("viewBox", f"0 0 {drawing.width:g} {drawing.height:g}")
    root.set("role", "img")
    for parent in root.iter():
        for child in list(parent):
            if _local(child.tag) in ("script", "foreignObject", "style", "a", "title", "desc"):
                parent.remove(child)
    for element in root.iter():
        for name in list(element.attrib):
            local = _local(name)
            value = element.attrib[name]
            if local.lower().startswith("on") or (
                    local == "href" and not value.startswith("#")):
                del element.attrib[name]
        style = element.attrib.pop("style", None)
        if not style:
            continue
        for declaration in style.split(";"):
            prop, _sep, value = declaration.partition(":")
            prop, value = prop.strip().lower(), value.strip()
            if prop not in PRESENTATION or not value:
                continue
            if prop == "font-family":
                if value in bold_fonts:
                    element.set("font-weight", "bold")
                value = families.get(value, SVG_FONT_FAMILY)
            if prop == "transform":  # CSS "rotate(a, x, y)" -> SVG "rotate(a x y)"
                value = " ".join(f"{fn}({args.replace(',', ' ')})"
                                 for fn, args in _TRANSFORM.findall(value))
                value = (element.get("transform", "") + " " + value).strip()
            if prop == "font-size":
                value = value.removesuffix("px")
            element.set(prop, value)
    return ET.tostring(root, encoding="unicode")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def to_pdf(drawing: Drawing) -> bytes:
    """A one-page PDF of just the drawing."""
    return renderPDF.drawToString(drawing)
