"""What the ledger accepts as a quantity: a whole, positive, plausible number of the unit.

Quantities arrive as typed text from tablets with a French keyboard, as numbers from the
API and as Decimals from forms. The rules, as decided here:

- "12", 12, Decimal("12"), 12.0 and " 12 " are twelve;
- "12,0" and "12.0" are twelve too: a decimal comma is how a French volunteer writes a
  decimal, and a spreadsheet export writes 12.0;
- "1,000" and "1.000" are refused: a thousand to a British volunteer, one to a French one,
  and guessing wrong leaves people without sleeping bags. Write 1000;
- fractions, zero, negatives, NaN, infinity, booleans, text and more than
  MAX_LINE_QUANTITY are refused with the error named after the rule.

No database: the item is built but never saved.
"""
import math
import time
from decimal import Decimal

import pytest

from warehouse.catalogue.models import Item, Unit
from warehouse.stock import errors
from warehouse.stock.services import MAX_LINE_QUANTITY, whole_quantity


# These tests need neither app nor database: the autouse fixtures of conftest that would
# make them are overridden here by ones that do nothing.

@pytest.fixture(autouse=True)
def _app_context():
    yield


@pytest.fixture(autouse=True)
def _reset_limiter():
    pass


@pytest.fixture
def sleeping_bag():
    return Item(name="Sleeping bag", unit=Unit.PIECE)


@pytest.mark.parametrize("typed", [
    "12", 12, Decimal("12"), Decimal("12.0"), 12.0, " 12 ", "12\n", "12,0", "12.0", "12,00",
    "+12", "1.2e1", "12e0",
])
def test_twelve_written_any_usual_way_is_twelve(sleeping_bag, typed):
    assert whole_quantity(typed, sleeping_bag) == 12
    assert type(whole_quantity(typed, sleeping_bag)) is int


@pytest.mark.parametrize("typed", [1, "1", MAX_LINE_QUANTITY, str(MAX_LINE_QUANTITY)])
def test_one_and_the_line_maximum_are_both_accepted(sleeping_bag, typed):
    assert whole_quantity(typed, sleeping_bag) == int(typed)


@pytest.mark.parametrize("typed", [
    "2.5", "2,5", Decimal("2.5"), 2.5, "0.5", 0.1, "12.000001", "1e-3", 1e-300,
])
def test_a_fraction_of_a_unit_is_refused(sleeping_bag, typed):
    with pytest.raises(errors.QuantityMustBeWhole):
        whole_quantity(typed, sleeping_bag)


@pytest.mark.parametrize("typed", ["1,000", "1.000", "12,500", "100,000", "1,000,000",
                                   "1.000.000"])
def test_a_number_with_a_thousands_separator_is_refused_rather_than_guessed(
        sleeping_bag, typed):
    with pytest.raises(errors.QuantityMustBeWhole):
        whole_quantity(typed, sleeping_bag)


@pytest.mark.parametrize("typed", [0, "0", "0,0", Decimal("0"), 0.0, "-0", -1, "-3", -3.0,
                                   Decimal("-12"), "-1e10000000"])
def test_zero_and_negative_quantities_are_refused(sleeping_bag, typed):
    with pytest.raises(errors.QuantityMustBePositive):
        whole_quantity(typed, sleeping_bag)


@pytest.mark.parametrize("typed", ["nan", "NaN", "sNaN", "inf", "-inf", "Infinity",
                                   math.nan, math.inf, -math.inf, Decimal("NaN")])
def test_not_a_number_and_infinity_are_refused(sleeping_bag, typed):
    with pytest.raises(errors.QuantityMustBeWhole):
        whole_quantity(typed, sleeping_bag)


@pytest.mark.parametrize("typed", [True, False])
def test_a_yes_or_no_is_not_a_quantity(sleeping_bag, typed):
    with pytest.raises(errors.QuantityMustBeWhole):
        whole_quantity(typed, sleeping_bag)


@pytest.mark.parametrize("typed", ["", "   ", "douze", "12 bags", "0x10", "1 000", None,
                                   [12]])
def test_text_that_is_not_a_number_is_refused(sleeping_bag, typed):
    with pytest.raises(errors.QuantityMustBeWhole):
        whole_quantity(typed, sleeping_bag)


@pytest.mark.parametrize("typed", [MAX_LINE_QUANTITY + 1, str(MAX_LINE_QUANTITY + 1),
                                   "1e6", 1e20, Decimal("1e30"), 10 ** 30])
def test_more_than_one_line_can_hold_is_refused(sleeping_bag, typed):
    with pytest.raises(errors.QuantityTooLarge):
        whole_quantity(typed, sleeping_bag)


def test_an_absurd_exponent_is_refused_at_once_instead_of_hanging_the_server(sleeping_bag):
    started = time.perf_counter()
    with pytest.raises(errors.QuantityTooLarge):
        whole_quantity("1e999999999", sleeping_bag)
    assert time.perf_counter() - started < 0.5


def test_the_error_names_the_item_its_unit_and_what_was_typed():
    boots = Item(name="Boots", size="43", unit=Unit.PAIR)
    with pytest.raises(errors.QuantityMustBeWhole) as caught:
        whole_quantity("2,5", boots)
    assert str(caught.value) == ("Boots (43) is counted in whole numbers (unit: pair); 2,5 is "
                                 "not a whole number.")
    with pytest.raises(errors.QuantityMustBePositive) as caught:
        whole_quantity(-2, boots)
    assert "Boots (43)" in str(caught.value) and "-2" in str(caught.value)
    with pytest.raises(errors.QuantityTooLarge) as caught:
        whole_quantity(200_000, boots)
    assert "Boots (43)" in str(caught.value) and str(MAX_LINE_QUANTITY) in str(caught.value)
