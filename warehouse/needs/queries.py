"""Read side of the public needs list: what donors can bring now, and how many.

An item is *needed* when what is available across every site (on hand less reserved)
is below its target level; how many are needed is the difference. Items are grouped by
category and ordered by urgency: fewest days of cover first (``warehouse.stock.queries``:
on hand over the average daily outflow of the last ``COVER_WINDOW_DAYS`` days; an item
with none available is urgent whatever its rate), and items nobody took lately last. Categories follow their most
urgent item.

This list is public. It names items and categories and counts them, and nothing else:
no location, no site, no partner, nobody.
"""
from dataclasses import dataclass
from datetime import datetime

from warehouse.core.types import utcnow
from warehouse.dashboard.queries import ItemCover, item_cover
from warehouse.reports.queries import sort_key

#: Days of cover under which a need is urgent, and under which it is needed soon.
URGENT_DAYS = 7
SOON_DAYS = 21
#: The poster shows this many of the most urgent items; the page shows them all.
POSTER_ITEMS = 36

URGENT, SOON, WANTED = "urgent", "soon", "wanted"

__all__ = ["Need", "NeedCategory", "NeedsList", "needs_list"]


@dataclass(frozen=True, slots=True)
class Need:
    code: str
    item: str
    unit: str
    needed: int
    #: Days the stock on hand lasts at the recent rate; None when nothing went out lately.
    days_of_cover: float | None
    urgency: str  # URGENT, SOON or WANTED

    @property
    def order(self) -> tuple:
        days = self.days_of_cover
        return ({URGENT: 0, SOON: 1, WANTED: 2}[self.urgency],
                days if days is not None else float("inf"), -self.needed, sort_key(self.item))


@dataclass(frozen=True, slots=True)
class NeedCategory:
    name: str
    needs: tuple[Need, ...]


@dataclass(frozen=True, slots=True)
class NeedsList:
    generated_at: datetime
    categories: tuple[NeedCategory, ...]

    @property
    def needs(self) -> list[Need]:
        return [need for category in self.categories for need in category.needs]

    def most_urgent(self, count: int) -> "NeedsList":
        """The same list cut to the ``count`` most urgent items, still by category."""
        keep = {id(need) for need in sorted(self.needs, key=lambda n: n.order)[:count]}
        return NeedsList(self.generated_at, tuple(
            NeedCategory(category.name, tuple(n for n in category.needs if id(n) in keep))
            for category in self.categories if any(id(n) in keep for n in category.needs)))


def urgency(cover: ItemCover) -> str:
    days = cover.days_of_cover
    if cover.available <= 0:  # none left to give: urgent whatever the recent rate
        return URGENT
    if days is None:
        return WANTED
    if days < URGENT_DAYS:
        return URGENT
    if days < SOON_DAYS:
        return SOON
    return WANTED


def needs_list(*, now: datetime | None = None) -> NeedsList:
    """Every active item below its target level, across all sites, by category and urgency.

    Names are in the current locale (use ``force_locale``).
    """
    now = now or utcnow()
    by_category: dict[int, tuple[str, list[Need]]] = {}
    for cover in item_cover(None, now=now):
        if cover.target_level <= 0 or cover.needed <= 0:
            continue
        days = cover.days_of_cover
        need = Need(code=cover.item_code, item=cover.item, unit=cover.unit,
                    needed=cover.needed,
                    days_of_cover=round(days, 1) if days is not None else None,
                    urgency=urgency(cover))
        by_category.setdefault(cover.category_id, (cover.category, []))[1].append(need)
    categories = []
    for name, needs in by_category.values():
        needs.sort(key=lambda n: n.order)
        categories.append(NeedCategory(name, tuple(needs)))
    categories.sort(key=lambda c: (c.needs[0].order, sort_key(c.name)))
    return NeedsList(now, tuple(categories))
