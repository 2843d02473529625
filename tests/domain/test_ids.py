"""Wire ids sort as strings in creation order, and any string bound filters like a string compare."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from crowdlab.domain.ids import WIDTH, format_id, integer_bound, parse_id

numbers = st.integers(min_value=0, max_value=10**WIDTH - 1)
bounds = st.one_of(
    numbers.map(format_id),
    st.text(alphabet="0123456789:/a-", max_size=14),
    st.text(max_size=14),
)


@given(numbers, numbers)
def test_string_order_is_number_order(a: int, b: int) -> None:
    assert (format_id(a) < format_id(b)) == (a < b)


@given(numbers)
def test_parse_round_trip(n: int) -> None:
    assert parse_id(format_id(n)) == n


@given(st.text(max_size=13))
def test_parse_refuses_foreign_text(text: str) -> None:
    number = parse_id(text)
    assert number is None or format_id(number) == text


@given(numbers, bounds)
def test_integer_bound_agrees_with_string_comparison(n: int, bound: str) -> None:
    wire = format_id(n)
    expected = {"lt": wire < bound, "lte": wire <= bound, "gt": wire > bound, "gte": wire >= bound}
    for op, want in expected.items():
        int_op, k = integer_bound(op, bound)
        got = n <= k if int_op == "le" else n > k
        assert got == want, (op, wire, bound)
