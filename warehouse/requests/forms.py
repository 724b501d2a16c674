"""Reading the request pages' forms: what was typed, kept as typed so a refused form shows
again as it was sent. The services say what is wrong with it.

Lines are numbered fields (``item-0``, ``quantity-0``, …) so a form works without script;
quantities are text with a numeric keyboard, so "2,5" reaches ``whole_quantity`` and gets
its clear message rather than a browser's silent rounding.
"""
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext

from warehouse.requests.services import Allocation, RequestLine

#: Blank lines a new request form offers, and adds when "More lines" is pressed.
BLANK_LINES = 3
MAX_FORM_LINES = 100


def _int(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else None


@dataclass
class TypedLine:
    item: str = ""
    quantity: str = ""
    error: str | None = None

    @property
    def blank(self) -> bool:
        return not self.item.strip() and not self.quantity.strip()


@dataclass
class RequestForm:
    """A request as typed."""

    needed_by: str = ""
    site: str = ""
    distribution_site: str = ""
    organisation: str = ""
    note: str = ""
    client_key: str = ""
    lines: list[TypedLine] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    form_errors: list[str] = field(default_factory=list)

    @classmethod
    def from_request(cls, stock_request) -> "RequestForm":
        form = cls(needed_by=stock_request.needed_by.isoformat(),
                   site=str(stock_request.site_id),
                   distribution_site=str(stock_request.distribution_site_id or ""),
                   organisation=str(stock_request.organisation_id),
                   note=stock_request.note or "",
                   lines=[TypedLine(str(line.item_id), str(line.requested))
                          for line in stock_request.lines])
        form.pad()
        return form

    @classmethod
    def parse(cls, data) -> "RequestForm":
        form = cls(needed_by=data.get("needed_by", "").strip(), site=data.get("site", ""),
                   distribution_site=data.get("distribution_site", ""),
                   organisation=data.get("organisation", ""), note=data.get("note", ""),
                   client_key=data.get("client_key", "")[:64])
        count = min(_int(data.get("line_count")) or BLANK_LINES, MAX_FORM_LINES)
        form.lines = [TypedLine(data.get(f"item-{n}", ""), data.get(f"quantity-{n}", ""))
                      for n in range(count)]
        return form

    def pad(self, blank: int = BLANK_LINES) -> None:
        """Keep the typed lines and offer ``blank`` empty ones after them."""
        typed = [line for line in self.lines if not line.blank or line.error]
        self.lines = typed + [TypedLine() for _ in range(blank)]
        self.lines = self.lines[:MAX_FORM_LINES]

    @property
    def day(self) -> date | None:
        try:
            return date.fromisoformat(self.needed_by)
        except ValueError:
            return None

    def check_day(self) -> bool:
        """Whether the date was readable (an empty one is left to the service)."""
        if self.needed_by and self.day is None:
            self.add_error("needed_by", gettext(
                "Enter the date needed by as a date, for example 2027-12-31."))
            return False
        return True

    def service_lines(self) -> tuple[list[RequestLine], list[int]]:
        """The lines that are not blank, and the index in ``lines`` of each."""
        kept = [(n, line) for n, line in enumerate(self.lines) if not line.blank]
        return ([RequestLine(_int(line.item), line.quantity.strip()) for _n, line in kept],
                [n for n, _line in kept])

    def arguments(self) -> dict:
        return {"site_id": _int(self.site),
                "distribution_site_id": _int(self.distribution_site),
                "needed_by": self.day, "note": self.note}

    def add_error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def show(self, error, positions: list[int]) -> None:
        """Put each problem of a service's refusal next to the field or line it is about."""
        for problem in getattr(error, "problems", None) or [error]:
            line = getattr(problem, "line", None)
            name = getattr(problem, "field", None)
            if line is not None and 0 <= line < len(positions):
                self.lines[positions[line]].error = problem.message
            elif name in {"needed_by", "site", "distribution_site", "organisation", "lines"}:
                self.add_error(name, problem.message)
            else:
                self.form_errors.append(problem.message)


@dataclass
class ReviewForm:
    """What a manager typed on the review page: an allocation and a note per line."""

    allocations: dict[int, str] = field(default_factory=dict)
    notes: dict[int, str] = field(default_factory=dict)
    decision_note: str = ""
    reason: str = ""
    line_errors: dict[int, str] = field(default_factory=dict)
    form_errors: list[str] = field(default_factory=list)
    reason_errors: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, data, line_ids: list[int]) -> "ReviewForm":
        return cls(allocations={i: data.get(f"allocation-{i}", "").strip() for i in line_ids},
                   notes={i: data.get(f"note-{i}", "") for i in line_ids},
                   decision_note=data.get("decision_note", ""),
                   reason=data.get("reason", ""))

    @classmethod
    def proposed(cls, proposals) -> "ReviewForm":
        return cls(allocations={p.line.id: str(p.proposed) for p in proposals})

    def service_allocations(self) -> dict[int, Allocation]:
        return {line_id: Allocation(quantity, self.notes.get(line_id))
                for line_id, quantity in self.allocations.items()}

    def show(self, error) -> None:
        line = getattr(error, "line", None)
        if line is not None and line in self.allocations:
            self.line_errors[line] = error.message
        else:
            self.form_errors.append(error.message)
