"""Paging: every item on exactly one page, pages never over size, bad numbers clamped."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.paging import page_of


@given(st.lists(st.integers(), max_size=300), st.integers(1, 50))
def test_pages_cover_every_item_once_in_order(items: list[int], size: int) -> None:
    first = page_of(items, 0, size)
    pages = [page_of(items, n, size) for n in range(first.count)]
    assert [item for page in pages for item in page.items] == items
    assert all(len(page.items) <= size for page in pages)
    assert not pages[0].has_previous and not pages[-1].has_next


@given(st.lists(st.integers(), max_size=100), st.integers(1, 20), st.integers(-(10**9), 10**9))
def test_out_of_range_page_numbers_are_clamped(items: list[int], size: int, number: int) -> None:
    page = page_of(items, number, size)
    assert 0 <= page.number < page.count
