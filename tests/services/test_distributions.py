"""A partner's custody, distributions, corrections and returns, through the services."""
import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from warehouse.core.clock import local_today
from warehouse.core.errors import DomainError
from warehouse.distributions import errors, queries, services
from warehouse.distributions.models import Distribution, DistributionSite
from warehouse.distributions.services import StockLine
from warehouse.extensions import db
from warehouse.models import Box, Document, LocationKind, Role
from warehouse.stock import errors as stock_errors
from warehouse.stock import services as ledger
from warehouse.stock.queries import box_differences, stock_differences


@pytest.fixture
def world(dummy_site):
    partner = factories.create_organisation(name="Calais Aid", short_name="CA")
    other = factories.create_organisation(name="Dunkirk Help", short_name="DH")
    manager = factories.create_user(role=Role.MANAGER)
    coordinator = factories.create_user(role=Role.COORDINATOR, organisation=partner)
    stranger = factories.create_user(role=Role.COORDINATOR, organisation=other)
    shelf = factories.create_location(site=dummy_site, name="Shelf A1")
    intake = factories.create_location(site=dummy_site, name="Intake bay", is_intake=True)
    tents = factories.create_item(name="Tent")
    blankets = factories.create_item(name="Blanket")
    factories.receive(tents, shelf, 50, actor=manager)
    factories.receive(blankets, shelf, 80, actor=manager)
    custody = ledger.custody_location(partner)
    ledger.post_document(kind="dispatch", actor=manager, lines=[
        ledger.Line(tents.id, 20, shelf.id, custody.id),
        ledger.Line(blankets.id, 30, shelf.id, custody.id)])
    place = factories._save(DistributionSite(name="Rue des Huttes", town="Calais",
                                             region="Hauts-de-France"))
    closed = factories._save(DistributionSite(name="Old Jungle", town="Calais",
                                              region="Hauts-de-France", active=False))

    class World:
        pass

    w = World()
    w.__dict__.update(partner=partner, other=other, manager=manager, coordinator=coordinator,
                      stranger=stranger, site=dummy_site, shelf=shelf, intake=intake,
                      tents=tents, blankets=blankets, custody=custody, place=place,
                      closed=closed)
    return w


def distribute(w, *, actor=None, lines=None, key=None, **overrides):
    values = dict(
        actor=actor or w.coordinator, organisation_id=w.partner.id,
        distribution_site_id=w.place.id, distributed_on=local_today(), reason="routine",
        lines=lines if lines is not None else [StockLine(w.tents.id, 5),
                                               StockLine(w.blankets.id, "12")],
        people_total=12, women=3, men=7, children=2, note="Cold night",
        idempotency_key=key or str(uuid.uuid4()))
    return services.record_distribution(**(values | overrides))


def held(w, item):
    return services.held_by(w.partner.id).get(item.id, 0)


def test_a_distribution_comes_out_of_custody_and_reaches_the_distributed_location(world):
    recorded = distribute(world)
    assert not recorded.replayed
    assert held(world, world.tents) == 15 and held(world, world.blankets) == 18
    distributed = ledger.system_location(LocationKind.DISTRIBUTED)
    document = db.session.get(Document, recorded.distribution.document_id)
    assert document.kind == "distribution" and document.reason == "routine"
    assert [(m.item_id, m.quantity, m.to_location_id) for m in document.lines] == [
        (world.tents.id, 5, distributed.id), (world.blankets.id, 12, distributed.id)]
    distribution = recorded.distribution
    assert (distribution.people_total, distribution.women, distribution.men,
            distribution.children, distribution.unaccompanied_minors) == (12, 3, 7, 2, None)
    assert stock_differences() == []


def test_a_distribution_on_an_earlier_day_happens_at_noon_that_day(world):
    day = local_today() - timedelta(days=3)
    recorded = distribute(world, distributed_on=day)
    document = db.session.get(Document, recorded.distribution.document_id)
    from warehouse.core.clock import local_zone
    local = document.occurred_at.astimezone(local_zone())
    assert (local.date(), local.hour, local.minute) == (day, 12, 0)


def test_a_manager_logs_a_distribution_on_behalf_of_a_partner(world):
    recorded = distribute(world, actor=world.manager)
    assert recorded.distribution.organisation_id == world.partner.id


def test_the_same_form_sent_twice_records_one_distribution(world):
    key = str(uuid.uuid4())
    first = distribute(world, key=key)
    again = distribute(world, key=key)
    assert again.replayed and again.distribution.id == first.distribution.id
    assert db.session.scalar(select(func.count()).select_from(Distribution)) == 1
    assert held(world, world.tents) == 15


def test_a_form_sent_again_while_its_first_send_is_recorded_answers_with_that_one(
        world, monkeypatch):
    # The second send finds no distribution for its key, then the first send commits
    # before the second reads what is held: it must not say "you hold only 5".
    key, real, sends = str(uuid.uuid4()), services.held_by, []

    def first_send_commits_meanwhile(organisation_id):
        if not sends:
            monkeypatch.setattr(services, "held_by", real)
            sends.append(distribute(world, key=key, lines=[StockLine(world.tents.id, 15)]))
        return real(organisation_id)

    monkeypatch.setattr(services, "held_by", first_send_commits_meanwhile)
    second = distribute(world, key=key, lines=[StockLine(world.tents.id, 15)])
    assert second.replayed and second.distribution.id == sends[0].distribution.id
    assert held(world, world.tents) == 5
    assert db.session.scalar(select(func.count()).select_from(Distribution)) == 1


def problems_of(excinfo):
    return {(getattr(p, "field", None), getattr(p, "line", None), type(p))
            for p in excinfo.value.problems}


@pytest.mark.parametrize("overrides, expected", [
    ({"distributed_on": "future"}, ("distributed_on", None, errors.DistributedInFuture)),
    ({"distributed_on": "long ago"}, ("distributed_on", None, errors.DistributedTooLongAgo)),
    ({"distributed_on": None}, ("distributed_on", None, errors.DistributedOnMissing)),
    ({"distribution_site_id": "closed"}, ("distribution_site_id", None,
                                          errors.DistributionSiteInactive)),
    ({"distribution_site_id": ""}, ("distribution_site_id", None,
                                    errors.DistributionSiteRequired)),
    ({"reason": "party"}, ("reason", None, errors.ReasonRequired)),
    ({"people_total": ""}, ("people_total", None, errors.PeopleTotalRequired)),
    ({"people_total": "0", "women": None, "men": None, "children": None},
     ("people_total", None, errors.PeopleTotalRequired)),
    ({"people_total": "4"}, ("people_total", None, errors.BreakdownExceedsTotal)),
    ({"women": "-1"}, ("women", None, errors.PeopleCountInvalid)),
    ({"lines": []}, ("lines", None, errors.NoDistributionLines)),
    ({"lines": [("tents", 0)]}, ("quantity", 0, stock_errors.QuantityMustBePositive)),
    ({"lines": [("tents", -2)]}, ("quantity", 0, stock_errors.QuantityMustBePositive)),
    ({"lines": [("tents", "1,5")]}, ("quantity", 0, stock_errors.QuantityMustBeWhole)),
    ({"lines": [("tents", 21)]}, ("quantity", 0, errors.NotEnoughHeld)),
    ({"lines": [("tents", 1), ("tents", 2)]}, ("item", 1, errors.ItemListedTwice)),
    ({"lines": [("shoes", 1)]}, ("item", 0, errors.ItemNotHeld)),
    ({"lines": [(None, 1)]}, ("item", 0, errors.ItemRequired)),
])
def test_a_wrong_distribution_form_is_refused_and_writes_nothing(world, overrides, expected):
    today = local_today()
    dates = {"future": today + timedelta(days=1),
             "long ago": today - timedelta(days=services.MAX_DAYS_BACK + 1)}
    if "distributed_on" in overrides:
        overrides["distributed_on"] = dates.get(overrides["distributed_on"])
    if overrides.get("distribution_site_id") == "closed":
        overrides["distribution_site_id"] = world.closed.id
    if "lines" in overrides:
        shoes = factories.create_item(name="Shoes")
        items = {"tents": world.tents.id, "shoes": shoes.id, None: None}
        overrides["lines"] = [StockLine(items[name], q) for name, q in overrides["lines"]]
    before = factories.ledger_snapshot()
    with pytest.raises(DomainError) as excinfo:
        distribute(world, **overrides)
    assert expected in problems_of(excinfo)
    assert factories.ledger_snapshot() == before
    assert db.session.scalar(select(func.count()).select_from(Distribution)) == 0


def test_more_than_held_says_how_many_are_held(world):
    with pytest.raises(errors.NotEnoughHeld) as excinfo:
        distribute(world, lines=[StockLine(world.tents.id, 25)])
    assert excinfo.value.message == f"You hold only 20 of {world.tents.display_name}."


def test_a_coordinator_cannot_distribute_from_another_partners_custody(world):
    with pytest.raises(errors.UnknownOrganisation):
        distribute(world, actor=world.stranger)
    assert held(world, world.tents) == 20


def test_a_distribution_whose_stock_left_meanwhile_is_refused_on_its_line(world, monkeypatch):
    # Another coordinator hands the tents out between the check and the post.
    real, calls = services.held_by, []

    def held_at_check_time(organisation_id):
        calls.append(organisation_id)
        now = real(organisation_id)
        return {**now, world.tents.id: 99} if len(calls) == 1 else now

    monkeypatch.setattr(services, "held_by", held_at_check_time)
    with pytest.raises(errors.NotEnoughHeld) as excinfo:
        distribute(world, lines=[StockLine(world.tents.id, 25)])
    assert excinfo.value.line == 0
    assert db.session.scalar(select(func.count()).select_from(Distribution)) == 0


def test_a_correction_puts_the_items_back_and_keeps_the_distribution(world):
    distribution = distribute(world).distribution
    key = str(uuid.uuid4())
    corrected = services.correct_distribution(actor=world.coordinator,
                                              distribution_id=distribution.id,
                                              idempotency_key=key)
    assert held(world, world.tents) == 20 and held(world, world.blankets) == 30
    db.session.expire_all()
    distribution = db.session.get(Distribution, distribution.id)
    assert distribution.reversal_document_id == corrected.document_id
    reversal = db.session.get(Document, corrected.document_id)
    assert reversal.kind == "reversal" and reversal.reverses_id == distribution.document_id
    assert stock_differences() == []
    again = services.correct_distribution(actor=world.coordinator,
                                          distribution_id=distribution.id, idempotency_key=key)
    assert again.replayed and again.document_id == corrected.document_id
    with pytest.raises(errors.AlreadyCorrected):
        services.correct_distribution(actor=world.manager, distribution_id=distribution.id,
                                      idempotency_key=str(uuid.uuid4()))
    assert held(world, world.tents) == 20


def test_a_distribution_reversed_through_the_ledger_cannot_be_corrected_again(world):
    distribution = distribute(world).distribution
    ledger.reverse_document(distribution.document_id, actor=world.manager)
    with pytest.raises(errors.AlreadyCorrected):
        services.correct_distribution(actor=world.manager, distribution_id=distribution.id,
                                      idempotency_key=str(uuid.uuid4()))
    assert held(world, world.tents) == 20


def test_a_coordinator_cannot_correct_another_partners_distribution(world):
    distribution = distribute(world).distribution
    with pytest.raises(errors.UnknownDistribution):
        services.correct_distribution(actor=world.stranger, distribution_id=distribution.id,
                                      idempotency_key=str(uuid.uuid4()))
    assert held(world, world.tents) == 15


def test_a_return_brings_stock_back_to_the_warehouse_intake(world):
    key = str(uuid.uuid4())
    posted = services.return_stock(actor=world.coordinator, organisation_id=world.partner.id,
                                   site_id=world.site.id, lines=[StockLine(world.tents.id, 8)],
                                   note="Too big", idempotency_key=key)
    again = services.return_stock(actor=world.coordinator, organisation_id=world.partner.id,
                                  site_id=world.site.id, lines=[StockLine(world.tents.id, 8)],
                                  note="Too big", idempotency_key=key)
    assert again.replayed and again.document_id == posted.document_id
    assert held(world, world.tents) == 12
    assert factories.stock_levels()[(world.intake.id, world.tents.id)] == 8
    assert db.session.get(Document, posted.document_id).kind == "return"
    assert stock_differences() == []


def test_a_return_of_more_than_held_or_to_no_warehouse_is_refused(world):
    before = factories.ledger_snapshot()
    with pytest.raises(errors.ReturnSiteRequired) as excinfo:
        services.return_stock(actor=world.coordinator, organisation_id=world.partner.id,
                              site_id="", lines=[StockLine(world.tents.id, 21)], note=None,
                              idempotency_key=str(uuid.uuid4()))
    assert [type(p) for p in excinfo.value.problems] == [errors.ReturnSiteRequired,
                                                         errors.NotEnoughHeld]
    with pytest.raises(errors.UnknownOrganisation):
        services.return_stock(actor=world.stranger, organisation_id=world.partner.id,
                              site_id=world.site.id, lines=[StockLine(world.tents.id, 1)],
                              note=None, idempotency_key=str(uuid.uuid4()))
    assert factories.ledger_snapshot() == before


def _at_once(app, *calls):
    """Run each call in its own thread, released together; return results and failures."""
    results, failures = [], []
    start = threading.Barrier(len(calls))

    def run(call):
        with app.app_context():
            start.wait()
            try:
                results.append(call())
            except Exception as error:  # noqa: BLE001 - reported to the test
                failures.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.rollback()  # end this thread's read transaction: see what they committed
    return results, failures


def _arguments(w, key, quantity):
    return dict(actor=w.coordinator.id, organisation_id=w.partner.id,
                distribution_site_id=w.place.id, distributed_on=local_today(),
                reason="routine", lines=[StockLine(w.tents.id, quantity)], people_total=3,
                idempotency_key=key)


def test_a_form_sent_twice_at_the_same_moment_records_one_distribution(app, world):
    ledger.system_location(LocationKind.DISTRIBUTED)
    arguments = _arguments(world, str(uuid.uuid4()), 4)
    results, failures = _at_once(
        app, *[lambda: services.record_distribution(**arguments).distribution.id] * 2)
    assert not failures and len(results) == 2 and len(set(results)) == 1
    assert db.session.scalar(select(func.count()).select_from(Distribution)) == 1
    assert held(world, world.tents) == 16
    assert stock_differences() == []


def test_two_distributions_of_the_same_tents_at_once_never_hand_out_more_than_held(
        app, world):
    ledger.system_location(LocationKind.DISTRIBUTED)
    first, second = (_arguments(world, str(uuid.uuid4()), 15) for _ in range(2))
    results, failures = _at_once(
        app, lambda: services.record_distribution(**first).distribution.id,
        lambda: services.record_distribution(**second).distribution.id)
    assert len(results) == 1
    assert [type(error) for error in failures] == [errors.NotEnoughHeld]
    assert failures[0].message == f"You hold only 5 of {world.tents.display_name}."
    assert held(world, world.tents) == 5
    assert db.session.scalar(select(func.count()).select_from(Distribution)) == 1
    assert stock_differences() == []


def test_stock_dispatched_in_boxes_is_distributed_out_of_them(world):
    # A dispatch may hand over whole boxes: custody then holds the tents in them.
    box, loose_box = factories.create_box(), factories.create_box()
    factories.receive(world.tents, world.shelf, 12, actor=world.manager, box=box)
    factories.receive(world.tents, world.shelf, 3, actor=world.manager, box=loose_box)
    ledger.post_document(kind="dispatch", actor=world.manager, lines=[
        ledger.Line(world.tents.id, 12, world.shelf.id, world.custody.id, box.id, box.id),
        ledger.Line(world.tents.id, 3, world.shelf.id, world.custody.id, loose_box.id,
                    loose_box.id)])
    assert held(world, world.tents) == 35  # 20 loose and 15 in two boxes
    distribute(world, lines=[StockLine(world.tents.id, 26)])
    db.session.expire_all()
    # The loose ones first, then the smaller box, then some of the bigger one.
    assert (db.session.get(Box, loose_box.id).quantity, db.session.get(Box, box.id).quantity) \
        == (0, 9)
    assert held(world, world.tents) == 9
    assert stock_differences() == []


def test_a_distribution_out_of_several_boxes_lists_each_item_once(world):
    first, second = factories.create_box(), factories.create_box()
    factories.receive(world.tents, world.shelf, 4, actor=world.manager, box=first)
    factories.receive(world.tents, world.shelf, 5, actor=world.manager, box=second)
    ledger.post_document(kind="dispatch", actor=world.manager, lines=[
        ledger.Line(world.tents.id, 4, world.shelf.id, world.custody.id, first.id, first.id),
        ledger.Line(world.tents.id, 5, world.shelf.id, world.custody.id, second.id,
                    second.id)])
    distribution = distribute(world, lines=[StockLine(world.tents.id, 27)]).distribution
    row = queries.distribution(world.coordinator, distribution.id)
    assert [(line.item_id, line.quantity) for line in row.lines] == [(world.tents.id, 27)]


def test_a_corrected_distribution_puts_the_stock_back_into_the_boxes_it_came_from(world):
    box = factories.create_box()
    factories.receive(world.tents, world.shelf, 12, actor=world.manager, box=box)
    ledger.post_document(kind="dispatch", actor=world.manager, lines=[
        ledger.Line(world.tents.id, 12, world.shelf.id, world.custody.id, box.id, box.id)])
    distribution = distribute(world, lines=[StockLine(world.tents.id, 26)]).distribution
    db.session.expire_all()
    assert db.session.get(Box, box.id).quantity == 6
    services.correct_distribution(actor=world.coordinator, distribution_id=distribution.id,
                                  idempotency_key=str(uuid.uuid4()))
    db.session.expire_all()
    assert db.session.get(Box, box.id).quantity == 12
    assert held(world, world.tents) == 32
    assert stock_differences() == [] and box_differences() == []


def test_a_box_returned_whole_goes_back_with_its_label(world):
    box = factories.create_box()
    factories.receive(world.blankets, world.shelf, 10, actor=world.manager, box=box)
    ledger.post_document(kind="dispatch", actor=world.manager, lines=[
        ledger.Line(world.blankets.id, 10, world.shelf.id, world.custody.id, box.id, box.id)])
    services.return_stock(actor=world.coordinator, organisation_id=world.partner.id,
                          site_id=world.site.id, lines=[StockLine(world.blankets.id, 40)],
                          note=None, idempotency_key=str(uuid.uuid4()))
    db.session.expire_all()
    returned = db.session.get(Box, box.id)
    assert (returned.location_id, returned.quantity) == (world.intake.id, 10)
    assert held(world, world.blankets) == 0
    assert stock_differences() == []
