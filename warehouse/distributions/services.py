"""Custody, distributions and returns: what a partner does with the stock it collected.

A partner's custody is its ``partner`` location in the ledger (``custody_location``).
Stock comes into it by dispatch; it leaves it when the partner hands it out (a
``distribution`` document to the *distributed* virtual location) or brings it back (a
``return`` document to a warehouse site's intake place). Every quantity goes through
``warehouse.stock.services.post_document``, which owns and commits its transaction.

A ``Distribution`` row is written by the post's ``also`` hook, on the post's own
connection, so a distribution and its ledger document both exist or neither does. A
wrong distribution is corrected by a reversal document, posted the same way so that the
reversal and the distribution's ``reversal_document_id`` are written together.

Counts only: a distribution records how many people were reached, never who.
"""
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import gettext
from sqlalchemy import insert, select, update

from warehouse.accounts.models import Organisation, OrganisationKind, Role, User
from warehouse.catalogue.models import Item
from warehouse.core.clock import local_today, local_zone
from warehouse.core.errors import N_, DomainError
from warehouse.core.types import utcnow
from warehouse.distributions import errors
from warehouse.distributions.models import (
    Distribution,
    DistributionReason,
    DistributionSite,
)
from warehouse.extensions import db
from warehouse.stock import errors as stock_errors
from warehouse.stock.models import (
    Box,
    Document,
    DocumentKind,
    Location,
    LocationKind,
    Site,
    StockLevel,
)
from warehouse.stock.services import (
    MAX_LINES,
    Line,
    custody_location,
    post_document,
    reverse_document,
    system_location,
    whole_quantity,
)

#: How far back a distribution may be logged; older ones are a manager's correction.
MAX_DAYS_BACK = 60
MAX_NOTE_LENGTH = 2000
#: The document's reason of a correction.
CORRECTION_REASON = "correction"
# Each kind of form namespaces its one-time key, so a key can never replay another form.
DISTRIBUTION_KEY = "distribution:"
CORRECTION_KEY = "distribution-correction:"
RETURN_KEY = "return:"
#: Local time a distribution logged for an earlier day is put at.
PAST_DAY_TIME = time(12, 0)

#: What a post raises when custody changed between the checks and the post.
CUSTODY_CHANGED = (stock_errors.InsufficientStock, stock_errors.InsufficientStockInBox,
                   stock_errors.BoxNotAtLocation)

PEOPLE_FIELDS = {
    "women": N_("Women"),
    "men": N_("Men"),
    "children": N_("Children"),
    "unaccompanied_minors": N_("Unaccompanied minors"),
}


@dataclass(frozen=True, slots=True)
class StockLine:
    """One line of a form: an item and a quantity, possibly as the text a person typed."""

    item_id: int | str | None
    quantity: int | str | None


@dataclass(frozen=True, slots=True)
class Recorded:
    distribution: Distribution
    #: The form had been sent before: this is what it recorded then; nothing new was.
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class Posted:
    document_id: int
    replayed: bool = False


# --- distributions -----------------------------------------------------------------------

def record_distribution(*, actor: User, organisation_id: int, distribution_site_id,
                        distributed_on: date | None, reason: DistributionReason | str | None,
                        lines: list[StockLine], people_total, women=None, men=None,
                        children=None, unaccompanied_minors=None, note: str | None = None,
                        idempotency_key: str | None, now: datetime | None = None) -> Recorded:
    """Record what a partner handed out, taking it out of its custody, and commit.

    ``distributed_on`` is a local day, not in the future and at most ``MAX_DAYS_BACK``
    days back; the document happens at that day's noon, or now when it is today. Only
    items the partner holds, at most what it holds. ``people_total`` is required (≥ 1);
    the optional breakdown may not add up to more than it.

    Raises a ``distributions.errors`` or ``stock.errors`` error, having written nothing;
    every problem found is in ``.problems``, each with ``.field`` (the argument) or
    ``.line`` (the index in ``lines``). A coordinator naming another partner gets
    ``UnknownOrganisation``. The same ``idempotency_key`` records once and answers
    ``Recorded(..., replayed=True)``.
    """
    key = _namespaced(DISTRIBUTION_KEY, idempotency_key)
    earlier = _distribution_of_key(key)
    if earlier is not None:
        return Recorded(earlier, replayed=True)
    organisation = _organisation_for(actor, organisation_id)
    now = now or utcnow()

    problems = _Problems()
    distributed_on = problems.check(_check_day, distributed_on, now, field="distributed_on")
    site = problems.check(_active_distribution_site, distribution_site_id,
                          field="distribution_site_id")
    reason = problems.check(_reason, reason, field="reason")
    counts = {"people_total": problems.check(_people_total, people_total,
                                             field="people_total")}
    for name, value in (("women", women), ("men", men), ("children", children),
                        ("unaccompanied_minors", unaccompanied_minors)):
        counts[name] = problems.check(_count, value, PEOPLE_FIELDS[name], field=name)
    breakdown = sum(counts[name] or 0 for name in PEOPLE_FIELDS)
    if counts["people_total"] is not None and breakdown > counts["people_total"]:
        problems.add(errors.BreakdownExceedsTotal(breakdown=breakdown,
                                                  total=counts["people_total"]),
                     field="people_total")
    note = problems.check(_text, note, MAX_NOTE_LENGTH, N_("The note"), field="note")
    checked = _check_lines(lines, organisation, problems, errors.NoDistributionLines)
    if problems.found:
        earlier = _distribution_of_key(key, fresh=True)
        if earlier is not None:  # sent again while the first send was being recorded
            return Recorded(earlier, replayed=True)
    problems.raise_any()

    custody_id = custody_location(organisation).id
    distributed_id = system_location(LocationKind.DISTRIBUTED).id
    occurred_at = now if distributed_on == local_today(now) else datetime.combine(
        distributed_on, PAST_DAY_TIME, tzinfo=local_zone())
    actor_id = _user_id(actor)
    row = {
        "organisation_id": organisation.id, "distribution_site_id": site.id,
        "distributed_on": distributed_on, "reason": reason, "note": note,
        "created_by_id": actor_id, **counts,
    }

    def insert_distribution(conn, document_id):
        conn.execute(insert(Distribution).values(**row, document_id=document_id,
                                                 created_at=utcnow()))

    try:
        post_document(kind=DocumentKind.DISTRIBUTION, actor=actor_id, occurred_at=occurred_at,
                      reason=reason.value, note=note, idempotency_key=key,
                      lines=_take_from_custody(checked, custody_id, distributed_id),
                      also=insert_distribution)
    except stock_errors.IdempotencyKeyReused:
        # The same form sent twice at once (its time is "now", so the two differ): the
        # first send recorded it.
        earlier = _distribution_of_key(key)
        if earlier is None:
            raise
        return Recorded(earlier, replayed=True)
    except CUSTODY_CHANGED:
        earlier = _distribution_of_key(key, fresh=True)
        if earlier is not None:
            return Recorded(earlier, replayed=True)
        _raise_not_held(checked, organisation)
        raise
    return Recorded(_distribution_of_key(key))


def correct_distribution(*, actor: User, distribution_id: int,
                         idempotency_key: str | None) -> Posted:
    """Cancel a wrong distribution: post its mirror image back into custody, and commit.

    The reversal and the distribution's ``reversal_document_id`` are written in one
    transaction. The distribution stays in the history, marked as corrected. Raises
    ``AlreadyCorrected`` the second time (a replay of the same key answers the first
    reversal), and ``NotFound`` for another partner's distribution.
    """
    key = _namespaced(CORRECTION_KEY, idempotency_key)
    distribution = _visible_distribution(actor, distribution_id)
    if distribution.reversal_document_id is not None:
        reversal = db.session.get(Document, distribution.reversal_document_id)
        if reversal.idempotency_key == key:
            return Posted(reversal.id, replayed=True)
        raise errors.AlreadyCorrected()
    document_id, target_id = distribution.document_id, distribution.id
    db.session.rollback()

    def link_reversal(conn, reversal_id):
        changed = conn.execute(
            update(Distribution)
            .where(Distribution.id == target_id, Distribution.reversal_document_id.is_(None))
            .values(reversal_document_id=reversal_id)).rowcount
        if not changed:
            raise errors.AlreadyCorrected()

    try:
        # The ledger's own mirror image: boxes the stock came out of get it back.
        posted = reverse_document(document_id, actor=_user_id(actor),
                                  reason=CORRECTION_REASON, idempotency_key=key,
                                  also=link_reversal)
    except stock_errors.AlreadyReversed:
        # Reversed meanwhile, by another send or through the ledger: one reversal each.
        raise errors.AlreadyCorrected() from None
    return Posted(posted.document_id, posted.replayed)


# --- returns -----------------------------------------------------------------------------

def return_stock(*, actor: User, organisation_id: int, site_id, lines: list[StockLine],
                 note: str | None = None, idempotency_key: str | None) -> Posted:
    """Bring unused stock from a partner's custody back to a warehouse's intake place.

    Raises as ``record_distribution`` does, having written nothing. The same
    ``idempotency_key`` posts once.
    """
    key = _namespaced(RETURN_KEY, idempotency_key)
    earlier = _document_of_key(key)
    if earlier is not None:
        return Posted(earlier, replayed=True)
    organisation = _organisation_for(actor, organisation_id)
    problems = _Problems()
    intake_id = problems.check(_intake_of, site_id, field="site_id")
    note = problems.check(_text, note, MAX_NOTE_LENGTH, N_("The note"), field="note")
    checked = _check_lines(lines, organisation, problems, errors.NoReturnLines)
    if problems.found:
        earlier = _document_of_key(key, fresh=True)
        if earlier is not None:  # sent again while the first send was being recorded
            return Posted(earlier, replayed=True)
    problems.raise_any()

    custody_id = custody_location(organisation).id
    try:
        posted = post_document(kind=DocumentKind.RETURN, actor=_user_id(actor), note=note,
                               idempotency_key=key,
                               lines=_take_from_custody(checked, custody_id, intake_id,
                                                        whole_boxes=True))
    except CUSTODY_CHANGED:
        earlier = _document_of_key(key, fresh=True)
        if earlier is not None:
            return Posted(earlier, replayed=True)
        _raise_not_held(checked, organisation)
        raise
    return Posted(posted.document_id, posted.replayed)


def _take_from_custody(checked: list[tuple[int, int]], custody_id: int, target_id: int, *,
                       whole_boxes: bool = False) -> list[Line]:
    """Ledger lines taking each (item, quantity) out of custody: loose stock first, then
    out of the boxes the partner holds (a dispatch may hand over whole boxes), the
    fullest last. With ``whole_boxes``, a box taken entirely moves as a box, label and
    all (a return to the warehouse); otherwise its stock is taken out of it.
    """
    items = [item_id for item_id, _ in checked]
    levels = dict(db.session.execute(
        select(StockLevel.item_id, StockLevel.quantity)
        .where(StockLevel.location_id == custody_id, StockLevel.item_id.in_(items))).all())
    boxes: dict[int, list[tuple[int, int]]] = {}
    for box in db.session.execute(
            select(Box.id, Box.item_id, Box.quantity)
            .where(Box.location_id == custody_id, Box.item_id.in_(items), Box.quantity > 0)
            .order_by(Box.quantity, Box.id)):
        boxes.setdefault(box.item_id, []).append((box.id, box.quantity))
    lines = []
    for item_id, quantity in checked:
        in_boxes = sum(held for _, held in boxes.get(item_id, []))
        loose = max(0, min(quantity, levels.get(item_id, 0) - in_boxes))
        if loose:
            lines.append(Line(item_id, loose, custody_id, target_id))
        left = quantity - loose
        for box_id, held in boxes.get(item_id, []):
            if not left:
                break
            taken = min(left, held)
            whole = whole_boxes and taken == held
            lines.append(Line(item_id, taken, custody_id, target_id, box_id,
                              box_id if whole else None))
            left -= taken
        if left:  # held changed since the check: the ledger refuses it, line by line
            lines.append(Line(item_id, left, custody_id, target_id))
    return lines


def _document_of_key(key: str, *, fresh: bool = False) -> int | None:
    if fresh:
        db.session.rollback()
    return db.session.scalar(select(Document.id).where(Document.idempotency_key == key))


# --- checks ------------------------------------------------------------------------------

class _Problems:
    """Every rule a form broke, so that a person sees them all at once."""

    def __init__(self) -> None:
        self.found: list[DomainError] = []

    def add(self, error: DomainError, *, line: int | None = None,
            field: str | None = None) -> None:
        error.line, error.field = line, field
        self.found.append(error)

    def check(self, function, *args, line: int | None = None, field: str | None = None):
        try:
            return function(*args)
        except DomainError as error:
            self.add(error, line=line, field=field)
            return None

    def raise_any(self) -> None:
        if self.found:
            first = self.found[0]
            first.problems = list(self.found)
            raise first


def _namespaced(prefix: str, key: str | None) -> str:
    key = str(key or "").strip()
    if not key or len(key) > 80:
        raise errors.IdempotencyKeyMissing()
    return prefix + key


def _user_id(actor) -> int:
    return actor if isinstance(actor, int) else actor.id


def _user(actor: User | int) -> User:
    """The acting user, loaded in this thread's session when given by id."""
    return actor if isinstance(actor, User) else db.session.get(User, actor)


def _organisation_for(actor: User | int, organisation_id) -> Organisation:
    """The partner ``actor`` acts for: a coordinator only for their own."""
    actor = _user(actor)
    try:
        organisation = db.session.get(Organisation, int(organisation_id))
    except (TypeError, ValueError):
        organisation = None
    if organisation is None or organisation.kind != OrganisationKind.PARTNER or (
            actor.role == Role.COORDINATOR and actor.organisation_id != organisation.id):
        raise errors.UnknownOrganisation(organisation_id=organisation_id)
    return organisation


def _visible_distribution(actor: User | int, distribution_id) -> Distribution:
    actor = _user(actor)
    distribution = db.session.get(Distribution, distribution_id)
    if distribution is None or (actor.role == Role.COORDINATOR
                                and distribution.organisation_id != actor.organisation_id):
        raise errors.UnknownDistribution(distribution_id=distribution_id)
    return distribution


def _distribution_of_key(key: str, *, fresh: bool = False) -> Distribution | None:
    """The distribution a form's key recorded; ``fresh`` first ends the session's read
    transaction, to see a send of the same form that committed since (SQLite reads keep
    the snapshot they started with)."""
    if fresh:
        db.session.rollback()
    return db.session.scalar(
        select(Distribution).join(Document, Document.id == Distribution.document_id)
        .where(Document.idempotency_key == key))


def _check_day(day: date | None, now: datetime) -> date:
    if day is None:
        raise errors.DistributedOnMissing()
    today = local_today(now)
    if day > today:
        raise errors.DistributedInFuture(day=day.isoformat())
    if day < today - timedelta(days=MAX_DAYS_BACK):
        raise errors.DistributedTooLongAgo(day=day.isoformat(), days=MAX_DAYS_BACK)
    return day


def _id(value) -> int | None:
    text = str(value if value is not None else "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def _active_distribution_site(site_id) -> DistributionSite:
    site = db.session.get(DistributionSite, _id(site_id)) if _id(site_id) else None
    if site is None:
        raise errors.DistributionSiteRequired()
    if not site.active:
        raise errors.DistributionSiteInactive(site=site.name)
    return site


def _reason(value) -> DistributionReason:
    try:
        return DistributionReason(value)
    except ValueError:
        raise errors.ReasonRequired() from None


def _count(value, what: str) -> int | None:
    """A whole number of people, 0 or more; None when left empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        number = _id(value)
    if number is None or number < 0 or number > 1_000_000:
        raise errors.PeopleCountInvalid(what=gettext(what), value=value)
    return number


def _people_total(value) -> int:
    number = _count(value, N_("People reached"))
    if not number:
        raise errors.PeopleTotalRequired()
    return number


def _text(value, maximum: int, what: str) -> str | None:
    text = str(value or "").strip()
    if len(text) > maximum:
        raise errors.TextTooLong(what=gettext(what), maximum=maximum)
    return text or None


def _intake_of(site_id) -> int:
    """The site's intake place, where returned stock is checked before it is shelved."""
    number = _id(site_id)
    if number is None:
        raise errors.ReturnSiteRequired()
    site = db.session.get(Site, number)
    if site is None or not site.active:
        raise errors.ReturnSiteRequired()
    intake = db.session.scalar(
        select(Location.id).where(Location.site_id == site.id,
                                  Location.kind == LocationKind.INTERNAL,
                                  Location.active.is_(True))
        .order_by(Location.is_intake.desc(), Location.position, Location.id).limit(1))
    if intake is None:
        raise errors.ReturnSiteClosed(site=site.name)
    return intake


def held_by(organisation_id: int) -> dict[int, int]:
    """What a partner holds now, by item id (items it holds none of left out)."""
    rows = db.session.execute(
        select(StockLevel.item_id, StockLevel.quantity)
        .join(Location, Location.id == StockLevel.location_id)
        .where(Location.kind == LocationKind.PARTNER,
               Location.organisation_id == organisation_id, StockLevel.quantity > 0)).all()
    return {row.item_id: row.quantity for row in rows}


def _check_lines(lines: list[StockLine], organisation: Organisation, problems: _Problems,
                 empty_error) -> list[tuple[int, int]]:
    """Each line's item and quantity against what the partner holds now."""
    if not lines:
        problems.add(empty_error(), field="lines")
        return []
    if len(lines) > MAX_LINES:
        problems.add(stock_errors.TooManyLines(maximum=MAX_LINES), field="lines")
        return []
    held = held_by(organisation.id)
    items = {item.id: item for item in db.session.scalars(
        select(Item).where(Item.id.in_([i for i in (_id(l.item_id) for l in lines) if i])))}
    seen = Counter()
    checked = []
    for index, line in enumerate(lines):
        item = items.get(_id(line.item_id))
        if item is None:
            problems.add(errors.ItemRequired(), line=index, field="item")
            continue
        seen[item.id] += 1
        if seen[item.id] == 2:
            problems.add(errors.ItemListedTwice(item=item.display_name), line=index,
                         field="item")
            continue
        if not held.get(item.id):
            problems.add(errors.ItemNotHeld(item=item.display_name,
                                            organisation=organisation.name),
                         line=index, field="item")
            continue
        if line.quantity is None or not str(line.quantity).strip():
            problems.add(errors.QuantityRequired(item=item.display_name), line=index,
                         field="quantity")
            continue
        quantity = problems.check(whole_quantity, line.quantity, item, line=index,
                                  field="quantity")
        if quantity is None:
            continue
        if quantity > held[item.id]:
            problems.add(errors.NotEnoughHeld(item=item.display_name,
                                              available=held[item.id]),
                         line=index, field="quantity")
            continue
        checked.append((item.id, quantity))
    return checked


def _raise_not_held(checked: list[tuple[int, int]], organisation: Organisation) -> None:
    """Stock left custody between the checks and the post: say which line, as a check would."""
    db.session.rollback()
    held = held_by(organisation.id)
    problems = _Problems()
    for index, (item_id, quantity) in enumerate(checked):
        if quantity > held.get(item_id, 0):
            item = db.session.get(Item, item_id)
            problems.add(errors.NotEnoughHeld(item=item.display_name,
                                              available=held.get(item_id, 0)),
                         line=index, field="quantity")
    problems.raise_any()
