"""The weekly report assembled: its scope, each side's figures (``stock``, ``fulfilment``,
``distributions``, ``chart``), and the rows it lists."""
from collections import defaultdict
from datetime import datetime

from sqlalchemy import select

from warehouse.accounts.models import Organisation, OrganisationKind
from warehouse.core.clock import local_today
from warehouse.extensions import db
from warehouse.reports import errors
from warehouse.reports.queries import sort_key
from warehouse.reports.weekly import chart, distributions, fulfilment, stock
from warehouse.reports.weekly.distributions import Given
from warehouse.reports.weekly.figures import (CategoryBlock, DistributionLine, EvictionRow,
                                              Headline, ItemRow, NeedRow, PartnerRow, PlaceRow,
                                              WeeklyReport)
from warehouse.reports.weekly.fulfilment import Requests
from warehouse.reports.weekly.periods import Period
from warehouse.reports.weekly.scope import ItemCache, Scope
from warehouse.reports.weekly.stock import Flows
from warehouse.stock import errors as stock_errors
from warehouse.stock.models import Site

#: Items listed under "top needs".
TOP_NEEDS = 10


def weekly_report(period: Period, *, site_id: int | None = None,
                  organisation_id: int | None = None, now: datetime | None = None
                  ) -> WeeklyReport:
    """The weekly report of ``period`` for one site (or all: None), or one partner.

    With ``organisation_id`` the report is that partner's: its custody, its requests, its
    distributions; ``site_id`` then limits its requests and collections to that site.
    Names come in the current locale (use ``force_locale``).

    Raises UnknownSite, UnknownOrganisation, or PeriodInFuture for a period that starts
    after today. A period in which nothing happened gives a report with ``has_data``
    False, not an error.
    """
    today = local_today(now)
    if period.start > today:
        raise errors.PeriodInFuture(start=period.start.isoformat(), today=today.isoformat())
    site, organisation = _site(site_id), _organisation(organisation_id)
    scope = Scope(site_id=site.id if site else None,
                  organisation_id=organisation.id if organisation else None)
    watch = scope.is_warehouse  # the warehouse keeps minimum levels; a partner's custody not
    previous_period = period.previous()

    closing = stock.closing(scope, period)
    current = stock.period_flows(scope, period)
    opening = {item: closing.get(item, 0) - current.net.get(item, 0)
               for item in set(closing) | set(current.net)}
    previous = stock.period_flows(scope, previous_period)
    on_the_way = stock.on_the_way(scope, period.ends_at)
    requests_now = fulfilment.requests(scope, period)
    requests_before = fulfilment.requests(scope, previous_period)
    given_now = distributions.given(scope, period)
    given_before = distributions.given(scope, previous_period)
    items = ItemCache()
    stockouts_now = stock.stockouts(scope, period, closing, today, items, current) \
        if watch else {}
    stockouts_before = stock.stockouts(scope, previous_period, opening, today, items,
                                       previous) if watch else {}

    item_ids = {i for i in set(opening) | set(closing) | current.in_ | current.out_ids
                | set(on_the_way) if opening.get(i) or closing.get(i) or i in current.in_
                or i in current.out_ids or on_the_way.get(i)}
    item_ids |= {i for i, days in stockouts_now.items() if days}
    items.load(item_ids | requests_now.item_ids | given_now.item_ids
               | set(given_now.evictions_by_item))
    outflow, window = stock.cover_outflow(scope, period)
    rows = [ItemRow(item_id=item.id, code=item.code, name=item.display_name,
                    opening=opening.get(item.id, 0), received=current.gross_in.get(item.id, 0),
                    out=current.gross_out.get(item.id, 0), closing=closing.get(item.id, 0),
                    on_the_way=on_the_way.get(item.id, 0), outflow=outflow.get(item.id, 0),
                    days=window, minimum_level=item.minimum_level,
                    stockout_days=stockouts_now.get(item.id, 0), watch_minimum=watch)
            for item in (items.get(item_id)[0] for item_id in item_ids)]
    available = {item: closing.get(item, 0) - (on_the_way.get(item, 0) if watch else 0)
                 for item in requests_now.by_item}
    partners = _partner_rows(scope, current, requests_now, given_now)
    has_data = bool(current.touched or requests_now.requests or given_now.rows
                    or any(opening.values()) or any(closing.values()))
    return WeeklyReport(
        period=period, previous_period=previous_period,
        scope="warehouse" if watch else "partner",
        site_id=site.id if site else None, site_code=site.code if site else None,
        site_name=site.name if site else None,
        organisation_id=organisation.id if organisation else None,
        organisation_name=organisation.name if organisation else None,
        headline=_headline(scope, current, requests_now, given_now, stockouts_now),
        previous=_headline(scope, previous, requests_before, given_before, stockouts_before),
        partners=partners, places=_place_rows(given_now),
        categories=_by_category(rows, items),
        top_needs=_top_needs(requests_now, items, available),
        donations=stock.donations(scope, period) if watch else (),
        evictions_by_item=_evictions(given_now, items),
        weeks=chart.weeks(scope, period),
        distribution_lines=_distribution_lines(given_now, partners, items),
        has_data=has_data,
        future_days=max(0, (period.end - today).days) if period.end > today else 0)


def _site(site_id: int | None) -> Site | None:
    if site_id is None:
        return None
    site = db.session.get(Site, site_id)
    if site is None:
        raise stock_errors.UnknownSite(site_id=site_id)
    return site


def _organisation(organisation_id: int | None) -> Organisation | None:
    if organisation_id is None:
        return None
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise errors.UnknownOrganisation()
    return organisation


def _by_category(rows: list[ItemRow], items: ItemCache) -> tuple[CategoryBlock, ...]:
    """The item rows under their categories, in the categories' order, items by name."""
    grouped: dict[tuple, list[ItemRow]] = defaultdict(list)
    for row in rows:
        category = items.get(row.item_id)[1]
        grouped[(category.position, sort_key(category.display_name), category.id,
                 category.display_name)].append(row)
    return tuple(
        CategoryBlock(key[3], tuple(sorted(rows, key=lambda r: (sort_key(r.name), r.item_id))))
        for key, rows in sorted(grouped.items(), key=lambda kv: kv[0][:3]))


def _place_rows(given: Given) -> tuple[PlaceRow, ...]:
    """Each distribution site of the period, the busiest first."""
    return tuple(sorted(
        (PlaceRow(distribution_site_id=place.id, name=place.name, town=place.town,
                  region=place.region, distributions=values["distributions"],
                  distributed=values["distributed"], people=values["people"],
                  evictions=values["evictions"])
         for place, values in given.by_place(distributions.places(given.place_ids)).items()),
        key=lambda r: (-r.distributed, sort_key(r.name))))


def _top_needs(requests: Requests, items: ItemCache,
               available: dict[int, int]) -> tuple[NeedRow, ...]:
    """The items requested beyond what was allocated, the largest shortfall first."""
    needs = [NeedRow(item_id=item_id, name=items.get(item_id)[0].display_name,
                     requested=requested, allocated=allocated, available=available[item_id])
             for item_id, (requested, allocated) in requests.by_item.items()
             if requested > allocated]
    needs.sort(key=lambda r: (-r.short, -r.requested, sort_key(r.name)))
    return tuple(needs[:TOP_NEEDS])


def _evictions(given: Given, items: ItemCache) -> tuple[EvictionRow, ...]:
    """What was handed out to replace what evictions destroyed, per item, most first."""
    return tuple(sorted(
        (EvictionRow(item_id, items.get(item_id)[0].display_name, quantity)
         for item_id, quantity in given.evictions_by_item.items() if quantity),
        key=lambda r: (-r.quantity, sort_key(r.name))))


def _distribution_lines(given: Given, partners: tuple[PartnerRow, ...],
                        items: ItemCache) -> tuple[DistributionLine, ...]:
    """Who handed out what where, with the people reached there."""
    places = distributions.places(given.place_ids)
    partner_names = {row.organisation_id: row.name for row in partners}
    people_at: dict[tuple[int, int], int] = defaultdict(int)
    for row in given.rows:
        people_at[(row[0], row[1])] += row[3]
    lines = []
    for (org, place_id, item_id), quantity in given.items_by_org_place_item.items():
        place, item = places[place_id], items.get(item_id)[0]
        lines.append(DistributionLine(
            partner=partner_names.get(org, "?"), place=place.name, town=place.town,
            region=place.region, item_code=item.code, item=item.display_name,
            quantity=quantity, people=people_at[(org, place_id)]))
    lines.sort(key=lambda line: (sort_key(line.partner), sort_key(line.place),
                                 sort_key(line.item), line.item_code))
    return tuple(lines)


def _headline(scope: Scope, flows: Flows, requests: Requests, given: Given,
              stockouts: dict[int, int]) -> Headline:
    write_offs = tuple(sorted(((reason, quantity) for reason, quantity
                               in flows.write_offs.items() if quantity),
                              key=lambda pair: (-pair[1], pair[0])))
    dispatched = sum(flows.dispatched.values())
    return Headline(
        received=dispatched if not scope.is_warehouse else flows.received,
        dispatched=dispatched,
        distributed=given.distributed + flows.distributed * scope.is_warehouse,
        returned=sum(flows.returned.values()),
        people=given.people(), fulfilment=requests.fulfilment(),
        stockout_item_days=sum(stockouts.values()), evictions=given.evictions,
        written_off=sum(q for _, q in write_offs), write_offs=write_offs)


def _partner_rows(scope: Scope, flows: Flows, requests: Requests,
                  given: Given) -> tuple[PartnerRow, ...]:
    distributed = given.by_org()
    orgs = set(requests.by_org) | set(distributed) | {
        org for org, q in flows.dispatched.items() if q} | {
        org for org, q in flows.returned.items() if q}
    if scope.organisation_id is not None:
        orgs = {org for org in orgs if org == scope.organisation_id}
    orgs.discard(None)
    if not orgs:
        return ()
    names = dict(db.session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(orgs))).all())
    rows = [PartnerRow(
        organisation_id=org, name=names.get(org, "?"),
        requested=requests.by_org.get(org, (0, 0, 0))[0],
        allocated=requests.by_org.get(org, (0, 0, 0))[1],
        dispatched=flows.dispatched.get(org, 0),
        distributed=distributed.get(org, (0, 0))[0], people=distributed.get(org, (0, 0))[1],
        returned=flows.returned.get(org, 0)) for org in orgs]
    return tuple(sorted(rows, key=lambda r: sort_key(r.name)))


# --- choosing what to report on ----------------------------------------------------------

def report_sites() -> list[Site]:
    return list(db.session.scalars(select(Site).where(Site.active.is_(True))
                                   .order_by(Site.name)))


def report_partners() -> list[Organisation]:
    return list(db.session.scalars(
        select(Organisation).where(Organisation.kind == OrganisationKind.PARTNER)
        .order_by(Organisation.name)))
