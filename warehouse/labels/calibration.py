"""The calibration page: how a manager measures a printer's offset for a label format.

Printed on plain paper with the offset in use, it shows a cross at a known distance from
the top-left corner of the page, and the outline of every label with its position number
(the numbers ``start_at`` counts). Measuring the cross tells how far the printer shifts
everything; laying the page on a label sheet against a window shows whether it now fits.
"""
from flask_babel import gettext

from warehouse.core.pdf.text import LINE_SPACING, PT_PER_MM, TextStyle, fit, fonts
from warehouse.labels.errors import UnknownLabelFormat
from warehouse.labels.formats import FORMATS
from warehouse.labels.pdf import _canvas, _check_offset, _number, _save

#: Distance from the page's left and top edges to the measuring cross.
SHEET_MARK_MM = 10.0
THERMAL_MARK_MM = 5.0
LINE_PT = 0.5


def build_calibration_page(*, format: str, offset_mm: tuple[float, float] = (0.0, 0.0)) -> bytes:
    """A one-page PDF to measure and check the printer offset for ``format``.

    Raises UnknownLabelFormat or PrinterOffsetTooLarge.
    """
    fmt = FORMATS.get(format)
    if fmt is None:
        raise UnknownLabelFormat(format=format, known=", ".join(FORMATS))
    _check_offset(fmt, offset_mm)
    across, down = offset_mm
    page_width, page_height = fmt.page_mm
    canvas = _canvas(fmt, gettext("Calibration page"))
    canvas.setLineWidth(LINE_PT)
    names = fonts()

    def point(x_mm: float, y_mm: float) -> tuple[float, float]:
        """Page position in mm from the top-left corner, moved by the offset, in points."""
        return (x_mm + across) * PT_PER_MM, (page_height - y_mm - down) * PT_PER_MM

    def cross(x_mm: float, y_mm: float, arm_mm: float) -> None:
        x, y = point(x_mm, y_mm)
        arm = arm_mm * PT_PER_MM
        canvas.line(x - arm, y, x + arm, y)
        canvas.line(x, y - arm, x, y + arm)
        canvas.circle(x, y, arm / 3)

    if not fmt.thermal:
        cross(SHEET_MARK_MM, SHEET_MARK_MM, SHEET_MARK_MM * 0.8)
    else:
        # The label is the page: a cross near each corner, and the part labels are drawn in.
        mark = THERMAL_MARK_MM
        for x_mm in (mark, page_width - mark):
            for y_mm in (mark, page_height - mark):
                cross(x_mm, y_mm, mark * 0.6)
        pad_across, pad_down = fmt.layout.padding_mm
        x, y = point(pad_across, page_height - pad_down)
        canvas.setDash(2, 2)
        canvas.rect(x, y, (page_width - 2 * pad_across) * PT_PER_MM,
                    (page_height - 2 * pad_down) * PT_PER_MM)
        canvas.setDash()
        lines = [fmt.name,
                 gettext("Offset: %(across)s mm across, %(down)s mm down",
                         across=_number(across), down=_number(down)),
                 gettext("Each cross is %(mark)s mm from the nearest edges.",
                         mark=_number(mark))]
        width = (page_width - 4 * mark) * PT_PER_MM
        fitted = [fit(text, names["regular"], TextStyle(10, 4), width) for text in lines]
        fitted = [f for f in fitted if f is not None]
        height = sum(f.height for f in fitted) + 2 * (len(fitted) - 1)
        _, top = point(0, page_height / 2)
        top += height / 2
        for block in fitted:
            canvas.setFont(block.font, block.size)
            canvas.drawCentredString(point(page_width / 2, 0)[0], top - block.ascent,
                                     block.lines[0])
            top -= block.height + 2
        return _save(canvas)

    # A sheet: every label's outline and position number.
    label_width, label_height = fmt.label_mm
    for position in range(fmt.cells_per_sheet):
        left, top = fmt.cell_mm(position)
        x, y = point(left, top + label_height)
        canvas.roundRect(x, y, label_width * PT_PER_MM, label_height * PT_PER_MM,
                         1.5 * PT_PER_MM)
        size = min(14.0, label_height * PT_PER_MM / 3)
        canvas.setFont(names["bold"], size)
        cx, cy = point(left + label_width / 2, top + label_height / 2)
        canvas.drawCentredString(cx, cy - size / 3, str(position + 1))

    # The instructions, in a white box over the middle of the sheet.
    paragraphs = [
        gettext("Calibration page: %(format)s", format=fmt.name),
        gettext("Printer offset used: %(across)s mm across, %(down)s mm down.",
                across=_number(across), down=_number(down)),
        gettext("1. Print this page on plain paper at actual size (not “fit to page”)."),
        gettext("2. Measure from the left edge of the paper to the upright line of the cross "
                "in the top-left corner: it should be %(mark)s mm. Measure from the top edge "
                "to its flat line the same way.", mark=_number(SHEET_MARK_MM)),
        gettext("3. Enter what it should be minus what you measured: if you measured "
                "%(example)s mm, enter %(correction)s. Print this page again to check.",
                example=_number(SHEET_MARK_MM + 1.5), correction=_number(-1.5)),
        gettext("4. Lay this page on a sheet of labels against a window: every outline "
                "should sit on a label. The numbers are the positions to start printing at."),
    ]
    box_width, margin = 150.0, 4.0
    style = TextStyle(10, 10, lines=4)
    fitted = [fit(text, names["bold" if i == 0 else "regular"], style,
                  (box_width - 2 * margin) * PT_PER_MM) for i, text in enumerate(paragraphs)]
    fitted = [f for f in fitted if f is not None]
    height = sum(f.height for f in fitted) + 4 * len(fitted) + 2 * margin * PT_PER_MM
    x, _ = point((page_width - box_width) / 2, 0)
    top = (page_height / 2 - down) * PT_PER_MM + height / 2
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, top - height, box_width * PT_PER_MM, height, stroke=1, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    y = top - margin * PT_PER_MM
    for block in fitted:
        canvas.setFont(block.font, block.size)
        baseline = y - block.ascent
        for line in block.lines:
            canvas.drawString(x + margin * PT_PER_MM, baseline, line)
            baseline -= LINE_SPACING * block.size
        y -= block.height + 4
    return _save(canvas)
