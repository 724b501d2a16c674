"""A small known warehouse for the dashboard and needs-list tests, posted through the ledger.

Two sites (Calais and Dunkirk), one partner, five items. With ``now`` a Wednesday noon:

==============  ====  ======  ========  ==============================================
item            min   target  category  what happened
==============  ====  ======  ========  ==============================================
Tent            10    40      Shelter   30 received at Calais today, 5 dispatched today,
                                        5 more reserved by an approved request
Blanket         12    30      Shelter   50 received at Calais 10 days ago, 40 dispatched
                                        the same day; the partner handed out 3 a week ago
Sleeping bag    5     20      Shelter   never received: a stock-out everywhere
Walking boots   10    20      Footwear  7 pairs received at Dunkirk today
Scarf           0     5       Clothing  10 received at Dunkirk: above its target
==============  ====  ======  ========  ==============================================

Three requests wait for approval (two for Calais, sent an hour apart, one for Dunkirk).
"""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from tests import factories
from tests.requests_factories import create_approved_request
from warehouse.catalogue.models import Unit
from warehouse.extensions import db
from warehouse.models import LocationKind, Role
from warehouse.requests.models import RequestStatus, StockRequest, StockRequestLine
from warehouse.stock import services as ledger

#: A Wednesday, noon in Paris: "today" is the 25th whatever the zone, and its week
#: starts on Monday the 23rd.
WEDNESDAY_NOON = datetime(2026, 11, 25, 11, 0, tzinfo=timezone.utc)
PARTNER_NAME = "Secret Partner Org"
SHELF_NAMES = ("Calais shelf Zulu-9", "Dunkirk shelf Yankee-7")


@dataclass
class World:
    now: datetime
    calais: object
    dunkirk: object
    partner: object
    manager: object
    tent: object
    blanket: object
    sleeping_bag: object
    boots: object
    scarf: object
    waiting: list  # request ids, oldest first
    approved_id: int


def build_world(now: datetime = WEDNESDAY_NOON) -> World:
    manager = factories.create_user(role=Role.MANAGER, name="Mona Manager",
                                    password=factories.PASSWORD)
    calais = factories.create_site(code="CAL", name="Calais Warehouse")
    dunkirk = factories.create_site(code="DUN", name="Dunkirk Store")
    shelf_cal = factories.create_location(site=calais, name=SHELF_NAMES[0])
    shelf_dun = factories.create_location(site=dunkirk, name=SHELF_NAMES[1])
    partner = factories.create_organisation(name=PARTNER_NAME, short_name="SPO")
    shelter = factories.create_category(name="Shelter", name_fr="Abri", position=1)
    footwear = factories.create_category(name="Footwear", name_fr="Chaussures", position=2)
    clothing = factories.create_category(name="Clothing", name_fr="Vêtements", position=3)
    tent = factories.create_item(name="Tent", name_fr="Tente", category=shelter,
                                 minimum_level=10, target_level=40)
    blanket = factories.create_item(name="Blanket", name_fr="Couverture", category=shelter,
                                    minimum_level=12, target_level=30)
    sleeping_bag = factories.create_item(name="Sleeping bag", name_fr="Sac de couchage",
                                         category=shelter, minimum_level=5, target_level=20)
    boots = factories.create_item(name="Walking boots", name_fr="Chaussures de marche",
                                  category=footwear, unit=Unit.PAIR, minimum_level=10,
                                  target_level=20)
    scarf = factories.create_item(name="Scarf", name_fr="Écharpe", category=clothing,
                                  minimum_level=0, target_level=5)

    donor = ledger.system_location(LocationKind.DONOR).id
    custody = ledger.custody_location(partner).id
    distributed = ledger.system_location(LocationKind.DISTRIBUTED).id

    def post(kind, item, quantity, source, target, when):
        ledger.post_document(kind=kind, actor=manager, occurred_at=when,
                             lines=[ledger.Line(item.id, quantity, source, target)])

    ten_days_ago = now - timedelta(days=10)
    post("receipt", blanket, 50, donor, shelf_cal.id, ten_days_ago)
    post("dispatch", blanket, 40, shelf_cal.id, custody, ten_days_ago + timedelta(hours=1))
    post("distribution", blanket, 3, custody, distributed, now - timedelta(days=7))
    post("receipt", tent, 30, donor, shelf_cal.id, now - timedelta(hours=2))
    post("dispatch", tent, 5, shelf_cal.id, custody, now - timedelta(hours=1))
    post("receipt", boots, 7, donor, shelf_dun.id, now - timedelta(hours=3))
    post("receipt", scarf, 10, donor, shelf_dun.id, now - timedelta(days=2))

    waiting = []
    for site, hours in ((calais, 5), (dunkirk, 4), (calais, 3)):
        request = StockRequest(organisation_id=partner.id, site_id=site.id,
                               needed_by=now.date() + timedelta(days=6),
                               status=RequestStatus.SUBMITTED,
                               created_by_id=manager.id,
                               submitted_at=now - timedelta(hours=hours))
        request.lines.append(StockRequestLine(item_id=tent.id, requested=4))
        db.session.add(request)
        db.session.commit()
        waiting.append(request.id)
    approved = create_approved_request(organisation=partner, site=calais,
                                       lines=[(tent, 5)], actor=manager,
                                       needed_by=now.date() - timedelta(days=1))
    return World(now, calais, dunkirk, partner, manager, tent, blanket, sleeping_bag, boots,
                 scarf, waiting, approved.id)
