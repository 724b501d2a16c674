"""Sharing short stock between partners: proportional to what each asked for, a minimum
each when that is possible, largest remainders for the units left by rounding.

No database and no app.
"""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warehouse.requests.fair_split import fair_split


@pytest.fixture(autouse=True)
def _app_context():
    yield


@pytest.fixture(autouse=True)
def _reset_limiter():
    pass


def test_everyone_gets_what_they_asked_for_when_there_is_enough():
    assert fair_split(100, {"a": 30, "b": 50}, 1) == {"a": 30, "b": 50}


def test_short_stock_is_shared_in_proportion_to_what_was_asked():
    assert fair_split(60, {"a": 40, "b": 80}, 1) == {"a": 20, "b": 40}


def test_units_left_by_rounding_go_to_the_largest_remainders():
    # 10 × 1/3 each: 3.33 → 3, 3, 3 and one left, to the first (ties: earlier key).
    assert fair_split(10, {"a": 5, "b": 5, "c": 5}, 0) == {"a": 4, "b": 3, "c": 3}
    # 7 of 3 and 8: 1.91 and 5.09 → 1 and 5, the one left goes to the .91.
    assert fair_split(7, {"a": 3, "b": 8}, 0) == {"a": 2, "b": 5}


def test_a_small_request_still_gets_the_minimum():
    # Proportionally the small partner would get 0.99 → 0; the minimum gives it 1.
    assert fair_split(100, {"big": 100, "small": 1}, 1) == {"big": 99, "small": 1}


def test_a_larger_minimum_is_never_more_than_was_asked_for():
    assert fair_split(20, {"big": 100, "small": 2}, 5) == {"big": 18, "small": 2}


def test_the_minimum_is_dropped_when_there_is_not_enough_for_everyone_to_have_it():
    result = fair_split(2, {"a": 10, "b": 10, "c": 10}, 1)
    assert sum(result.values()) == 2
    assert all(0 <= share <= 1 for share in result.values())


def test_nothing_available_gives_nothing():
    assert fair_split(0, {"a": 5, "b": 3}, 1) == {"a": 0, "b": 0}


def test_no_requests_give_an_empty_split():
    assert fair_split(10, {}, 1) == {}


def test_negative_availability_and_requests_count_as_zero():
    assert fair_split(-5, {"a": 3, "b": -2}, 1) == {"a": 0, "b": 0}


def test_keys_of_any_kind_are_kept():
    assert fair_split(3, {(1, 7): 4, (2, 7): 2}, 1) == {(1, 7): 2, (2, 7): 1}


requests_strategy = st.dictionaries(st.integers(0, 50), st.integers(0, 500), max_size=12)


@settings(max_examples=400, deadline=None)
@given(available=st.integers(0, 3000), requests=requests_strategy,
       minimum=st.integers(0, 20))
def test_a_split_never_hands_out_more_than_is_available_nor_than_was_asked(
        available, requests, minimum):
    result = fair_split(available, requests, minimum)
    assert set(result) == set(requests)
    assert sum(result.values()) <= available
    assert all(0 <= result[key] <= requests[key] for key in requests)


@settings(max_examples=400, deadline=None)
@given(available=st.integers(0, 3000), requests=requests_strategy,
       minimum=st.integers(0, 20))
def test_when_stock_is_short_all_of_it_is_handed_out(available, requests, minimum):
    if sum(requests.values()) <= available:
        assert fair_split(available, requests, minimum) == requests
    else:
        assert sum(fair_split(available, requests, minimum).values()) == available


@settings(max_examples=400, deadline=None)
@given(available=st.integers(0, 3000), requests=requests_strategy,
       minimum=st.integers(0, 20))
def test_the_minimum_is_honoured_whenever_everyone_can_have_it(available, requests, minimum):
    floors = {key: min(minimum, asked) for key, asked in requests.items()}
    result = fair_split(available, requests, minimum)
    if sum(floors.values()) <= available:
        assert all(result[key] >= floors[key] for key in requests)


@settings(max_examples=400, deadline=None)
@given(available=st.integers(0, 3000), requests=requests_strategy)
def test_without_a_minimum_each_share_is_within_one_of_its_proportional_share(
        available, requests):
    total = sum(requests.values())
    result = fair_split(available, requests, 0)
    if total > available:
        for key, asked in requests.items():
            exact = available * asked / total
            assert exact - 1 < result[key] < exact + 1


@settings(max_examples=400, deadline=None)
@given(available=st.integers(0, 3000), requests=requests_strategy,
       minimum=st.integers(0, 20))
def test_who_asked_for_more_never_gets_less(available, requests, minimum):
    result = fair_split(available, requests, minimum)
    for a in requests:
        for b in requests:
            if requests[a] > requests[b]:
                assert result[a] >= result[b]
