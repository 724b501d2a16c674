"""Demo data: the Calais warehouse, its Dunkirk store, seven partners and weeks of history.

``seed`` makes the organisations, sites, locations, distribution sites, catalogue and
accounts, then plays a made-up stretch of weeks ending today, day by day: donations and
purchases received, sorted into boxes and shelved, partners' collections, distributions,
evictions, returns, stocktakes, write-offs and transfers to Dunkirk. Every quantity goes
through the ledger (``warehouse.stock.services.post_document``), so the ledger, the stock
levels and the boxes agree exactly as they would after real use. The same ``seed`` number
gives the same data (dates are counted back from today).

What the pages show is made by the pages' own services: every donation and purchase is a
``Donation`` received by ``receive_donation``; every distribution is a ``Distribution``
with its people counts, recorded by ``record_distribution``; the partners' collections of
the last ``REQUEST_WEEKS`` weeks are requests written, submitted, approved (or declined),
picked and dispatched through ``warehouse.requests``, with the notifications these send.
Today ends with requests waiting at the managers' desk (two of them sharing a short item,
so the review proposes a fair split), one approved and partly picked, and one declined.
While a service runs for a moment of the history, the app's clock
(``warehouse.core.types.utcnow``) reads that moment, so its rows are dated as if made then.
"""
import math
import random
import uuid
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from warehouse.accounts.models import Organisation, OrganisationKind, Role, User
from warehouse.accounts.services import create_user
from warehouse.catalogue.models import Audience, Category, Item, ItemBarcode, Unit
from warehouse.core import types as core_types
from warehouse.core.clock import local_today
from warehouse.core.types import utcnow
from warehouse.distributions.models import Distribution, DistributionSite
from warehouse.distributions.services import StockLine, record_distribution
from warehouse.extensions import db
from warehouse.intake.models import Donation, DonorType, Priority
from warehouse.intake.services import DonationLine, receive_donation
from warehouse.requests import picking
from warehouse.requests.models import StockRequest, StockRequestLine
from warehouse.requests.services import (
    Allocation,
    RequestLine,
    approve_request,
    create_request,
    decline_request,
    mark_read,
)
from warehouse.stock.codes import allocate_codes
from warehouse.stock.models import (
    Box,
    BoxCondition,
    Document,
    DocumentKind,
    Location,
    LocationKind,
    Movement,
    Site,
)
from warehouse.stock.services import (
    MAX_LINES,
    Line,
    custody_location,
    post_document,
    system_location,
    transit_location,
)

#: Every demo account signs in with this password; the summary prints it.
DEMO_PASSWORD = "demo-warehouse"
REGION = "Hauts-de-France"
LOCAL_TIME = ZoneInfo("Europe/Paris")
WORKING_DAYS = frozenset(range(6))  # Monday to Saturday; partners also hand out on Sundays
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
PURCHASE_DAY = MON  # the weekly order for what runs low
STOCKTAKE_DAY = FRI  # shelves are counted, and damaged or expired stock written off
RETURN_DAYS = frozenset({TUE, SAT})  # a partner brings back what it could not use


class DatabaseNotEmpty(Exception):
    """The demo is only loaded into an empty database, so real data is never mixed in."""

    def __init__(self) -> None:
        super().__init__("The database already has data (organisations, users, items or "
                         "stock documents); demo data is only loaded into an empty one.")


# Tags on a family of items; the last two are also storage zones.
WARM = "warm"  # handed out in a cold-weather emergency
EXPIRES = "expires"  # has a use-by date
BULKY = "bulky"  # kept on pallets
FIREWOOD = "firewood"  # kept in the firewood bay

# --- organisations, sites, places and people -----------------------------------------------

OPERATOR = ("Calais Warehouse", "Warehouse")

EVERYONE = frozenset({None, *Audience})
MEN_MOSTLY = frozenset({None, Audience.MEN, Audience.UNISEX})
YOUNG_PEOPLE = frozenset({None, Audience.MEN, Audience.UNISEX, Audience.CHILDREN})
WOMEN_AND_CHILDREN = frozenset({None, Audience.WOMEN, Audience.CHILDREN, Audience.BABY,
                                Audience.UNISEX})


@dataclass(frozen=True)
class Partner:
    """A partner organisation: who coordinates it, when and where it collects, what it needs."""

    name: str
    short_name: str
    coordinator_email: str
    coordinator: str
    collects: dict  # weekday -> code of the site it collects from that day
    takes: dict  # category key -> how much of that category it asks for, relatively
    serves: frozenset  # audiences it hands out to (None: items for anyone)
    hands_out_at: tuple  # distribution site names


PARTNERS = (
    Partner("L'Auberge des Migrants", "Auberge", "auberge@example.org", "Margaux Lefebvre",
            {MON: "CAL", WED: "CAL", FRI: "CAL"},
            {"shelter": 3, "heating": 2, "clothing": 3, "footwear": 3, "accessories": 2,
             "hygiene": 1},
            EVERYONE, ("Calais – Rue des Verrotières", "Calais – Hospital area",
                       "Calais – Marck industrial zone")),
    Partner("Refugee Community Kitchen", "RCK", "rck@example.org", "Tom Whitaker",
            {TUE: "CAL", THU: "DUN"}, {"heating": 3, "accessories": 1, "hygiene": 1},
            MEN_MOSTLY, ("Calais – Rue des Verrotières", "Grande-Synthe – Puythouck")),
    Partner("Refugee Youth Service", "RYS", "rys@example.org", "Nadia Chraibi",
            {TUE: "CAL", FRI: "DUN"},
            {"clothing": 2, "footwear": 2, "accessories": 2, "hygiene": 2, "electronics": 1,
             "shelter": 1},
            YOUNG_PEOPLE, ("Calais – Hospital area", "Grande-Synthe – Puythouck")),
    Partner("Utopia 56", "Utopia 56", "utopia56@example.org", "Julien Caron",
            {MON: "CAL", WED: "DUN", FRI: "CAL"},
            {"shelter": 3, "baby": 3, "hygiene": 2, "heating": 1, "clothing": 1},
            EVERYONE, ("Calais – Beau Marais", "Grande-Synthe – Puythouck", "Loon-Plage")),
    Partner("Refugee Info Bus", "Info Bus", "infobus@example.org", "Ellie Morgan",
            {WED: "CAL"}, {"electronics": 4},
            EVERYONE, ("Calais – Rue des Verrotières", "Loon-Plage")),
    Partner("Refugee Women's Centre", "RWC", "rwc@example.org", "Sophie Lambert",
            {TUE: "DUN", FRI: "DUN"},
            {"hygiene": 2, "baby": 3, "clothing": 2, "footwear": 1, "shelter": 1,
             "accessories": 1},
            WOMEN_AND_CHILDREN, ("Grande-Synthe – Puythouck", "Loon-Plage")),
    Partner("Mobile Refugee Support", "MRS", "mrs@example.org", "Ben Carter",
            {MON: "DUN", THU: "DUN"},
            {"clothing": 2, "footwear": 2, "accessories": 2, "hygiene": 2, "electronics": 2,
             "heating": 1},
            EVERYONE, ("Grande-Synthe – Puythouck", "Loon-Plage",
                       "Calais – Marck industrial zone")),
)

STAFF = (  # e-mail, name, role
    ("admin@example.org", "Sam Okafor", Role.ADMIN),
    ("manager@example.org", "Claire Dubois", Role.MANAGER),
    ("manager.dunkirk@example.org", "Yusuf Rahimi", Role.MANAGER),
    ("volunteer1@example.org", "Léa Martin", Role.VOLUNTEER),
    ("volunteer2@example.org", "Oliver Bennett", Role.VOLUNTEER),
    ("volunteer3@example.org", "Inès Moreau", Role.VOLUNTEER),
    ("volunteer4@example.org", "Hannah Price", Role.VOLUNTEER),
    ("volunteer5@example.org", "Karim Benali", Role.VOLUNTEER),
)
SITE_MANAGERS = {"CAL": "manager@example.org", "DUN": "manager.dunkirk@example.org"}


def demo_accounts() -> list[tuple[str, Role, str]]:
    """Every demo account: e-mail, role, and the short name of its organisation."""
    staff = [(email, role, OPERATOR[1]) for email, _, role in STAFF]
    coordinators = [(p.coordinator_email, Role.COORDINATOR, p.short_name) for p in PARTNERS]
    return staff + coordinators


def sign_in_help() -> str:
    """How to sign in with the demo accounts."""
    width = max(len(email) for email, _, _ in demo_accounts())
    lines = [f"Sign in with any of these accounts; the password is {DEMO_PASSWORD!r}:"]
    for email, role, organisation in demo_accounts():
        lines.append(f"  {email:<{width}}  {role.value:<11}  {organisation}")
    return "\n".join(lines)


def has_demo_accounts() -> bool:
    """Whether the demo's accounts are here (the demo was loaded into this database)."""
    email = demo_accounts()[0][0]
    return db.session.scalar(select(User.id).where(User.email == email)) is not None


def _shelves(aisles: str, count: int) -> list[tuple[str, str, bool]]:
    return [(f"{aisle}{n}", f"Shelf {aisle}{n}", False)
            for aisle in aisles for n in range(1, count + 1)]


@dataclass(frozen=True)
class SiteSpec:
    """A site, its shelves and bays, and how busy its intake is."""

    code: str
    name: str
    town: str
    locations: tuple  # (key, name, is_intake), in walking order
    storage: dict  # category, or BULKY or FIREWOOD -> keys of the locations that hold it
    donations_per_day: dict  # how many donations arrive on a working day -> how likely


SITES = (
    SiteSpec("CAL", "Calais Warehouse", "Calais",
             (("IN", "Intake bay", True), *_shelves("ABCD", 4),
              ("FW", "Firewood bay", False), ("PAL", "Pallet area", False)),
             {"shelter": ("A1", "A2", "A3", "A4"), BULKY: ("PAL",), FIREWOOD: ("FW",),
              "clothing": ("B1", "B2", "B3", "B4"), "footwear": ("C1", "C2"),
              "accessories": ("C3", "C4"), "hygiene": ("D1", "D2"), "baby": ("D3",),
              "electronics": ("D4",), "heating": ("D4",)},
             {0: 1, 1: 3, 2: 3, 3: 2}),
    SiteSpec("DUN", "Dunkirk Store", "Dunkirk",
             (("IN", "Intake bay", True), *_shelves("S", 6),
              ("FW", "Firewood corner", False)),
             {"shelter": ("S1",), BULKY: ("S1",), FIREWOOD: ("FW",),
              "clothing": ("S2", "S3"), "footwear": ("S4",), "accessories": ("S4",),
              "hygiene": ("S5",), "baby": ("S5",), "electronics": ("S6",),
              "heating": ("S6",)},
             {0: 4, 1: 5, 2: 1}),
)

DISTRIBUTION_SITES = (  # name, town
    ("Calais – Rue des Verrotières", "Calais"),
    ("Calais – Hospital area", "Calais"),
    ("Calais – Beau Marais", "Calais"),
    ("Calais – Marck industrial zone", "Marck"),
    ("Grande-Synthe – Puythouck", "Grande-Synthe"),
    ("Loon-Plage", "Loon-Plage"),
)

# --- the catalogue -----------------------------------------------------------------------

CATEGORIES = (  # key, English, French: in the order stock sheets list them
    ("shelter", "Shelter and sleeping", "Abri et couchage"),
    ("heating", "Firewood and heating", "Bois et chauffage"),
    ("clothing", "Clothing", "Vêtements"),
    ("footwear", "Footwear", "Chaussures"),
    ("accessories", "Accessories and rainwear", "Accessoires et pluie"),
    ("hygiene", "Hygiene", "Hygiène"),
    ("baby", "Baby care", "Bébé"),
    ("electronics", "Phones and light", "Téléphones et éclairage"),
)
# Categories that arrive new, sealed in cartons; clothes and bedding are mostly second-hand.
NEW_CATEGORIES = frozenset({"heating", "hygiene", "baby", "electronics"})
# Categories that a wet van or a leaking roof spoils.
TEXTILE_CATEGORIES = frozenset({"shelter", "clothing", "accessories"})

MEN_SIZES = ("S", "M", "L", "XL")
WOMEN_SIZES = ("S", "M", "L")
WAIST_SIZES = tuple(f"W{n}" for n in range(28, 37, 2))
BOOT_SIZES = tuple(f"EU {n}" for n in range(38, 46))
TRAINER_SIZES = tuple(f"EU {n}" for n in range(40, 45))


@dataclass(frozen=True)
class Family:
    """A kind of item, made into one catalogue item per size."""

    category: str
    name: str
    name_fr: str
    weekly: int  # handed out per week by all partners together, over all sizes
    box_size: int  # how many fill a box, bag, crate or pallet
    unit: Unit = Unit.PIECE
    sizes: tuple = (None,)
    audience: Audience | None = None
    supply: float = 1.0  # donations relative to demand; purchases make up the rest
    tags: str = ""


FAMILIES = (
    Family("shelter", "Tent", "Tente", 120, 10, sizes=("2-person", "3-person"), supply=0.8,
           tags=BULKY),
    Family("shelter", "Tarp (4 × 5 m)", "Bâche (4 × 5 m)", 50, 20, supply=0.9, tags=BULKY),
    Family("shelter", "Sleeping bag", "Sac de couchage", 220, 10, supply=0.85, tags=WARM),
    Family("shelter", "Roll mat", "Tapis de sol", 80, 20, tags=BULKY),
    Family("shelter", "Blanket", "Couverture", 260, 20, tags=WARM),
    Family("shelter", "Emergency foil blanket", "Couverture de survie", 100, 100, tags=WARM),
    Family("heating", "Firewood", "Bois de chauffage", 300, 50, unit=Unit.BAG, supply=0.1,
           tags=f"{WARM} {FIREWOOD}"),
    Family("heating", "Fire lighters", "Allume-feu", 80, 48, unit=Unit.PACK, tags=WARM),
    Family("heating", "Lighter", "Briquet", 150, 100),
    Family("heating", "Hand warmers", "Chaufferettes", 100, 100, unit=Unit.PAIR,
           tags=f"{WARM} {EXPIRES}"),
    Family("clothing", "Men's jacket", "Veste homme", 120, 15, sizes=MEN_SIZES,
           audience=Audience.MEN, tags=WARM),
    Family("clothing", "Women's jacket", "Veste femme", 25, 15, sizes=WOMEN_SIZES,
           audience=Audience.WOMEN, tags=WARM),
    Family("clothing", "Children's jacket", "Veste enfant", 15, 15,
           sizes=("4–6 years", "7–10 years"), audience=Audience.CHILDREN, tags=WARM),
    Family("clothing", "Joggers", "Pantalon de jogging", 150, 25, sizes=WAIST_SIZES,
           audience=Audience.MEN),
    Family("clothing", "Thermal top", "Haut thermique", 120, 30, sizes=("M", "L", "XL"),
           audience=Audience.MEN, tags=WARM),
    Family("clothing", "Thermal leggings", "Caleçon long thermique", 60, 30, sizes=("M", "L"),
           audience=Audience.MEN, tags=WARM),
    Family("clothing", "Jumper", "Pull", 80, 20, sizes=("M", "L", "XL"),
           audience=Audience.MEN, tags=WARM),
    Family("clothing", "T-shirt", "T-shirt", 100, 40, sizes=("M", "L", "XL"),
           audience=Audience.MEN),
    Family("clothing", "Boxer shorts", "Caleçon", 200, 50, sizes=("M", "L"),
           audience=Audience.MEN, supply=0.7),
    Family("clothing", "Men's socks", "Chaussettes homme", 500, 100, unit=Unit.PAIR,
           audience=Audience.MEN, tags=WARM),
    Family("clothing", "Women's socks", "Chaussettes femme", 60, 100, unit=Unit.PAIR,
           audience=Audience.WOMEN),
    Family("clothing", "Leggings", "Legging", 30, 30, audience=Audience.WOMEN),
    Family("footwear", "Walking boots", "Chaussures de marche", 120, 10, unit=Unit.PAIR,
           sizes=BOOT_SIZES, audience=Audience.UNISEX, supply=0.85),
    Family("footwear", "Trainers", "Baskets", 100, 10, unit=Unit.PAIR, sizes=TRAINER_SIZES,
           audience=Audience.MEN),
    Family("footwear", "Shower sliders", "Claquettes", 60, 30, unit=Unit.PAIR,
           audience=Audience.UNISEX),
    Family("accessories", "Gloves", "Gants", 200, 100, unit=Unit.PAIR, tags=WARM),
    Family("accessories", "Beanie hat", "Bonnet", 200, 100, tags=WARM),
    Family("accessories", "Scarf", "Écharpe", 100, 50, tags=WARM),
    Family("accessories", "Backpack", "Sac à dos", 60, 15),
    Family("accessories", "Umbrella", "Parapluie", 40, 30),
    Family("accessories", "Rain poncho", "Poncho de pluie", 120, 100),
    Family("hygiene", "Men's hygiene pack", "Kit d'hygiène homme", 200, 25, unit=Unit.KIT,
           audience=Audience.MEN),
    Family("hygiene", "Women's hygiene pack", "Kit d'hygiène femme", 40, 25, unit=Unit.KIT,
           audience=Audience.WOMEN),
    Family("hygiene", "SNUG pack", "Kit SNUG", 50, 20, unit=Unit.KIT),
    Family("hygiene", "Toothbrush", "Brosse à dents", 200, 200),
    Family("hygiene", "Toothpaste", "Dentifrice", 150, 100, tags=EXPIRES),
    Family("hygiene", "Disposable razors", "Rasoirs jetables", 100, 100, unit=Unit.PACK,
           audience=Audience.MEN),
    Family("hygiene", "Shower gel", "Gel douche", 100, 24, unit=Unit.BOTTLE, tags=EXPIRES),
    Family("hygiene", "Soap bar", "Savon", 150, 100, tags=EXPIRES),
    Family("hygiene", "Deodorant", "Déodorant", 80, 48, tags=EXPIRES),
    Family("hygiene", "Wet wipes", "Lingettes", 150, 48, unit=Unit.PACK, tags=EXPIRES),
    Family("hygiene", "Toilet roll", "Papier toilette", 300, 96, unit=Unit.ROLL),
    Family("hygiene", "Towel", "Serviette de toilette", 60, 30),
    Family("hygiene", "Sanitary pads", "Serviettes hygiéniques", 60, 40, unit=Unit.PACK,
           audience=Audience.WOMEN),
    Family("baby", "Nappies", "Couches", 30, 10, unit=Unit.PACK,
           sizes=("Size 3", "Size 4", "Size 5"), audience=Audience.BABY),
    Family("baby", "Baby wipes", "Lingettes bébé", 20, 24, unit=Unit.PACK,
           audience=Audience.BABY, tags=EXPIRES),
    Family("electronics", "Power bank", "Batterie externe", 60, 20, supply=0.6),
    Family("electronics", "Charging cable", "Câble de charge", 90, 50,
           sizes=("USB-C", "Micro-USB")),
    Family("electronics", "Head torch", "Lampe frontale", 60, 40),
    Family("electronics", "AA batteries (pack of 4)", "Piles AA (lot de 4)", 50, 50,
           unit=Unit.PACK, tags=EXPIRES),
)

MINIMUM_WEEKS = 1  # an item's minimum level: a week of distributions
TARGET_WEEKS = 3  # its target level: three weeks

# Items run down on the last day, so the stock sheet and reports have shortages to flag:
# what is left of each, as a share of its minimum level, per site.
SHORT_ITEMS = (("Tent", "2-person"), ("Sleeping bag", None), ("Walking boots", "EU 42"),
               ("Joggers", "W30"))
SHORT_KEEP = {"CAL": 0.4, "DUN": 0.1}

# --- how the weeks go --------------------------------------------------------------------

OPENING_WEEKS = (1.5, 3.5)  # stock on the shelves when the history starts, in weeks of demand
# What a partner still holds from its collections before the history starts, in weeks of
# its demand, for a few of the items it asks for: it can hand out from the first evening.
OPENING_CUSTODY_WEEKS = (0.3, 0.6)
OPENING_CUSTODY_ITEMS = 4
DONATION_COVER = 0.9  # donations bring this share of what goes out; purchases the rest
DONATION_SPREAD = 0.5  # how much donations of one item vary in size (log-normal sigma)


@dataclass(frozen=True)
class DonorKind:
    donor_type: DonorType
    likelihood: float
    lines: tuple  # fewest and most items in one donation
    size: float  # quantity of each item, relative to a typical donation line
    boxed: float  # share of lines that arrive already boxed and labelled
    donors: tuple = ()  # (donor's name, where it comes from)
    new_only: bool = False  # gives only things that come new, in cartons


DONOR_KINDS = (
    DonorKind(DonorType.GROUP, 0.35, (6, 16), 1.0, 0.3,
              (("Collection drive", "Bristol"), ("Collection drive", "Leeds"),
               ("Collection drive", "Brighton"), ("Collection drive", "Lille"),
               ("St Anselm's school", "Canterbury"), ("Paroisse Saint-Vaast", "Arras"))),
    DonorKind(DonorType.INDIVIDUAL, 0.35, (1, 4), 0.3, 0.0,
              ((None, None), (None, "Calais"), (None, "Dunkirk"), (None, "Kent"))),
    DonorKind(DonorType.COMPANY, 0.1, (1, 2), 3.0, 1.0,
              (("Pharmacy wholesaler", "Lille"), ("Hotel chain", "Paris"),
               ("Phone shop", "Calais")), new_only=True),
    DonorKind(DonorType.NGO, 0.2, (3, 8), 1.0, 0.5,
              (("Paris association", "Paris"), ("Brussels NGO", "Brussels"),
               ("UK aid charity", "Dover"))),
)
# Now and then a donation is of no use here: it is received and written off at once.
NOT_NEEDED_CHANCE = 0.1  # of an individual's donation
NOT_NEEDED_REASONS = ("Summer clothes: passed on to the Emmaüs shop",
                      "Torn and stained: sent to textile recycling")
REORDER_WEEKS = 1.5  # a site buys an item when it holds less than this many weeks of demand
ORDER_UP_TO_WEEKS = 3  # and buys enough for this many weeks
PURCHASE_LINES = 15  # the weekly budget stretches to this many items per site
USED_BOXES_NEW_CHANCE = 0.25  # share of second-hand categories' boxes that are new
SORTED_SHARE = 0.85  # chance that a loose intake item is sorted on a given day
WHOLE_BOX_SHARE = 0.5  # chance a partner takes a box it empties as a whole, label and all
# The partners' collections of the last weeks go through requests (before, they were
# handed over on the day, as dispatch documents).
REQUEST_WEEKS = 3
SHORT_NOTE = "Only {allocated} on the shelves today"
NOTHING_LEFT_REASON = ("None of this is on the shelves at {site} today; please ask again "
                       "after Monday's delivery.")
# People reached by one evening's distribution, and how often the partner notes who.
PEOPLE_REACHED = (20, 120)
UNITS_PER_PERSON = (1.5, 3.0)
NO_BREAKDOWN_CHANCE = 0.25
# A partner requests some of the items it needs at each collection, enough to last until
# it next asks for them, and hands out a few kinds of items each evening, most of what it
# holds of each. (Fewer, larger lines also keep seeding fast.)
REQUEST_CHANCE = 0.35
REQUEST_SPREAD = (0.8, 1.3)
HANDS_OUT_CHANCE = {"weekday": 0.8, "sunday": 0.4}
# A partner holding stock never goes more evenings than this without handing some out,
# whatever day of the week the history starts on.
MAX_QUIET_EVENINGS = 2
ITEM_HANDED_OUT_CHANCE = 0.25
DISTRIBUTED_SHARE = (0.5, 0.9)
COLD_DISTRIBUTED_SHARE = (0.7, 1.0)  # for warm items in a cold spell, all handed out
NEW_ARRIVALS_CHANCE = 0.15
COLD_SPELLS = 2
COLD_SPELL_DAYS = (3, 5)
MOULDY_DONATION_CHANCE = 0.1  # chance a day's sorting finds a wet, mouldy donation
MOULDY_SHARE = (0.1, 0.4)  # how much of it is spoiled
SHELVES_COUNTED = 2  # shelves counted per site at each stocktake
COUNT_DIFFERENCE_CHANCE = 0.15  # chance a counted box differs from the records
TRANSFER_BOXES = 8
TRANSFERS = (1 / 3, 2 / 3)  # when, through the period, a van takes boxes to Dunkirk
EXPIRY_DAYS = (90, 720)
SHORT_DATED_CHANCE = 0.05
SHORT_DATED_DAYS = (3, 40)


@dataclass(frozen=True)
class EvictionResponse:
    town: str
    site: str  # the store that supplies the replacements
    partners: tuple  # short names of the partners who respond, the first taking most
    hands_out_at: tuple


EVICTION_RESPONSES = (
    EvictionResponse("Calais", "CAL", ("Utopia 56", "Auberge"),
                     ("Calais – Hospital area", "Calais – Marck industrial zone")),
    EvictionResponse("Grande-Synthe", "DUN", ("Utopia 56", "MRS"),
                     ("Grande-Synthe – Puythouck", "Loon-Plage")),
)
EVICTED_PEOPLE = (30, 90)
FINAL_EVICTED_PEOPLE = 120
EVICTION_NEEDS = {  # (name, size) -> how many each evicted person needs
    ("Tent", "2-person"): 0.3, ("Tent", "3-person"): 0.15, ("Sleeping bag", None): 0.9,
    ("Blanket", None): 0.6, ("Tarp (4 × 5 m)", None): 0.2, ("Roll mat", None): 0.4,
}
FIRST_RESPONDER_SHARE = 0.6


@dataclass(frozen=True)
class DeskRequest:
    """A request at the managers' desk today.

    Each line is an item key and a quantity: a whole number, or a share of what the site
    holds (for the short items two partners want at once).
    """

    partner: str
    site: str
    needed_in_days: int
    lines: tuple
    outcome: str = "submitted"  # or "approved" (and partly picked) or "declined"
    reason: str | None = None


SLEEPING_BAG, TENT = ("Sleeping bag", None), ("Tent", "2-person")
DESK_REQUESTS = (
    DeskRequest("Info Bus", "CAL", 2, ((SLEEPING_BAG, 20), (("Power bank", None), 20)),
                outcome="declined",
                reason="Sleeping bags go to this week's eviction response first, and the "
                       "power banks to Wednesday's charging session. Please ask again on "
                       "Monday."),
    DeskRequest("RCK", "CAL", 1, ((("Firewood", None), 100), (("Fire lighters", None), 24),
                                  (("Lighter", None), 50), (("Hand warmers", None), 40)),
                outcome="approved"),
    DeskRequest("Auberge", "CAL", 1, ((SLEEPING_BAG, 0.8), (TENT, 0.8),
                                      (("Men's jacket", "L"), 15), (("Gloves", None), 60))),
    DeskRequest("Utopia 56", "CAL", 1, ((SLEEPING_BAG, 0.75), (TENT, 0.75),
                                        (("Blanket", None), 40), (("Nappies", "Size 4"), 10))),
    DeskRequest("RWC", "DUN", 2, ((("Women's hygiene pack", None), 20),
                                  (("Sanitary pads", None), 30), (("Baby wipes", None), 12))),
    DeskRequest("MRS", "DUN", 3, ((("Men's socks", None), 100), (("Beanie hat", None), 40),
                                  (("Power bank", None), 10))),
)
DESK_PICKED_LINES = 2  # of the approved request, picked and waiting for dispatch

# Local hours of each part of a day, in the order the seeder posts them.
DAY_START, DAY_END = 8.0, 19.5
PHASES = {
    "request": (7.5, 8.5),  # a partner's request, written before its collection
    "opening": (8.0, 8.5),
    "transfer_out": (8.5, 9.0),
    "receipt": (9.0, 11.0),
    "transfer_in": (11.0, 11.5),
    "sorting": (11.5, 13.0),
    "return": (13.0, 13.5),  # partners bring back what they do not need when they call in
    "dispatch": (13.5, 15.5),
    "stocktake": (16.0, 17.0),
    "distribution": (17.0, 19.5),
}
TODAY_MIN_HOURS = 1.0  # today is played only when this much of the working day has passed


# --- public entry points -----------------------------------------------------------------

def database_is_empty() -> bool:
    """Tell whether the database has no organisation, user, site, item, box or document."""
    models = (Organisation, User, Site, Category, Item, Box, Document)
    return all(db.session.scalar(select(model.id).limit(1)) is None for model in models)


def seed(*, weeks: int = 8, seed: int = 2026) -> str:
    """Load the demo into an empty database; return a summary to print.

    Raises ``DatabaseNotEmpty``, having written nothing, when the database has data. Each
    document commits on its own, so a failure half-way leaves a partial demo behind: start
    again from an empty database.
    """
    if weeks < 1:
        raise ValueError("the demo needs at least one week of history")
    if not database_is_empty():
        raise DatabaseNotEmpty()
    db.session.commit()  # end the read, so that writes start a transaction of their own
    builder = _DemoBuilder(random.Random(seed), now=utcnow())
    config = current_app.config
    mail_server = config.get("MAIL_SERVER")
    config["MAIL_SERVER"] = None  # the demo's partners are at example.org: mail nobody
    try:
        builder.build_world()
        builder.play(weeks)
    finally:
        config["MAIL_SERVER"] = mail_server
    return builder.summary(weeks)


class _ClockedDatetime(datetime):
    """``datetime`` whose ``now()`` is the moment of the history being played."""

    moment: datetime

    @classmethod
    def now(cls, tz=None):
        return cls.moment.astimezone(tz)


@contextmanager
def _app_clock_at(moment: datetime):
    """Let the app's clock (``core.types.utcnow``, column defaults included) read ``moment``.

    A service run for a past day then dates its rows, checks its "not in the past" rules
    and notifies as it did on that day.
    """
    real = core_types.datetime
    _ClockedDatetime.moment = moment
    core_types.datetime = _ClockedDatetime
    try:
        yield
    finally:
        core_types.datetime = real


# --- the seeder's copy of stock ----------------------------------------------------------

@dataclass(eq=False)
class _BoxState:
    id: int
    expires_on: date | None
    item_id: int | None = None
    location_id: int | None = None
    quantity: int = 0


class _Stock:
    """What is where, kept alongside the ledger so the seeder only takes stock that exists."""

    def __init__(self, tracked: set[int]):
        self.tracked = tracked
        self.level: defaultdict = defaultdict(int)  # (location, item) -> all of it
        self.loose: defaultdict = defaultdict(int)  # (location, item) -> outside boxes
        self.boxes: dict[int, _BoxState] = {}
        self.boxes_at: defaultdict = defaultdict(list)  # (location, item) -> boxes, oldest first

    def add_box(self, box_id: int, expires_on: date | None) -> None:
        self.boxes[box_id] = _BoxState(box_id, expires_on)

    def apply(self, line: Line) -> None:
        """Follow one posted line, mirroring the ledger's rules."""
        item, quantity = line.item_id, line.quantity
        source, target = line.from_location_id, line.to_location_id
        if line.from_box_id is not None and line.from_box_id == line.to_box_id:
            box = self.boxes[line.from_box_id]
            self.boxes_at[(source, item)].remove(box)
            self.boxes_at[(target, item)].append(box)
            box.location_id = target
        else:
            if line.from_box_id is not None:
                box = self.boxes[line.from_box_id]
                box.quantity -= quantity
                assert box.quantity >= 0, box
                if not box.quantity:
                    self.boxes_at[(source, item)].remove(box)
            elif source in self.tracked:
                self.loose[(source, item)] -= quantity
                assert self.loose[(source, item)] >= 0, (source, item)
            if line.to_box_id is not None:
                box = self.boxes[line.to_box_id]
                if not box.quantity:
                    box.item_id, box.location_id = item, target
                    self.boxes_at[(target, item)].append(box)
                box.quantity += quantity
            elif target in self.tracked:
                self.loose[(target, item)] += quantity
        if source in self.tracked:
            self.level[(source, item)] -= quantity
        if target in self.tracked:
            self.level[(target, item)] += quantity

    def take(self, location_id: int, item_id: int, quantity: int, *, to_location_id: int,
             whole_boxes: float = 0.0, rng: random.Random | None = None) -> list[Line]:
        """Lines taking up to ``quantity`` from a location: loose stock first, then boxes.

        A box emptied is moved whole with chance ``whole_boxes`` (it keeps its label).
        """
        lines = []
        loose = min(quantity, self.loose[(location_id, item_id)])
        if loose > 0:
            lines.append(Line(item_id, loose, location_id, to_location_id))
            quantity -= loose
        for box in self.boxes_at[(location_id, item_id)]:
            if quantity <= 0:
                break
            if box.quantity <= quantity and whole_boxes and rng.random() < whole_boxes:
                lines.append(Line(item_id, box.quantity, location_id, to_location_id,
                                  box.id, box.id))
            else:
                lines.append(Line(item_id, min(quantity, box.quantity), location_id,
                                  to_location_id, box.id))
            quantity -= lines[-1].quantity
        return lines


# --- the builder -------------------------------------------------------------------------

@dataclass(eq=False)
class _Item:
    id: int
    code: str
    family: Family
    size: str | None
    weekly: float  # demand, all partners together
    supply: float  # donations per week that would match demand, before ``Family.supply``
    minimum: int
    target: int
    partner_weekly: dict = field(default_factory=dict)  # partner short name -> demand
    site_weekly: dict = field(default_factory=dict)  # site code -> demand collected there
    home: dict = field(default_factory=dict)  # site code -> location id of its shelf

    def __post_init__(self):
        self.tags = frozenset(self.family.tags.split())

    @property
    def category(self) -> str:
        return self.family.category

    @property
    def label(self) -> str:
        return f"{self.family.name} ({self.size})" if self.size else self.family.name


class _Clock:
    """Times of one day's documents: increasing within each phase, and all in the past."""

    def __init__(self, rng: random.Random, day: date, now: datetime):
        self.rng, self.day = rng, day
        self.last: dict[str, float] = {}
        now_local = now.astimezone(LOCAL_TIME)
        hour_now = now_local.hour + now_local.minute / 60
        # Today's documents are squeezed into the part of the day that has passed.
        self.scale = 1.0
        if day == now_local.date() and hour_now < DAY_END:
            self.scale = (hour_now - DAY_START) / (DAY_END - DAY_START)

    def next(self, phase: str) -> datetime:
        start, end = PHASES[phase]
        previous = self.last.get(phase, start)
        hour = previous + (end - previous) * self.rng.uniform(0.05, 0.3)
        self.last[phase] = hour
        hour = DAY_START + (hour - DAY_START) * self.scale
        local = datetime.combine(self.day, time(), tzinfo=LOCAL_TIME) + timedelta(hours=hour)
        return local.astimezone(UTC).replace(microsecond=0)


def _bell(count: int) -> list[float]:
    """Shares of demand over sizes in order: middle sizes are asked for most."""
    weights = [1 + min(i, count - 1 - i) for i in range(count)]
    return [w / sum(weights) for w in weights]


def _nice(quantity: float) -> int:
    """Round a level to a number a manager would write: to fives above twenty."""
    return round(quantity) if quantity <= 20 else 5 * round(quantity / 5)


class _DemoBuilder:
    """Build the demo world, then play its history one day at a time."""

    def __init__(self, rng: random.Random, *, now: datetime):
        self.rng = rng
        self.now = now
        self._scales: dict[str, float] = {}
        self.handed_out_tonight: defaultdict = defaultdict(dict)

    # The world: organisations, places, catalogue, people.

    def build_world(self) -> None:
        """Make everything the history needs, committing once per kind of thing."""
        self._make_organisations()
        self._make_sites()
        self._make_catalogue()
        self._make_accounts()
        self.donor, self.distributed, self.write_off, self.adjustment = (
            system_location(kind).id for kind in (
                LocationKind.DONOR, LocationKind.DISTRIBUTED, LocationKind.WRITE_OFF,
                LocationKind.ADJUSTMENT))
        self.custody = {p.short_name: custody_location(self.org_ids[p.short_name]).id
                        for p in PARTNERS}
        self.by_short_name = {p.short_name: p for p in PARTNERS}
        self.transit = transit_location(self.site_ids["CAL"]).id
        tracked = {*self.custody.values(), self.transit,
                   *(loc for locs in self.locations.values() for loc in locs.values())}
        self.stock = _Stock(tracked)

    @staticmethod
    def _save(rows: list) -> list[int]:
        """Add rows and commit; return their ids, read before the commit expires them."""
        db.session.add_all(rows)
        db.session.flush()
        ids = [row.id for row in rows]
        db.session.commit()
        return ids

    def _make_organisations(self) -> None:
        rows = [Organisation(name=OPERATOR[0], short_name=OPERATOR[1],
                             kind=OrganisationKind.OPERATOR)]
        rows += [Organisation(name=p.name, short_name=p.short_name,
                              kind=OrganisationKind.PARTNER) for p in PARTNERS]
        names = [OPERATOR[1], *(p.short_name for p in PARTNERS)]
        self.org_ids = dict(zip(names, self._save(rows)))

    def _make_sites(self) -> None:
        ids = self._save([Site(code=s.code, name=s.name, town=s.town, region=REGION)
                          for s in SITES])
        self.site_ids = {s.code: id_ for s, id_ in zip(SITES, ids)}
        rows, keys = [], []
        for spec in SITES:
            for position, (key, name, is_intake) in enumerate(spec.locations):
                rows.append(Location(
                    code=f"L{len(rows) + 1:05d}", name=name, kind=LocationKind.INTERNAL,
                    site_id=self.site_ids[spec.code], is_intake=is_intake, position=position))
                keys.append((spec.code, key))
        self.locations: dict[str, dict[str, int]] = defaultdict(dict)
        for (site, key), id_ in zip(keys, self._save(rows)):
            self.locations[site][key] = id_
        self.intake = {s.code: self.locations[s.code][key]
                       for s in SITES for key, _, is_intake in s.locations if is_intake}
        self.shelves = {s.code: [self.locations[s.code][key]
                                 for key, _, is_intake in s.locations if not is_intake]
                        for s in SITES}
        self.site_of = {loc: site for site, locs in self.locations.items()
                        for loc in locs.values()}
        places = self._save([DistributionSite(name=name, town=town, region=REGION)
                             for name, town in DISTRIBUTION_SITES])
        self.place_ids = {name: id_ for (name, _), id_ in zip(DISTRIBUTION_SITES, places)}

    def _make_catalogue(self) -> None:
        ids = self._save([Category(name=name, name_fr=name_fr, position=position)
                          for position, (_, name, name_fr) in enumerate(CATEGORIES)])
        category_ids = {key: id_ for (key, _, _), id_ in zip(CATEGORIES, ids)}
        self.items: list[_Item] = []
        rows = []
        for family in FAMILIES:
            demand = _bell(len(family.sizes))
            for size, share in zip(family.sizes, demand):
                # Donors give every size alike, while most people wear the middle sizes.
                supply = family.weekly * (share + 1 / len(family.sizes)) / 2
                weekly = family.weekly * share
                item = _Item(0, f"P{len(rows) + 1:05d}", family, size, weekly, supply,
                             minimum=_nice(weekly * MINIMUM_WEEKS),
                             target=_nice(weekly * TARGET_WEEKS))
                rows.append(Item(
                    code=item.code, name=family.name, name_fr=family.name_fr,
                    category_id=category_ids[family.category], unit=family.unit, size=size,
                    audience=family.audience, minimum_level=item.minimum,
                    target_level=item.target))
                self.items.append(item)
        for item, id_ in zip(self.items, self._save(rows)):
            item.id = id_
        self.by_name = {(i.family.name, i.size): i for i in self.items}
        self.by_id = {i.id: i for i in self.items}
        self._make_barcodes()
        self._share_demand()
        self._choose_homes()

    def _make_barcodes(self) -> None:
        """The barcodes on a few packages donors bring often; a scan counts a whole one."""
        packages = [(("Soap bar", None), "3760012345014", 4),  # a multipack of 4 bars
                    (("Soap bar", None), "3760012345021", 1),
                    (("Toothbrush", None), "3760012345038", 1),
                    (("Toothpaste", None), "3760012345045", 1),
                    (("Toilet roll", None), "3760012345052", 12),  # a pack of 12 rolls
                    (("Nappies", "Size 4"), "76001239", 1)]  # one pack (nappies count packs)
        self._save([ItemBarcode(item_id=self.by_name[name].id, code=code, pack_quantity=n)
                    for name, code, n in packages if name in self.by_name])

    def _share_demand(self) -> None:
        """Split each item's demand between the partners who need it and where they collect."""
        for item in self.items:
            wants = {p.short_name: p.takes.get(item.category, 0) for p in PARTNERS
                     if item.family.audience in p.serves}
            total = sum(wants.values())
            assert total, f"no partner hands out {item.label}"
            for partner in PARTNERS:
                share = item.weekly * wants.get(partner.short_name, 0) / total
                item.partner_weekly[partner.short_name] = share
                for site in partner.collects.values():
                    item.site_weekly[site] = (item.site_weekly.get(site, 0)
                                              + share / len(partner.collects))

    def _choose_homes(self) -> None:
        """Give each item a shelf at each site, spreading a zone's items over its shelves."""
        for spec in SITES:
            placed: defaultdict = defaultdict(int)
            for item in self.items:
                zone = (FIREWOOD if FIREWOOD in item.tags
                        else BULKY if BULKY in item.tags else item.category)
                keys = spec.storage[zone]
                item.home[spec.code] = self.locations[spec.code][keys[placed[zone] % len(keys)]]
                placed[zone] += 1

    def _make_accounts(self) -> None:
        names = {email: name for email, name, _ in STAFF}
        names |= {p.coordinator_email: p.coordinator for p in PARTNERS}
        self.users = {}
        for email, role, organisation in demo_accounts():
            user = create_user(email=email, name=names[email], role=role,
                               password=DEMO_PASSWORD, organisation=organisation)
            self.users[email] = db.inspect(user).identity[0]
        self.volunteers = [self.users[email] for email, _, role in STAFF
                           if role == Role.VOLUNTEER]
        self.coordinators = {p.short_name: self.users[p.coordinator_email] for p in PARTNERS}
        self.managers = {site: self.users[email] for site, email in SITE_MANAGERS.items()}

    # Posting.

    def _post(self, kind: DocumentKind, lines: list[Line], *, when: datetime, actor: int,
              reason: str | None = None, note: str | None = None) -> None:
        """Post lines through the ledger, in documents of at most ``MAX_LINES``."""
        for start in range(0, len(lines), MAX_LINES):
            chunk = lines[start:start + MAX_LINES]
            post_document(kind=kind, lines=chunk, actor=actor, occurred_at=when,
                          reason=reason, note=note)
            for line in chunk:
                self.stock.apply(line)

    def _follow(self, document_id: int) -> None:
        """Follow in the seeder's copy of stock what a service posted in a document."""
        rows = db.session.execute(
            select(Movement.item_id, Movement.quantity, Movement.from_location_id,
                   Movement.to_location_id, Movement.from_box_id, Movement.to_box_id)
            .where(Movement.document_id == document_id).order_by(Movement.line_no)).all()
        new = {row.to_box_id for row in rows
               if row.to_box_id is not None and row.to_box_id not in self.stock.boxes}
        if new:
            for box_id, expires_on in db.session.execute(
                    select(Box.id, Box.expires_on).where(Box.id.in_(new))):
                self.stock.add_box(box_id, expires_on)
        db.session.commit()
        for row in rows:
            self.stock.apply(Line(*row))

    def _key(self) -> str:
        """A form's one-time key, drawn from the seed so the history repeats."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    @staticmethod
    def _user(user_id: int) -> User:
        return db.session.get(User, user_id)

    def _new_boxes(self, count: int, item: _Item, when: datetime,
                   condition: BoxCondition | None = None) -> list[int]:
        """Make ``count`` empty, labelled boxes for ``item``; the ledger fills them."""
        if not count:
            return []
        if condition is None:
            new = (item.category in NEW_CATEGORIES
                   or self.rng.random() < USED_BOXES_NEW_CHANCE)
            condition = BoxCondition.NEW if new else BoxCondition.USED
        rows = []
        for code in allocate_codes("box", count):  # the app's codes, as the intake's are
            expires_on = None
            if EXPIRES in item.tags:
                short = self.rng.random() < SHORT_DATED_CHANCE
                days = self.rng.randint(*(SHORT_DATED_DAYS if short else EXPIRY_DAYS))
                expires_on = when.date() + timedelta(days=days)
            rows.append(Box(code=code, condition=condition, expires_on=expires_on,
                            created_at=when))
        ids = self._save(rows)
        for row, id_ in zip(rows, ids):
            self.stock.add_box(id_, row.expires_on)
        return ids

    def _into_boxes(self, item: _Item, quantity: int, *, source: int, target: int,
                    when: datetime, condition: BoxCondition | None = None,
                    top_up: bool = False) -> list[Line]:
        """Lines putting ``quantity`` into boxes at ``target``, topping up a part-filled one."""
        lines = []
        if top_up:
            for box in self.stock.boxes_at[(target, item.id)][-1:]:
                room = min(item.family.box_size - box.quantity, quantity)
                if room > 0:
                    lines.append(Line(item.id, room, source, target, None, box.id))
                    quantity -= room
        count = math.ceil(quantity / item.family.box_size)
        for box_id in self._new_boxes(count, item, when, condition):
            part = min(quantity, item.family.box_size)
            lines.append(Line(item.id, part, source, target, None, box_id))
            quantity -= part
        return lines

    def _round(self, quantity: float) -> int:
        """Round up or down at random, so small averages still add up over the weeks."""
        whole = math.floor(quantity)
        return whole + (self.rng.random() < quantity - whole)

    def _noise(self) -> float:
        """A random factor averaging one, for the size of a donation."""
        return self.rng.lognormvariate(-DONATION_SPREAD ** 2 / 2, DONATION_SPREAD)

    def _site_level(self, site: str, item: _Item) -> int:
        """What a site holds of an item, on its shelves and in its intake bay."""
        return sum(self.stock.level[(loc, item.id)] for loc in self.locations[site].values())

    def _pick(self, site: str, item: _Item, quantity: int, to_location_id: int, *,
              everywhere: bool = False, whole_boxes: float = 0.0) -> list[Line]:
        """Lines taking up to ``quantity`` of an item from a site's shelves."""
        lines = []
        locations = self.locations[site].values() if everywhere else self.shelves[site]
        for location in locations:
            taken = sum(line.quantity for line in lines)
            if taken >= quantity:
                break
            lines += self.stock.take(location, item.id, quantity - taken,
                                     to_location_id=to_location_id, whole_boxes=whole_boxes,
                                     rng=self.rng)
        return lines

    # The history.

    def play(self, weeks: int) -> None:
        """Play every day from ``weeks`` weeks ago up to today, in order."""
        today = self.now.astimezone(LOCAL_TIME)
        days = [today.date() - timedelta(days=n) for n in range(weeks * 7 - 1, -1, -1)]
        if today.hour + today.minute / 60 < DAY_START + TODAY_MIN_HOURS:
            days = [days[0] - timedelta(days=1)] + days[:-1]
        working = [d for d in days if d.weekday() in WORKING_DAYS]
        self.evictions = self._eviction_days(working)
        self.cold_days = self._cold_days(days)
        self.transfer_days = {working[int(len(working) * at)] for at in TRANSFERS}
        self.last_working_day = working[-1]
        self.first_day, self.last_day = days[0], days[-1]
        self.first_request_day = days[max(0, len(days) - REQUEST_WEEKS * 7)]
        self.last_collection: dict[str, str] = {}
        self.last_handed_out: dict[str, date] = {}  # partner -> the last evening it did
        for day in days:
            clock = _Clock(self.rng, day, self.now)
            if day == days[0]:
                self._count_opening_stock(clock)
            if day.weekday() in WORKING_DAYS:
                self._working_day(day, clock)
            self._evening(day, clock)
        self._requests_at_the_desk(clock)

    def _requests_at_the_desk(self, clock: _Clock) -> None:
        """End the last day with requests in every state a manager deals with."""
        for desk in DESK_REQUESTS:
            wanted = []
            for key, quantity in desk.lines:
                item = self.by_name[key]
                if isinstance(quantity, float):
                    # Rounded up: two partners asking for three quarters each of even a
                    # few units are both cut back by the fair split, neither to nothing.
                    quantity = math.ceil(self._site_level(desk.site, item) * quantity)
                if quantity > 0:
                    wanted.append((item, quantity))
            if not wanted:
                continue
            partner = self.by_short_name[desk.partner]
            needed_by = self.last_day + timedelta(days=desk.needed_in_days)
            request_id = self._request(partner, desk.site, needed_by, wanted,
                                       when=clock.next("request"))
            manager = self._user(self.managers[desk.site])
            if desk.outcome == "declined":
                with _app_clock_at(clock.next("stocktake")):
                    decline_request(request_id, actor=manager, reason=desk.reason)
            elif desk.outcome == "approved":
                self._approve_and_pick_some(request_id, desk.site, partner, clock)

    def _approve_and_pick_some(self, request_id: int, site: str, partner: Partner,
                               clock: _Clock) -> None:
        """Approve a request with what the shelves hold, and pick its first lines."""
        custody = self.custody[partner.short_name]
        allocations, picks = {}, {}
        lines = db.session.scalars(select(StockRequestLine)
                                   .where(StockRequestLine.request_id == request_id)
                                   .order_by(StockRequestLine.id)).all()
        for line in lines:
            chosen = self._pick(site, self.by_id[line.item_id], line.requested, custody)
            allocated = sum(pick.quantity for pick in chosen)
            allocations[line.id] = Allocation(
                allocated, SHORT_NOTE.format(allocated=allocated)
                if allocated < line.requested else None)
            if chosen and len(picks) < DESK_PICKED_LINES:
                picks[line.id] = chosen
        with _app_clock_at(clock.next("stocktake")):
            approve_request(request_id, actor=self._user(self.managers[site]),
                            allocations=allocations)
        self._pick_lines(picks, when=clock.next("stocktake"))

    def _eviction_days(self, working: list[date]) -> dict[date, tuple]:
        """About one eviction a week, and a big one on the last working day."""
        days = {}
        for week in range(0, len(working), len(WORKING_DAYS)):
            day = self.rng.choice(working[week:week + len(WORKING_DAYS)])
            people = self.rng.randint(*EVICTED_PEOPLE)
            days[day] = (self.rng.choice(EVICTION_RESPONSES), people)
        days[working[-1]] = (EVICTION_RESPONSES[0], FINAL_EVICTED_PEOPLE)
        return days

    def _cold_days(self, days: list[date]) -> set[date]:
        """A couple of cold spells of a few days, when warm things are handed out first."""
        cold = set()
        for _ in range(COLD_SPELLS):
            start = self.rng.randrange(len(days))
            cold.update(days[start:start + self.rng.randint(*COLD_SPELL_DAYS)])
        return cold

    def _working_day(self, day: date, clock: _Clock) -> None:
        if day in self.transfer_days:
            self._transfer(clock)
        for spec in SITES:
            self._receive_donations(spec, clock)
            if day.weekday() == PURCHASE_DAY:
                self._purchase(spec.code, clock)
        for spec in SITES:
            self._shelve_boxes(spec.code, clock)
            self._sort_intake(spec.code, clock)
        if day.weekday() in RETURN_DAYS:
            self._accept_return(clock)
        if day in self.evictions:
            self._respond_to_eviction(day, clock)
        if day == self.last_working_day:
            self._run_down_short_items(clock)
        for partner in PARTNERS:
            site = partner.collects.get(day.weekday())
            if site:
                self._dispatch(partner, site, day, clock)
        if day.weekday() == STOCKTAKE_DAY:
            for spec in SITES:
                self._count_shelves(spec.code, clock)
                self._write_off_expired(spec.code, day, clock)
            self._write_off_damaged_box(clock)

    def _evening(self, day: date, clock: _Clock) -> None:
        if day in self.evictions:
            self._hand_out_eviction_replacements(day, clock)
        chance = HANDS_OUT_CHANCE["sunday" if day.weekday() == SUN else "weekday"]
        for partner in PARTNERS:
            overdue = (day - self.last_handed_out.get(partner.short_name, self.first_day)
                       ).days >= MAX_QUIET_EVENINGS
            if self.rng.random() < chance or overdue:
                if self._distribute(partner, day in self.cold_days, clock,
                                    at_least_one=overdue):
                    self.last_handed_out[partner.short_name] = day

    def _count_opening_stock(self, clock: _Clock) -> None:
        """Count in the stock already on the shelves when the warehouse starts the app."""
        when = clock.next("opening")
        for spec in SITES:
            lines = []
            for item in self.items:
                weeks = self.rng.uniform(*OPENING_WEEKS)
                quantity = self._round(item.site_weekly.get(spec.code, 0) * weeks)
                if quantity:
                    lines += self._into_boxes(item, quantity, source=self.adjustment,
                                              target=item.home[spec.code], when=when)
            self._post(DocumentKind.ADJUSTMENT, lines, when=when,
                       actor=self.managers[spec.code], reason="opening_count",
                       note="Stock counted on the shelves when the warehouse started the app")
        for partner in PARTNERS:
            self._count_opening_custody(partner, when)

    def _count_opening_custody(self, partner: Partner, when: datetime) -> None:
        """Count in what a partner still holds from before, so it hands out from day one."""
        asked_for = [item for item in self.items if item.partner_weekly[partner.short_name]]
        chosen = self.rng.sample(asked_for, min(OPENING_CUSTODY_ITEMS, len(asked_for)))
        custody = self.custody[partner.short_name]
        lines = []
        for item in chosen:
            weeks = self.rng.uniform(*OPENING_CUSTODY_WEEKS)
            quantity = max(1, self._round(item.partner_weekly[partner.short_name] * weeks))
            lines.append(Line(item.id, quantity, self.adjustment, custody))
        site = next(iter(partner.collects.values()))
        self._post(DocumentKind.ADJUSTMENT, lines, when=when, actor=self.managers[site],
                   reason="opening_count",
                   note=f"What {partner.name} held when the warehouse started the app")

    def _receive_donations(self, spec: SiteSpec, clock: _Clock) -> None:
        """Log the day's donations into the intake bay, loose or already boxed."""
        counts, weights = zip(*spec.donations_per_day.items())
        for _ in range(self.rng.choices(counts, weights)[0]):
            kind = self.rng.choices(DONOR_KINDS, [k.likelihood for k in DONOR_KINDS])[0]
            items = [i for i in self.items
                     if not kind.new_only or i.category in NEW_CATEGORIES]
            weights = [math.sqrt(self._supply(i, spec)) for i in items]
            scale = self._line_scale(spec)
            chosen = set(self.rng.choices(items, weights, k=self.rng.randint(*kind.lines)))
            when = clock.next("receipt")
            not_needed = (kind.donor_type == DonorType.INDIVIDUAL
                          and self.rng.random() < NOT_NEEDED_CHANCE)
            lines = []
            for item in sorted(chosen, key=lambda i: i.id):
                quantity = max(1, self._round(
                    scale * math.sqrt(self._supply(item, spec)) * kind.size * self._noise()))
                boxed = self.rng.random() < kind.boxed and not not_needed
                lines += self._donation_lines(item, quantity, boxed=boxed)
            donor_name, origin = self.rng.choice(kind.donors)
            new = (kind.new_only or all(i.category in NEW_CATEGORIES for i in chosen)
                   or self.rng.random() < USED_BOXES_NEW_CHANCE)
            if not_needed:
                priority, reason = Priority.NOT_NEEDED, self.rng.choice(NOT_NEEDED_REASONS)
            else:
                reason = None
                priority = (Priority.URGENT if any(self._running_low(spec.code, i)
                                                   for i in chosen) else Priority.NORMAL)
            self._receive(spec.code, when, actor=self.rng.choice(self.volunteers),
                          lines=lines, donor_type=kind.donor_type, donor_name=donor_name,
                          origin=origin, priority=priority, reason=reason,
                          condition=BoxCondition.NEW if new else BoxCondition.USED)

    def _running_low(self, site: str, item: _Item) -> bool:
        """Whether a site holds less than a week of what its partners collect of an item."""
        return self._site_level(site, item) < item.site_weekly.get(site, 0) * MINIMUM_WEEKS

    @staticmethod
    def _donation_lines(item: _Item, quantity: int, *, boxed: bool) -> list[DonationLine]:
        """A donation's lines for an item: loose, or in full boxes and one part-filled."""
        if not boxed:
            return [DonationLine(item.id, quantity)]
        full, rest = divmod(quantity, item.family.box_size)
        lines = [DonationLine(item.id, item.family.box_size, full)] if full else []
        return lines + ([DonationLine(item.id, rest, 1)] if rest else [])

    def _receive(self, site: str, when: datetime, *, actor: int, lines: list[DonationLine],
                 note: str | None = None, **donation) -> None:
        """Receive a donation (or a purchase) into a site's intake bay, as the intake does."""
        with _app_clock_at(when):
            received = receive_donation(
                actor=actor, site_id=self.site_ids[site], received_at=when,
                intake_location_id=self.intake[site], lines=lines, note=note,
                idempotency_key=self._key(), **donation)
        self._follow(received.donation.document_id)

    def _supply(self, item: _Item, spec: SiteSpec) -> float:
        """Donations of an item a site gets per week, on average."""
        site_share = item.site_weekly.get(spec.code, 0) / item.weekly
        return item.supply * item.family.supply * site_share

    def _line_scale(self, spec: SiteSpec) -> float:
        """Size of a donation line, so that donations bring ``DONATION_COVER`` of demand.

        Items are drawn in proportion to the square root of their supply and given a
        quantity in proportion to it, so each arrives in proportion to its supply.
        """
        if spec.code not in self._scales:
            donations_a_day = (sum(n * w for n, w in spec.donations_per_day.items())
                               / sum(spec.donations_per_day.values()))
            line_units = sum(k.likelihood * (sum(k.lines) / 2) * k.size for k in DONOR_KINDS)
            lines_a_week = donations_a_day * len(WORKING_DAYS) * line_units
            roots = sum(math.sqrt(self._supply(i, spec)) for i in self.items)
            self._scales[spec.code] = DONATION_COVER * roots / lines_a_week
        return self._scales[spec.code]

    def _purchase(self, site: str, clock: _Clock) -> None:
        """Buy, boxed and new, the items a site holds least of for its demand."""
        short = []
        for item in self.items:
            weekly, level = item.site_weekly.get(site, 0), self._site_level(site, item)
            if weekly and level < weekly * REORDER_WEEKS:
                short.append((level / weekly, item, level))
        short.sort(key=lambda entry: entry[0])
        when = clock.next("receipt")
        lines = []
        for _, item, level in short[:PURCHASE_LINES]:
            quantity = math.ceil(item.site_weekly[site] * ORDER_UP_TO_WEEKS - level)
            lines += self._donation_lines(item, quantity, boxed=True)
        if lines:
            self._receive(site, when, actor=self.managers[site], lines=lines,
                          donor_type=DonorType.PURCHASE, donor_name="Wholesale order",
                          origin=None, priority=Priority.NORMAL,
                          condition=BoxCondition.NEW,
                          note="Weekly order for items running low")

    def _shelve_boxes(self, site: str, clock: _Clock) -> None:
        """Move the boxes that arrived ready-labelled from the intake bay to their shelves."""
        intake = self.intake[site]
        lines = [Line(item.id, box.quantity, intake, item.home[site], box.id, box.id)
                 for item in self.items for box in self.stock.boxes_at[(intake, item.id)]]
        if lines:
            self._post(DocumentKind.MOVE, lines, when=clock.next("sorting"),
                       actor=self.rng.choice(self.volunteers), reason="shelving")

    def _sort_intake(self, site: str, clock: _Clock) -> None:
        """Sort most of the loose stock in the intake bay into boxes on the shelves."""
        intake = self.intake[site]
        when = clock.next("sorting")
        volunteer = self.rng.choice(self.volunteers)
        if self.rng.random() < MOULDY_DONATION_CHANCE:
            self._write_off_wet_donation(site, when, volunteer)
        lines = []
        for item in self.items:
            quantity = self.stock.loose[(intake, item.id)]
            if quantity > 0 and self.rng.random() < SORTED_SHARE:
                lines += self._into_boxes(item, quantity, source=intake,
                                          target=item.home[site], when=when, top_up=True)
        if lines:
            self._post(DocumentKind.MOVE, lines, when=when, actor=volunteer, reason="sorting")

    def _write_off_wet_donation(self, site: str, when: datetime, volunteer: int) -> None:
        """Write off part of a loose textile donation that arrived wet and went mouldy."""
        intake = self.intake[site]
        wet = [item for item in self.items if item.category in TEXTILE_CATEGORIES
               and self.stock.loose[(intake, item.id)] > 0]
        if not wet:
            return
        item = self.rng.choice(wet)
        share = self.rng.uniform(*MOULDY_SHARE)
        spoiled = max(1, self._round(self.stock.loose[(intake, item.id)] * share))
        self._post(DocumentKind.WRITE_OFF, [Line(item.id, spoiled, intake, self.write_off)],
                   when=when, actor=volunteer, reason="mouldy", note="Arrived wet in the van")

    def _dispatch(self, partner: Partner, site: str, day: date, clock: _Clock) -> None:
        """Hand a partner what it asked for, as far as the site's shelves allow."""
        custody = self.custody[partner.short_name]
        collections = len(partner.collects)
        wanted = []
        for item in self.items:
            weekly = item.partner_weekly[partner.short_name]
            if not weekly or self.rng.random() >= REQUEST_CHANCE:
                continue
            held = self.stock.level[(custody, item.id)]
            needed = weekly / collections / REQUEST_CHANCE * self.rng.uniform(*REQUEST_SPREAD)
            quantity = self._round(needed - held / 2)
            if quantity > 0:
                wanted.append((item, quantity))
        if day >= self.first_request_day:
            if wanted:
                self._collect_by_request(partner, site, day, wanted, clock)
            return
        lines = []
        for item, quantity in wanted:
            lines += self._pick(site, item, quantity, custody, whole_boxes=WHOLE_BOX_SHARE)
        if lines:
            self._post(DocumentKind.DISPATCH, lines, when=clock.next("dispatch"),
                       actor=self.managers[site], reason="request",
                       note=f"Collected by {partner.name}")
            self.last_collection[partner.short_name] = site

    def _collect_by_request(self, partner: Partner, site: str, day: date,
                            wanted: list[tuple[_Item, int]], clock: _Clock) -> None:
        """A partner's collection as the app makes it: the coordinator requests in the
        morning, the manager allocates what the shelves hold, a volunteer picks it and
        the manager dispatches it; with nothing on the shelves, the request is declined."""
        request_id = self._request(partner, site, day, wanted, when=clock.next("request"))
        custody = self.custody[partner.short_name]
        allocations, picks = {}, {}
        lines = db.session.scalars(select(StockRequestLine)
                                   .where(StockRequestLine.request_id == request_id)
                                   .order_by(StockRequestLine.id)).all()
        for line in lines:
            picks[line.id] = self._pick(site, self.by_id[line.item_id], line.requested,
                                        custody)
            allocated = sum(pick.quantity for pick in picks[line.id])
            note = SHORT_NOTE.format(allocated=allocated) if allocated < line.requested \
                else None
            allocations[line.id] = Allocation(allocated, note)
        manager = self._user(self.managers[site])
        if not any(allocation.quantity for allocation in allocations.values()):
            with _app_clock_at(clock.next("dispatch")):
                decline_request(request_id, actor=manager, reason=NOTHING_LEFT_REASON.format(
                    site={spec.code: spec.name for spec in SITES}[site]))
            return
        with _app_clock_at(clock.next("dispatch")):
            approve_request(request_id, actor=manager, allocations=allocations)
        self._pick_lines(picks, when=clock.next("dispatch"))
        with _app_clock_at(clock.next("dispatch")):
            dispatched = picking.dispatch_request(db.session.get(StockRequest, request_id),
                                                  actor=manager, close=True)
        self._follow(dispatched.document_id)
        self.last_collection[partner.short_name] = site

    def _request(self, partner: Partner, site: str, needed_by: date,
                 wanted: list[tuple[_Item, int]], *, when: datetime) -> int:
        """Submit a coordinator's request, having read the partner's notifications."""
        coordinator = self._user(self.coordinators[partner.short_name])
        with _app_clock_at(when):
            mark_read(actor=coordinator)
            stock_request = create_request(
                actor=coordinator, organisation_id=self.org_ids[partner.short_name],
                site_id=self.site_ids[site],
                distribution_site_id=self.place_ids[self.rng.choice(partner.hands_out_at)],
                needed_by=needed_by, submit=True, client_key=self._key(),
                lines=[RequestLine(item.id, quantity) for item, quantity in wanted])
            return stock_request.id

    def _pick_lines(self, picks: dict[int, list[Line]], *, when: datetime) -> None:
        """A volunteer picks each request line from the boxes and shelves chosen."""
        volunteer = self.rng.choice(self.volunteers)
        with _app_clock_at(when):
            for line_id, lines in picks.items():
                for line in lines:
                    request_line = db.session.get(StockRequestLine, line_id)
                    if line.from_box_id is not None:
                        picking.pick_box(request_line, box=line.from_box_id,
                                         quantity=line.quantity, actor=volunteer)
                    else:
                        picking.pick_loose(request_line, location=line.from_location_id,
                                           quantity=line.quantity, actor=volunteer)

    def _respond_to_eviction(self, day: date, clock: _Clock) -> None:
        """Send tents, sleeping bags and blankets to the partners replacing what was taken."""
        response, people = self.evictions[day]
        first, *others = response.partners
        shares = {first: FIRST_RESPONDER_SHARE}
        shares |= {other: (1 - FIRST_RESPONDER_SHARE) / len(others) for other in others}
        self.handed_out_tonight = defaultdict(dict)
        for short_name, share in shares.items():
            custody = self.custody[short_name]
            lines = []
            for key, per_person in EVICTION_NEEDS.items():
                item = self.by_name[key]
                picked = self._pick(response.site, item,
                                    self._round(people * per_person * share), custody)
                lines += picked
                if picked:
                    self.handed_out_tonight[short_name][item.id] = sum(
                        line.quantity for line in picked)
            if lines:
                self._post(DocumentKind.DISPATCH, lines, when=clock.next("dispatch"),
                           actor=self.managers[response.site], reason="eviction",
                           note=f"Eviction in {response.town}: about {people} people")

    def _run_down_short_items(self, clock: _Clock) -> None:
        """Let a few items run below their minimum level on the last day, as they do."""
        partner = EVICTION_RESPONSES[0].partners[0]
        for spec in SITES:
            lines = []
            for key in SHORT_ITEMS:
                item = self.by_name[key]
                keep = math.floor(item.minimum * SHORT_KEEP[spec.code])
                excess = self._site_level(spec.code, item) - keep
                if excess > 0:
                    lines += self._pick(spec.code, item, excess, self.custody[partner],
                                        everywhere=True)
            if lines:
                self._post(DocumentKind.DISPATCH, lines, when=clock.next("dispatch"),
                           actor=self.managers[spec.code], reason="eviction",
                           note="Everything left, for the families moved on this morning")

    def _hand_out_eviction_replacements(self, day: date, clock: _Clock) -> None:
        """Hand out, that evening, what the partners collected after the eviction."""
        response, people = self.evictions[day]
        first = response.partners[0]
        for short_name, handed in self.handed_out_tonight.items():
            if handed:
                share = FIRST_RESPONDER_SHARE if short_name == first \
                    else (1 - FIRST_RESPONDER_SHARE) / (len(response.partners) - 1)
                self._record_distribution(
                    self.by_short_name[short_name], "eviction_replacement",
                    list(handed.items()), when=clock.next("distribution"),
                    place=self.rng.choice(response.hands_out_at),
                    people=max(1, round(people * share)),
                    note=f"After the eviction in {response.town}")

    def _distribute(self, partner: Partner, cold: bool, clock: _Clock, *,
                    at_least_one: bool = False) -> bool:
        """Hand out part of what a partner holds; warm things go faster in a cold spell.

        With ``at_least_one``, a partner that holds anything hands out at least its
        largest holding. Tell whether anything was handed out.
        """
        custody = self.custody[partner.short_name]
        by_reason: defaultdict = defaultdict(list)
        routine = ("new_arrivals" if self.rng.random() < NEW_ARRIVALS_CHANCE else "routine")
        for item in self.items:
            held = self.stock.level[(custody, item.id)]
            emergency = cold and WARM in item.tags
            if held <= 0 or (not emergency and self.rng.random() >= ITEM_HANDED_OUT_CHANCE):
                continue
            share = self.rng.uniform(*(COLD_DISTRIBUTED_SHARE if emergency
                                       else DISTRIBUTED_SHARE))
            quantity = self._round(held * share)
            if quantity:
                reason = "cold_weather_emergency" if emergency else routine
                by_reason[reason].append((item.id, quantity))
        held = self._held(partner)
        if at_least_one and not by_reason and held:
            most = max(held, key=lambda item: self.stock.level[(custody, item.id)])
            level = self.stock.level[(custody, most.id)]
            quantity = max(1, self._round(level * self.rng.uniform(*DISTRIBUTED_SHARE)))
            by_reason[routine].append((most.id, min(quantity, level)))
        for reason, handed in by_reason.items():
            units = sum(quantity for _, quantity in handed)
            people = round(units / self.rng.uniform(*UNITS_PER_PERSON))
            self._record_distribution(partner, reason, handed,
                                      when=clock.next("distribution"),
                                      place=self.rng.choice(partner.hands_out_at),
                                      people=min(max(people, PEOPLE_REACHED[0]),
                                                 PEOPLE_REACHED[1]))
        return bool(by_reason)

    def _record_distribution(self, partner: Partner, reason: str,
                             handed: list[tuple[int, int]], *, when: datetime, place: str,
                             people: int, note: str | None = None) -> None:
        """Record an evening's distribution as the coordinator does: items and counts."""
        with _app_clock_at(when):
            recorded = record_distribution(
                actor=self._user(self.coordinators[partner.short_name]),
                organisation_id=self.org_ids[partner.short_name],
                distribution_site_id=self.place_ids[place], distributed_on=local_today(when),
                reason=reason, lines=[StockLine(item_id, q) for item_id, q in handed],
                people_total=people, note=note, idempotency_key=self._key(),
                **self._breakdown(partner, people))
        self._follow(recorded.distribution.document_id)

    def _breakdown(self, partner: Partner, people: int) -> dict[str, int]:
        """Who was reached, as far as the partner counts it (not always)."""
        if self.rng.random() < NO_BREAKDOWN_CHANCE:
            return {}
        if partner.serves == WOMEN_AND_CHILDREN:
            women = round(people * self.rng.uniform(0.45, 0.65))
            return {"women": women, "children": people - women}
        if partner.serves == YOUNG_PEOPLE:
            minors = round(people * self.rng.uniform(0.4, 0.7))
            return {"men": people - minors, "unaccompanied_minors": minors}
        if partner.serves == MEN_MOSTLY:
            return {"men": people}
        women = round(people * self.rng.uniform(0.05, 0.15))
        children = round(people * self.rng.uniform(0.0, 0.1))
        return {"men": people - women - children, "women": women, "children": children}

    def _accept_return(self, clock: _Clock) -> None:
        """Take back stock a partner could not use, into the intake bay to be sorted again."""
        holding = [p for p in PARTNERS
                   if p.short_name in self.last_collection and self._held(p)]
        if not holding:
            return
        partner = self.rng.choice(holding)
        custody = self.custody[partner.short_name]
        intake = self.intake[self.last_collection[partner.short_name]]
        held = self._held(partner)
        lines = []
        for item in self.rng.sample(held, min(len(held), self.rng.randint(1, 3))):
            share = self.rng.uniform(0.2, 0.5)
            quantity = max(1, self._round(self.stock.level[(custody, item.id)] * share))
            lines += self.stock.take(custody, item.id, quantity, to_location_id=intake)
        self._post(DocumentKind.RETURN, lines, when=clock.next("return"),
                   actor=self.coordinators[partner.short_name], reason="unused",
                   note="Not needed this week")

    def _held(self, partner: Partner) -> list[_Item]:
        """The items a partner has in its custody."""
        custody = self.custody[partner.short_name]
        return [item for item in self.items if self.stock.level[(custody, item.id)] > 0]

    def _count_shelves(self, site: str, clock: _Clock) -> None:
        """Count a few shelves box by box; differences become adjustments."""
        when = clock.next("stocktake")
        losses, finds = [], []
        for shelf in self.rng.sample(self.shelves[site], SHELVES_COUNTED):
            for item in self.items:
                for box in self.stock.boxes_at[(shelf, item.id)]:
                    if self.rng.random() >= COUNT_DIFFERENCE_CHANCE:
                        continue
                    difference = self.rng.choice((-3, -2, -1, -1, 1, 2))
                    if difference > 0:
                        finds.append(Line(item.id, difference, self.adjustment, shelf,
                                          None, box.id))
                    elif box.quantity > -difference:
                        losses.append(Line(item.id, -difference, shelf, self.adjustment,
                                           box.id))
        for lines, reason in ((losses, self.rng.choice(("lost", "miscounted"))),
                              (finds, "found")):
            if lines:
                self._post(DocumentKind.ADJUSTMENT, lines, when=when, reason=reason,
                           actor=self.managers[site], note="Weekly shelf count")

    def _write_off_expired(self, site: str, day: date, clock: _Clock) -> None:
        """Write off every box at a site that is past its use-by date."""
        lines = [Line(box.item_id, box.quantity, box.location_id, self.write_off, box.id)
                 for location in self.locations[site].values() for item in self.items
                 for box in self.stock.boxes_at[(location, item.id)]
                 if box.expires_on and box.expires_on < day]
        if lines:
            self._post(DocumentKind.WRITE_OFF, lines, when=clock.next("stocktake"),
                       actor=self.managers[site], reason="expired",
                       note="Past their use-by date")

    def _write_off_damaged_box(self, clock: _Clock) -> None:
        """Write off what the weekly count finds torn, broken or wet in a Calais box."""
        candidates = [(item, box) for item in self.items
                      if item.category in TEXTILE_CATEGORIES
                      for shelf in self.shelves["CAL"]
                      for box in self.stock.boxes_at[(shelf, item.id)]]
        if not candidates:
            return
        item, box = self.rng.choice(candidates)
        reason = self.rng.choice(("damaged", "mouldy"))
        quantity = box.quantity if reason == "mouldy" else min(box.quantity,
                                                               self.rng.randint(1, 3))
        self._post(DocumentKind.WRITE_OFF,
                   [Line(item.id, quantity, box.location_id, self.write_off, box.id)],
                   when=clock.next("stocktake"), actor=self.managers["CAL"], reason=reason,
                   note="Found at the weekly count")

    def _transfer(self, clock: _Clock) -> None:
        """Send the van to Dunkirk with full boxes of what Dunkirk is shortest of."""
        def cover(item):
            return self._site_level("DUN", item) / item.site_weekly.get("DUN", 1)

        wanted = sorted((i for i in self.items if i.site_weekly.get("DUN")), key=cover)
        outbound, inbound = [], []
        for item in wanted:
            if len(outbound) >= TRANSFER_BOXES:
                break
            boxes = [box for shelf in self.shelves["CAL"]
                     for box in self.stock.boxes_at[(shelf, item.id)]]
            if len(boxes) < 2:  # leave Calais at least one box
                continue
            box = max(boxes, key=lambda b: b.quantity)
            outbound.append(Line(item.id, box.quantity, box.location_id, self.transit,
                                 box.id, box.id))
            inbound.append(Line(item.id, box.quantity, self.transit, item.home["DUN"],
                                box.id, box.id))
        if outbound:
            manager = self.managers["CAL"]
            self._post(DocumentKind.TRANSFER, outbound, when=clock.next("transfer_out"),
                       actor=manager, reason="restock", note="Van to the Dunkirk store")
            self._post(DocumentKind.TRANSFER, inbound, when=clock.next("transfer_in"),
                       actor=self.managers["DUN"], reason="restock",
                       note="Van from the Calais warehouse")

    # The summary.

    def summary(self, weeks: int) -> str:
        """Describe what was made and how to sign in."""
        def count(model) -> int:
            return db.session.scalar(select(func.count()).select_from(model))

        below = [item.label for item in self.items
                 if sum(self._site_level(s.code, item) for s in SITES) < item.minimum]
        places = sum(len(locations) for locations in self.locations.values())
        requests = ", ".join(
            f"{number} {status.value}" for status, number in db.session.execute(
                select(StockRequest.status, func.count()).group_by(StockRequest.status)
                .order_by(StockRequest.status)))
        lines = [
            f"Demo data loaded: {weeks} week{'s' if weeks > 1 else ''} of history, "
            f"{self.first_day:%d %b} to {self.last_day:%d %b %Y}.",
            f"  {len(PARTNERS)} partner organisations and the operator, {len(SITES)} sites "
            f"with {places} shelves and bays, {count(DistributionSite)} distribution sites",
            f"  {count(Item)} items in {count(Category)} categories, {count(Box)} boxes",
            f"  {count(Document)} stock documents with {count(Movement)} movement lines",
            f"  {count(Donation)} donations received, {count(Distribution)} distributions",
            f"  {count(StockRequest)} partner requests: {requests}",
            f"  {len(below)} items below their minimum level: {', '.join(below)}",
            "",
            sign_in_help(),
        ]
        db.session.commit()
        return "\n".join(lines)
