"""A small world for request tests: a site with a stocked shelf, a distribution site, and
helpers to write requests quickly."""
import uuid
from dataclasses import dataclass
from datetime import timedelta

from tests import factories
from warehouse.core.clock import local_today
from warehouse.distributions.models import DistributionSite
from warehouse.requests import services
from warehouse.requests.services import RequestLine


@dataclass
class RequestWorld:
    site: object
    shelf: object
    place: object
    closed_place: object
    blanket: object
    tent: object
    retired: object


def build_request_world(manager) -> RequestWorld:
    site = factories.create_site(name="Calais Warehouse")
    shelf = factories.create_location(site=site, name="Shelf A1")
    place = factories._save(DistributionSite(name="Rue des Verrotières", town="Calais",
                                             region="Hauts-de-France"))
    closed = factories._save(DistributionSite(name="Old bridge", town="Calais",
                                              region="Hauts-de-France", active=False))
    blanket = factories.create_item(name="Blanket")
    tent = factories.create_item(name="Tent", size="2 people")
    retired = factories.create_item(name="Old raincoat", active=False)
    factories.receive(blanket, shelf, 100, actor=manager)
    factories.receive(tent, shelf, 10, actor=manager)
    return RequestWorld(site, shelf, place, closed, blanket, tent, retired)


def in_days(days: int):
    return local_today() + timedelta(days=days)


def make_request(world: RequestWorld, actor, lines, *, submit=True, organisation=None,
                 days=3, key=None):
    """A request for ``lines`` = [(item, quantity)], submitted unless told otherwise."""
    return services.create_request(
        actor=actor, organisation_id=organisation.id if organisation else None,
        site_id=world.site.id, distribution_site_id=world.place.id, needed_by=in_days(days),
        lines=[RequestLine(item.id, quantity) for item, quantity in lines], note=None,
        submit=submit, client_key=key or uuid.uuid4().hex)
