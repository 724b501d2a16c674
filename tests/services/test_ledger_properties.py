"""The ledger's invariants hold whatever volunteers post, in whatever order.

A Hypothesis state machine posts random documents in a small warehouse: two sites, four
shelves, a partner's custody, a transit location, three items and three pre-printed
boxes. Some documents are valid, many are not (more than is there, the wrong box, zero,
a box moved part-way, shelves of two sites, a bad line after good ones); some replay an
earlier idempotency key, some reuse one for other contents; some reverse an earlier
document. Beside the database it keeps a plain-Python model of what every level and box
should hold, which also predicts the error each refused document must get.

After every step: the levels and boxes are the model's; the ledger adds up to the stored
levels and boxes (what ``flask stock verify`` checks); no tracked level and no loose stock
is negative; a refused or replayed document added no document.
"""
from collections import Counter
from copy import deepcopy
from dataclasses import dataclass

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import func, select

from tests import factories
from warehouse.core.errors import DomainError
from warehouse.extensions import db
from warehouse.models import Box, Document, LocationKind
from warehouse.stock import errors
from warehouse.stock import services as ledger
from warehouse.stock.queries import box_differences, stock_differences

# The world. Shelves A, B, C belong to site 1, shelf D to site 2; P is a partner's custody,
# T the road out of site 1; the rest are virtual (no balance).
SHELVES = {"A": 1, "B": 1, "C": 1, "D": 2}
TRACKED = (*SHELVES, "P", "T")
VIRTUAL = ("donor", "distributed", "write_off")
LOCATIONS = (*TRACKED, *VIRTUAL)
ITEMS = ("sleeping bag", "tent", "blanket")
BOXES = ("X", "Y", "Z")
KINDS = ("receipt", "move", "transfer", "dispatch", "distribution", "return", "adjustment",
         "write_off")
QUANTITIES = (*range(1, 13), 0, -2)  # mostly sensible; shrinks towards 1
# True one time in five. Hypothesis draws small integers more often than their share, so
# "integers(0, 4) == 0" would be true far more often than that.
NOW_AND_THEN = st.sampled_from((False, False, False, False, True))


@dataclass(frozen=True)
class ModelLine:
    """A line in the model's own words: names instead of ids."""

    item: str
    quantity: int
    source: str
    target: str
    from_box: str | None = None
    to_box: str | None = None

    def reversed(self) -> "ModelLine":
        return ModelLine(self.item, self.quantity, self.target, self.source, self.to_box,
                         self.from_box)


@dataclass
class ModelBox:
    item: str | None = None
    location: str | None = None
    quantity: int = 0


@dataclass
class Posted:
    """A document the model knows was recorded."""

    id: int
    fingerprint: tuple
    lines: tuple[ModelLine, ...]
    site: int | None
    key: str | None
    reverses: "Posted | None" = None
    reversed_by: "Posted | None" = None


class Stock:
    """What every tracked level and box should hold, and the rules that change them.

    ``outcome`` mirrors ``post_document``: line checks for every line first, then boxes
    line by line, then levels by net change per (location, item), then loose stock.
    """

    def __init__(self):
        self.levels: Counter = Counter()
        self.boxes = {name: ModelBox() for name in BOXES}

    def outcome(self, lines, site=None):
        """Return (error class or None, levels after, boxes after)."""
        if site is None:
            site = site_of(lines)
        for line in lines:
            if line.quantity <= 0:
                return errors.QuantityMustBePositive, None, None
            if any(SHELVES.get(loc, site) != site for loc in (line.source, line.target)):
                return errors.LocationOfAnotherSite, None, None
            if line.source == line.target and line.from_box is None and line.to_box is None:
                return errors.SameLocation, None, None

        boxes = deepcopy(self.boxes)
        for line in lines:
            if line.from_box is not None and line.from_box == line.to_box:
                box = boxes[line.from_box]
                error = self._holds(box, line)
                if error is None and line.target not in TRACKED:
                    error = errors.BoxNotInStock
                if error is None and box.location == line.target:
                    error = errors.BoxAlreadyThere
                if error is None and box.quantity != line.quantity:
                    error = errors.BoxMustMoveWhole
                if error:
                    return error, None, None
                box.location = line.target
                continue
            if line.from_box is not None:
                box = boxes[line.from_box]
                if error := self._holds(box, line):
                    return error, None, None
                box.quantity -= line.quantity
            if line.to_box is not None:
                box = boxes[line.to_box]
                if box.item not in (None, line.item):
                    return errors.BoxItemMismatch, None, None
                if line.target not in TRACKED:
                    return errors.BoxNotInStock, None, None
                if box.quantity and box.location != line.target:
                    return errors.BoxNotAtLocation, None, None
                box.quantity += line.quantity
                box.item, box.location = line.item, line.target

        change, loose_taken = Counter(), set()
        for line in lines:
            if line.source in TRACKED:
                change[line.source, line.item] -= line.quantity
                if line.from_box is None:
                    loose_taken.add((line.source, line.item))
            if line.target in TRACKED:
                change[line.target, line.item] += line.quantity
        levels = Counter(self.levels)
        for key, delta in change.items():
            if levels[key] + delta < 0:
                return errors.InsufficientStock, None, None
            levels[key] += delta
        for key in loose_taken:
            if levels[key] < boxed(boxes, *key):
                return errors.InsufficientStock, None, None
        return None, levels, boxes

    @staticmethod
    def _holds(box, line):
        if box.item != line.item:
            return errors.BoxItemMismatch
        if line.source not in TRACKED:
            return errors.BoxNotInStock
        if box.location != line.source:
            return errors.BoxNotAtLocation
        if box.quantity < line.quantity:
            return errors.InsufficientStockInBox
        return None


def site_of(lines) -> int | None:
    """The site of a document: that of its first shelf, as the ledger decides it."""
    return next((SHELVES[loc] for line in lines for loc in (line.source, line.target)
                 if loc in SHELVES), None)


def boxed(boxes, location, item) -> int:
    return sum(b.quantity for b in boxes.values() if (b.location, b.item) == (location, item))


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        factories.empty_tables()  # each example starts from an empty warehouse
        self.actor_id = factories.create_user().id
        sites = {n: factories.create_site().id for n in (1, 2)}
        self.location_ids = {
            name: factories.create_location(name=f"Shelf {name}", site_id=sites[site]).id
            for name, site in SHELVES.items()}
        self.location_ids |= {
            "P": ledger.custody_location(factories.create_organisation()).id,
            "T": ledger.transit_location(sites[1]).id,
            "donor": ledger.system_location(LocationKind.DONOR).id,
            "distributed": ledger.system_location(LocationKind.DISTRIBUTED).id,
            "write_off": ledger.system_location(LocationKind.WRITE_OFF).id,
        }
        self.item_ids = {name: factories.create_item(name=name.capitalize()).id
                         for name in ITEMS}
        self.box_ids = {name: factories.create_box().id for name in BOXES}
        self.stock = Stock()
        self.posted: list[Posted] = []
        self.by_key: dict[str, Posted] = {}
        self.refused_with_key: list[tuple[str, tuple[ModelLine, ...], str]] = []
        self.keys = 0

    # --- drawing documents --------------------------------------------------------------

    def draw_line(self, data, site: int) -> ModelLine:
        """A line for a document of ``site``: usually plausible given the model (stock
        that is there, the box's own item and shelf), sometimes not."""
        shelves = tuple(name for name, n in SHELVES.items() if n == site)
        if data.draw(NOW_AND_THEN):
            shelves = tuple(SHELVES)  # now and then, a shelf of the other site
        here = (*shelves, "P", "T")
        anywhere = (*here, *VIRTUAL)
        shape = data.draw(st.sampled_from(["receive", "loose", "take", "whole", "top up"]))
        item = data.draw(st.sampled_from(ITEMS))
        quantity = data.draw(st.sampled_from(QUANTITIES))
        plausible = not data.draw(NOW_AND_THEN)
        stocked = sorted((loc, it) for (loc, it) in self.stock.levels
                         if loc in here and self.loose(loc, it) > 0)
        if shape == "loose" and (stocked or not plausible):
            source = data.draw(st.sampled_from(here))
            if plausible:
                source, item = data.draw(st.sampled_from(stocked))
                quantity = data.draw(st.integers(1, self.loose(source, item)))
            return ModelLine(item, quantity, source, data.draw(st.sampled_from(anywhere)))
        if shape in ("receive", "loose"):
            shelf = data.draw(st.sampled_from(shelves))
            name = data.draw(st.sampled_from((None, *BOXES)))
            box = self.stock.boxes.get(name)
            if plausible and box and box.quantity:  # top up a box where it is, with its item
                if box.location in shelves:
                    item, shelf = box.item, box.location
                else:
                    name = None
            return ModelLine(item, quantity, "donor", shelf, None, name)
        name = data.draw(st.sampled_from(BOXES))
        box = self.stock.boxes[name]
        if plausible and not box.quantity:  # an empty box: fill it first
            return ModelLine(box.item or item, quantity, "donor",
                             data.draw(st.sampled_from(shelves)), None, name)
        source = data.draw(st.sampled_from(here))
        if plausible:
            item, source = box.item, box.location
        if shape == "take":
            if plausible:
                quantity = data.draw(st.integers(1, box.quantity))
            return ModelLine(item, quantity, source, data.draw(st.sampled_from(anywhere)),
                             name)
        if shape == "whole":
            if plausible:
                quantity = box.quantity
            target = data.draw(st.sampled_from(here if plausible else anywhere))
            return ModelLine(item, quantity, source, target, name, name)
        if plausible and self.loose(source, item) > 0:  # top up from loose stock
            quantity = data.draw(st.integers(1, self.loose(source, item)))
        elif plausible:  # none loose there: top up from a donation
            return ModelLine(item, quantity, "donor", source, None, name)
        return ModelLine(item, quantity, source, source, None, name)

    def loose(self, location: str, item: str) -> int:
        return self.stock.levels[location, item] - boxed(self.stock.boxes, location, item)

    def new_key(self) -> str:
        self.keys += 1
        return f"tablet-1:{self.keys}"

    # --- posting and checking against the model ------------------------------------------

    def line(self, line: ModelLine) -> ledger.Line:
        return ledger.Line(self.item_ids[line.item], line.quantity,
                           self.location_ids[line.source], self.location_ids[line.target],
                           self.box_ids.get(line.from_box), self.box_ids.get(line.to_box))

    def attempt(self, kind: str, lines: tuple[ModelLine, ...], key: str | None = None):
        fingerprint = (kind, lines, None)
        site = None
        if kind not in KINDS:
            expected = errors.UnknownDocumentKind
        elif not lines:
            expected = errors.EmptyDocument
        elif key in self.by_key:
            expected = ("replay" if self.by_key[key].fingerprint == fingerprint
                        else errors.IdempotencyKeyReused)
        else:
            expected, levels, boxes = self.stock.outcome(lines)
            site = site_of(lines)
        try:
            result = ledger.post_document(kind=kind, lines=[self.line(x) for x in lines],
                                          actor=self.actor_id, idempotency_key=key)
        except DomainError as error:
            assert type(error) is expected, (error, expected)
            if key is not None and expected is not errors.IdempotencyKeyReused:
                self.refused_with_key.append((kind, lines, key))
            return
        if expected == "replay":
            assert (result.document_id, result.replayed) == (self.by_key[key].id, True)
            return
        assert expected is None, f"posted, but the model expected {expected}"
        assert not result.replayed
        self.stock.levels, self.stock.boxes = levels, boxes
        self.record(Posted(result.document_id, fingerprint, lines, site, key))

    def record(self, posted: Posted) -> None:
        self.posted.append(posted)
        if posted.key is not None:
            self.by_key[posted.key] = posted

    # --- rules --------------------------------------------------------------------------

    @rule(data=st.data(), with_key=st.booleans(), site=st.sampled_from((1, 1, 2)))
    def post_one_line(self, data, with_key, site):
        kind = data.draw(st.sampled_from(KINDS))
        self.attempt(kind, (self.draw_line(data, site),),
                     self.new_key() if with_key else None)

    @rule(data=st.data(), with_key=st.booleans(), site=st.sampled_from((1, 1, 2)),
          count=st.sampled_from((2, 3, 0)))
    def post_several_lines(self, data, with_key, site, count):
        kind = data.draw(st.sampled_from((*KINDS, "gift")))
        lines = tuple(self.draw_line(data, site) for _ in range(count))
        self.attempt(kind, lines, self.new_key() if with_key else None)

    @rule(data=st.data(), site=st.sampled_from((1, 1, 2)))
    def post_a_good_line_then_a_bad_one(self, data, site):
        """A document whose second line takes more than the shelf has, or uses the wrong
        box: nothing of the first line may stay."""
        first = self.draw_line(data, site)
        shelf = data.draw(st.sampled_from([s for s, n in SHELVES.items() if n == site]))
        item = data.draw(st.sampled_from(ITEMS))
        box = data.draw(st.sampled_from(BOXES))
        bad = data.draw(st.sampled_from([
            ModelLine(item, 50, shelf, "distributed"),
            ModelLine(item, 1, shelf, "distributed", box) if self.stock.boxes[box].item
            != item else ModelLine(item, 0, shelf, "distributed"),
        ]))
        self.attempt("move", (first, bad))

    @precondition(lambda self: any(p.key and not p.reverses for p in self.posted))
    @rule(data=st.data())
    def replay_a_recorded_document(self, data):
        earlier = data.draw(st.sampled_from(
            [p for p in self.posted if p.key and not p.reverses]))
        kind, lines, _ = earlier.fingerprint
        self.attempt(kind, lines, earlier.key)

    @precondition(lambda self: self.refused_with_key)
    @rule(data=st.data())
    def replay_a_refused_document(self, data):
        """A refused document's key is not used up: a replay is judged afresh."""
        kind, lines, key = data.draw(st.sampled_from(self.refused_with_key))
        self.attempt(kind, lines, key)

    @precondition(lambda self: self.by_key)
    @rule(data=st.data())
    def reuse_a_key_for_other_contents(self, data):
        key = data.draw(st.sampled_from(sorted(self.by_key)))
        self.attempt("receipt", (self.draw_line(data, 1),), key)

    @precondition(lambda self: self.posted)
    @rule(data=st.data(), with_key=st.booleans())
    def reverse_a_document(self, data, with_key):
        original = data.draw(st.sampled_from(self.posted))
        key = self.new_key() if with_key else None
        lines = tuple(line.reversed() for line in reversed(original.lines))
        if original.reverses is not None:
            expected = errors.CannotReverseReversal
        elif original.reversed_by is not None:
            expected = errors.AlreadyReversed
        else:
            expected, levels, boxes = self.stock.outcome(lines, site=original.site)
        try:
            result = ledger.reverse_document(original.id, actor=self.actor_id,
                                             idempotency_key=key)
        except DomainError as error:
            assert type(error) is expected, (error, expected)
            return
        assert expected is None, f"reversed, but the model expected {expected}"
        self.stock.levels, self.stock.boxes = levels, boxes
        reversal = Posted(result.document_id, ("reversal", lines, original.id), lines,
                          original.site, key, reverses=original)
        original.reversed_by = reversal
        self.record(reversal)

    @precondition(lambda self: any(p.key and p.reverses for p in self.posted))
    @rule(data=st.data())
    def replay_a_reversal(self, data):
        reversal = data.draw(st.sampled_from(
            [p for p in self.posted if p.key and p.reverses]))
        result = ledger.reverse_document(reversal.reverses.id, actor=self.actor_id,
                                         idempotency_key=reversal.key)
        assert (result.document_id, result.replayed) == (reversal.id, True)

    # --- invariants ---------------------------------------------------------------------

    @invariant()
    def stock_is_what_the_model_says_and_adds_up(self):
        levels = factories.stock_levels()
        expected = {(self.location_ids[loc], self.item_ids[item]): quantity
                    for (loc, item), quantity in self.stock.levels.items() if quantity}
        assert levels == expected

        rows = db.session.execute(select(Box.id, Box.item_id, Box.location_id, Box.quantity))
        stored_boxes = {row.id: (row.item_id, row.location_id, row.quantity) for row in rows}
        assert stored_boxes == {
            self.box_ids[name]: (self.item_ids.get(box.item), self.location_ids.get(
                box.location), box.quantity)
            for name, box in self.stock.boxes.items()}

        # Never negative, loose stock (what is there outside boxes) included.
        assert all(quantity > 0 for quantity in levels.values())
        in_boxes = Counter()
        for item_id, location_id, quantity in stored_boxes.values():
            in_boxes[location_id, item_id] += quantity
        for location_id, item_id in in_boxes:
            assert levels.get((location_id, item_id), 0) >= in_boxes[location_id, item_id]

        # Refused and replayed documents added nothing.
        assert db.session.scalar(select(func.count()).select_from(Document)) == len(
            self.posted)
        # What ``flask stock verify`` checks.
        assert stock_differences() == []
        assert box_differences() == []
        db.session.commit()


LedgerMachine.TestCase.settings = settings(
    max_examples=30, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.data_too_large])
TestLedgerInvariants = LedgerMachine.TestCase
