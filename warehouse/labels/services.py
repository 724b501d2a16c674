"""Print jobs and printer profiles: what the label pages ask of the PDF builder.

The builder (``warehouse.labels.build_labels``) draws; this module says what each label
reads, in the reader's language (item names, unit words, dates), applies a printer
profile's format, offset and resolution, and keeps the profiles themselves.
"""
import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import format_date, format_decimal, get_timezone, gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from warehouse.accounts.models import User
from warehouse.audit.services import record
from warehouse.catalogue.models import Item
from warehouse.core.errors import N_, DomainError
from warehouse.core.words import AUDIENCES, unit_word
from warehouse.extensions import db
from warehouse.labels import (FORMATS, THERMAL_DPI, LabelData, PrinterOffsetTooLarge,
                              UnknownLabelFormat, UnsupportedPrinterResolution,
                              build_calibration_page, build_labels)
from warehouse.labels.models import PrinterProfile
from warehouse.stock.models import Box, Location, Site

MAX_PROFILE_NAME = 80
DEFAULT_DPI = 203

PRINTER_CREATED = "printer_profile_created"
PRINTER_CHANGED = "printer_profile_changed"
PRINTER_DEACTIVATED = "printer_profile_deactivated"
PRINTER_REACTIVATED = "printer_profile_reactivated"


class PrinterNameRequired(DomainError):
    template = N_("Give the printer a name people will recognise, e.g. “Office laser” or "
                  "“Zebra at the intake bay”.")


class PrinterNameTooLong(DomainError):
    template = N_("A printer name has at most %(maximum)s characters.")


class PrinterNameUsed(DomainError):
    status = 409
    template = N_("There is already a printer called %(name)s: choose another name.")


class OffsetNotANumber(DomainError):
    template = N_("“%(value)s” is not a number of millimetres: write e.g. 1.5 or -0,5.")


class PrinterInactive(DomainError):
    template = N_("The printer %(name)s is no longer in use: choose another, or reactivate "
                  "it on the printers page.")


class UnknownPrinter(DomainError):
    status = 404
    template = N_("There is no printer profile with id %(printer_id)s.")


# --- what labels say --------------------------------------------------------------------

def box_labels(boxes: list[Box]) -> list[LabelData]:
    """One label per box: item, who it is for, use-by date, quantity, condition, packed on.

    A blank box gets a label with only its code (pre-printed, filled in later); an empty
    one leaves out the quantity, so the label stays true when it is topped up.
    """
    labels = []
    for box in boxes:
        if box.item is None:
            labels.append(LabelData(code=box.code, kind="box"))
            continue
        item = box.item
        subtitle = []
        if item.audience:
            subtitle.append(str(AUDIENCES[item.audience]))
        if box.expires_on:
            subtitle.append(gettext("use by %(date)s", date=_short_date(box.expires_on)))
        quantity = box.quantity or None
        labels.append(LabelData(
            code=box.code, kind="box", title=item.display_name,
            subtitle=" · ".join(subtitle), quantity=quantity,
            unit=unit_word(item.unit, quantity) if quantity else "",
            date=_local_date(box), condition=box.condition.value))
    return labels


def location_labels(locations: list[Location]) -> list[LabelData]:
    """One label per location: its name in big letters, its site below."""
    return [LabelData(code=location.code, kind="location", title=location.name,
                      subtitle=location.site.name if location.site else "")
            for location in locations]


def item_labels(items: list[Item]) -> list[LabelData]:
    """One card per item: its name and size, its category and who it is for."""
    labels = []
    for item in items:
        subtitle = [item.category.display_name]
        if item.audience:
            subtitle.append(str(AUDIENCES[item.audience]))
        labels.append(LabelData(code=item.code, kind="item", title=item.display_name,
                                subtitle=" · ".join(subtitle)))
    return labels


def _local_date(box: Box) -> date:
    """The day the box was labelled, in the warehouse's time zone."""
    return box.created_at.astimezone(get_timezone()).date()


def _short_date(value: date) -> str:
    return format_date(value, "d MMM yyyy")


# --- print jobs -------------------------------------------------------------------------

@dataclass(frozen=True)
class PrintSettings:
    """Where and how a job prints: a format, or a printer profile that sets it."""

    format: str
    start_at: int = 1
    copies: int = 1
    offset_mm: tuple[float, float] = (0.0, 0.0)
    dpi: int = DEFAULT_DPI


def settings_for(*, format: str | None, start_at, copies,
                 printer: PrinterProfile | None = None) -> PrintSettings:
    """The job's settings; a printer profile's format, offset and resolution win."""
    if printer is not None:
        if not printer.active:
            raise PrinterInactive(name=printer.name)
        return PrintSettings(format=printer.label_format, start_at=start_at, copies=copies,
                             offset_mm=(printer.offset_x_mm, printer.offset_y_mm),
                             dpi=printer.dpi)
    return PrintSettings(format=format or "", start_at=start_at, copies=copies)


def print_labels(labels: list[LabelData], settings: PrintSettings) -> bytes:
    """The PDF of ``labels`` printed with ``settings``; raises the builder's errors."""
    return build_labels(labels, format=settings.format, start_at=settings.start_at,
                        copies=settings.copies, offset_mm=settings.offset_mm,
                        dpi=settings.dpi)


def calibration_page(printer: PrinterProfile | None = None, *,
                     format: str | None = None) -> bytes:
    """The calibration page of a printer (its offset applied), or of a bare format."""
    if printer is not None:
        return build_calibration_page(format=printer.label_format,
                                      offset_mm=(printer.offset_x_mm, printer.offset_y_mm))
    return build_calibration_page(format=format or "")


# --- printer profiles -------------------------------------------------------------------

def printers(*, active_only: bool = False) -> list[PrinterProfile]:
    statement = select(PrinterProfile).order_by(PrinterProfile.active.desc(),
                                                func.lower(PrinterProfile.name))
    if active_only:
        statement = statement.where(PrinterProfile.active.is_(True))
    return list(db.session.scalars(statement))


def parse_millimetres(value) -> float:
    """A printer offset as typed: "1.5", "-0,5", "" (none); raise OffsetNotANumber."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0.0
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        text = str(value).strip().replace(",", ".").replace("−", "-")
        try:
            number = float(Decimal(text))
        except (InvalidOperation, ValueError):
            raise OffsetNotANumber(value=str(value)[:20]) from None
    if not math.isfinite(number):
        raise OffsetNotANumber(value=str(value)[:20])
    return round(number, 2)


def _check_printer(*, name: str, label_format: str, offset_x_mm: float, offset_y_mm: float,
                   dpi: int, exclude_id: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise PrinterNameRequired()
    if len(name) > MAX_PROFILE_NAME:
        raise PrinterNameTooLong(maximum=MAX_PROFILE_NAME)
    fmt = FORMATS.get(label_format)
    if fmt is None:
        raise UnknownLabelFormat(format=label_format, known=", ".join(FORMATS))
    if dpi not in THERMAL_DPI:
        raise UnsupportedPrinterResolution(
            dpi=dpi, supported=", ".join(str(d) for d in THERMAL_DPI))
    limit_across, limit_down = fmt.offset_limit_mm
    if abs(offset_x_mm) > limit_across or abs(offset_y_mm) > limit_down:
        raise PrinterOffsetTooLarge(
            across=format_decimal(offset_x_mm), down=format_decimal(offset_y_mm),
            format=fmt.name, limit_across=format_decimal(limit_across),
            limit_down=format_decimal(limit_down))
    clash = select(PrinterProfile.id).where(func.lower(PrinterProfile.name) == name.lower())
    if exclude_id is not None:
        clash = clash.where(PrinterProfile.id != exclude_id)
    if db.session.scalar(clash) is not None:
        raise PrinterNameUsed(name=name)
    return name


def create_printer(*, name: str, label_format: str, offset_x_mm=0.0, offset_y_mm=0.0,
                   dpi: int = DEFAULT_DPI, site: Site | None = None,
                   actor: User) -> PrinterProfile:
    """Save a printer profile, after checking its offset keeps labels on the page.

    Raises PrinterNameRequired, PrinterNameTooLong, PrinterNameUsed, OffsetNotANumber and
    the builder's UnknownLabelFormat, UnsupportedPrinterResolution, PrinterOffsetTooLarge.
    """
    across, down = parse_millimetres(offset_x_mm), parse_millimetres(offset_y_mm)
    name = _check_printer(name=name, label_format=label_format, offset_x_mm=across,
                          offset_y_mm=down, dpi=dpi)
    printer = PrinterProfile(name=name, label_format=label_format, offset_x_mm=across,
                             offset_y_mm=down, dpi=dpi, site_id=site.id if site else None,
                             created_by_id=actor.id)
    db.session.add(printer)
    db.session.flush()
    record(actor=actor, action=PRINTER_CREATED, target=printer,
           summary=f"Added the printer {name} ({label_format}, offset {across} / {down} mm, "
                   f"{dpi} dpi)", name=name, label_format=label_format, offset_x_mm=across,
           offset_y_mm=down, dpi=dpi)
    _commit_or_name_used(name)
    return printer


def update_printer(printer: PrinterProfile, *, name: str, label_format: str, offset_x_mm,
                   offset_y_mm, dpi: int, site: Site | None = None, actor: User) -> bool:
    """Change a printer profile; return whether anything changed. Raises as ``create``."""
    across, down = parse_millimetres(offset_x_mm), parse_millimetres(offset_y_mm)
    name = _check_printer(name=name, label_format=label_format, offset_x_mm=across,
                          offset_y_mm=down, dpi=dpi, exclude_id=printer.id)
    new = {"name": name, "label_format": label_format, "offset_x_mm": across,
           "offset_y_mm": down, "dpi": dpi, "site_id": site.id if site else None}
    old = {key: getattr(printer, key) for key in new}
    if old == new:
        return False
    for key, value in new.items():
        setattr(printer, key, value)
    changed = {f"old_{k}": old[k] for k in new if old[k] != new[k]} | {
        f"new_{k}": new[k] for k in new if old[k] != new[k]}
    record(actor=actor, action=PRINTER_CHANGED, target=printer,
           summary=f"Changed the printer {name}: " + ", ".join(
               f"{k} {old[k]} → {new[k]}" for k in new if old[k] != new[k]), **changed)
    _commit_or_name_used(name)
    return True


def set_printer_active(printer: PrinterProfile, *, active: bool, actor: User) -> bool:
    """Take a printer out of the print forms, or put it back; return whether it changed."""
    if printer.active == active:
        return False
    printer.active = active
    record(actor=actor, action=PRINTER_REACTIVATED if active else PRINTER_DEACTIVATED,
           target=printer, summary=("Reactivated" if active else "Deactivated")
           + f" the printer {printer.name}", name=printer.name)
    db.session.commit()
    return True


def _commit_or_name_used(name: str) -> None:
    try:
        db.session.commit()
    except IntegrityError:  # another manager saved the same name meanwhile
        db.session.rollback()
        raise PrinterNameUsed(name=name) from None
