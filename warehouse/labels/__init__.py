"""Barcode labels for boxes, locations and items, as PDF bytes.

    from warehouse.labels import LabelData, build_labels
    pdf = build_labels([LabelData(code="B00123", kind="box", title="Sleeping bag",
                                  quantity=10, unit="pieces")], format="L7160")

``FORMATS`` lists the label stock (A4 sheets and thermal rolls) and ``format_choices()``
describes it for a form; ``build_calibration_page`` prints the outlines that let a manager
measure a printer's offset. Bad requests raise the errors in ``warehouse.labels.errors``
before anything is drawn.
"""
from warehouse.labels.calibration import build_calibration_page
from warehouse.labels.errors import (CopiesOutOfRange, InvalidLabelCode, LabelCodeTooLong,
                                     NoLabelsToPrint, PrinterOffsetTooLarge,
                                     StartPositionOutOfRange, TooManyLabels,
                                     UnknownLabelFormat, UnsupportedPrinterResolution)
from warehouse.labels.formats import FORMATS, THERMAL_DPI, LabelFormat, format_choices
from warehouse.labels.pdf import MAX_COPIES, MAX_LABELS, LabelData, build_labels

__all__ = [
    "FORMATS", "MAX_COPIES", "MAX_LABELS", "THERMAL_DPI", "LabelData", "LabelFormat",
    "build_calibration_page", "build_labels", "format_choices",
    "CopiesOutOfRange", "InvalidLabelCode", "LabelCodeTooLong", "NoLabelsToPrint",
    "PrinterOffsetTooLarge", "StartPositionOutOfRange", "TooManyLabels",
    "UnknownLabelFormat", "UnsupportedPrinterResolution",
]
