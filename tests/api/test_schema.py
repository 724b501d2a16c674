"""Schemathesis walks every operation of the OpenAPI description with generated input.

Signed in as a manager with an API token, on a small world (a site, a shelf, an item with a
barcode, a box with stock, a blank box, an approved request), each operation must never
answer a server error and every answer must match what the description promises for its
status (problem documents included). A few examples per operation keep it under a minute.
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests import factories
from tests.requests_factories import create_approved_request
from warehouse.accounts.api_tokens import create_token
from warehouse import create_app
from warehouse.catalogue.models import ItemBarcode

EXAMPLES_PER_OPERATION = 8


@pytest.fixture
def manager_token():
    manager = factories.create_user(role="manager")
    site = factories.create_site()
    shelf = factories.create_location(site=site)
    item = factories.create_item()
    factories.receive(item, shelf, 50, actor=manager, box=factories.create_box())
    factories.create_box()
    factories._save(ItemBarcode(item_id=item.id, code="3760012345014", pack_quantity=4))
    create_approved_request(organisation=factories.create_organisation(), site=site,
                            actor=manager, lines=[(item, 5)])
    return create_token(manager, "Schemathesis")[1]


# The description is read when the tests are collected (it needs no database), so each
# operation is a test of its own; the requests go to the test app on the test database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", create_app({
    "SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True, "SECRET_KEY": "collection"}))


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_described_and_never_fails_on_our_side(case, app,
                                                                        manager_token):
    case.call_and_validate(app=app, headers={"Authorization": f"Bearer {manager_token}"},
                           checks=[not_a_server_error, response_schema_conformance])
