"""What a weekly report shows: its figures as plain data, and their fingerprint.

The PDF, the XLSX, the web page and the issued-report check read these, so a figure on
paper is the figure a test checks.
"""
import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date


from warehouse.reports.weekly.periods import Period
from warehouse.stock.queries import below_minimum, days_of_cover


@dataclass(frozen=True, slots=True)
class People:
    total: int = 0
    women: int = 0
    men: int = 0
    children: int = 0
    unaccompanied_minors: int = 0
    distributions: int = 0
    #: Distributions that recorded at least one of women, men, children, minors.
    with_breakdown: int = 0


@dataclass(frozen=True, slots=True)
class Fulfilment:
    requests: int = 0
    fully_met: int = 0
    requested: int = 0
    allocated: int = 0
    dispatched: int = 0

    @property
    def allocated_share(self) -> float | None:
        return self.allocated / self.requested if self.requested else None

    @property
    def dispatched_share(self) -> float | None:
        return self.dispatched / self.requested if self.requested else None

    @property
    def fully_met_share(self) -> float | None:
        return self.fully_met / self.requests if self.requests else None


@dataclass(frozen=True, slots=True)
class Headline:
    """The first page's figures, for one period."""

    received: int  # warehouse: donations in; partner: collected from the warehouse
    dispatched: int  # warehouse: to partners; partner: the same as received
    distributed: int
    returned: int
    people: People
    fulfilment: Fulfilment
    stockout_item_days: int
    evictions: int
    written_off: int
    write_offs: tuple[tuple[str, int], ...]  # (reason, quantity), largest first


@dataclass(frozen=True, slots=True)
class PartnerRow:
    organisation_id: int
    name: str
    requested: int
    allocated: int
    dispatched: int
    distributed: int
    people: int
    returned: int


@dataclass(frozen=True, slots=True)
class PlaceRow:
    distribution_site_id: int
    name: str
    town: str
    region: str
    distributions: int
    distributed: int
    people: int
    evictions: int


@dataclass(frozen=True, slots=True)
class ItemRow:
    item_id: int
    code: str
    name: str
    opening: int
    received: int  # every inflow: donations, returns, transfers, count gains, corrections
    out: int  # every outflow: dispatches, transfers, write-offs, count losses
    closing: int
    on_the_way: int  # warehouse: reserved for approved requests; partner: allocated to it
    #: What left the scope in the ``days`` (the cover window) up to the period's end.
    outflow: int
    days: int
    minimum_level: int
    stockout_days: int
    watch_minimum: bool  # the warehouse keeps a minimum (a partner's custody has none)

    @property
    def days_of_cover(self) -> float | None:
        """Closing stock over the average daily outflow of the cover window."""
        return days_of_cover(self.closing, self.outflow, self.days)

    @property
    def below_minimum(self) -> bool:
        return self.watch_minimum and below_minimum(self.closing, self.minimum_level)


@dataclass(frozen=True, slots=True)
class CategoryBlock:
    name: str
    items: tuple[ItemRow, ...]


@dataclass(frozen=True, slots=True)
class NeedRow:
    item_id: int
    name: str
    requested: int
    allocated: int
    available: int  # closing less on the way, at the period's end

    @property
    def short(self) -> int:
        return self.requested - self.allocated


@dataclass(frozen=True, slots=True)
class DonationRow:
    donor_type: str
    donations: int
    items: int


@dataclass(frozen=True, slots=True)
class WeekPoint:
    week: str
    start: date
    received: int
    distributed: int
    evictions: int


@dataclass(frozen=True, slots=True)
class EvictionRow:
    item_id: int
    name: str
    quantity: int


@dataclass(frozen=True, slots=True)
class DistributionLine:
    """What one partner handed out of one item at one distribution site (HXL rows)."""

    partner: str
    place: str
    town: str
    region: str
    item_code: str
    item: str
    quantity: int
    #: People reached by that partner at that site in the period (all items).
    people: int


@dataclass(frozen=True)
class WeeklyReport:
    period: Period
    previous_period: Period
    #: "warehouse" or "partner" (a partner's custody: ``organisation_id`` set).
    scope: str
    site_id: int | None
    site_code: str | None
    site_name: str | None
    organisation_id: int | None
    organisation_name: str | None
    headline: Headline
    previous: Headline
    partners: tuple[PartnerRow, ...]
    places: tuple[PlaceRow, ...]
    categories: tuple[CategoryBlock, ...]
    top_needs: tuple[NeedRow, ...]
    donations: tuple[DonationRow, ...]
    evictions_by_item: tuple[EvictionRow, ...]
    weeks: tuple[WeekPoint, ...]
    distribution_lines: tuple[DistributionLine, ...] = ()
    #: Whether anything happened in the period at all (stock, requests, distributions).
    has_data: bool = True
    #: Days of the period after today, not yet counted.
    future_days: int = 0

    @property
    def items(self) -> list[ItemRow]:
        return [row for block in self.categories for row in block.items]

    @property
    def totals(self) -> dict[str, int]:
        rows = self.items
        return {name: sum(getattr(row, name) for row in rows)
                for name in ("opening", "received", "out", "closing", "on_the_way")}

    def figures(self) -> dict:
        """Every figure as plain JSON-ready data, in a stable order."""
        data = asdict(self)
        return json.loads(json.dumps(data, default=_json_default, sort_keys=True))


def _json_default(value):
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value))


def figures_fingerprint(figures: dict) -> str:
    """A hash of the numbers in ``figures`` (names left out: a renamed item is not a
    correction), to tell whether an issued report's figures still stand."""
    def numbers(value):
        if isinstance(value, dict):
            return {k: numbers(v) for k, v in sorted(value.items())
                    if k not in ("name", "code", "town", "region", "site_name",
                                 "site_code", "organisation_name")}
        if isinstance(value, list):
            return [numbers(v) for v in value]
        return value
    text = json.dumps(numbers(figures), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
