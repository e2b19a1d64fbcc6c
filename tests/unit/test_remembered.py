"""A list page rendered once is kept while what it is rendered from stays equal (the wish wall
and the activities list both keep theirs through Turn.remembered)."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup

from handlers.common import RENDERED_KEPT, Turn


def _turn() -> Turn:
    none: Any = None
    return Turn(1, 1, True, none, none, None, None)


def test_a_page_is_rendered_again_only_when_what_it_is_made_from_changes() -> None:
    turn, calls = _turn(), []

    def render(text: str) -> tuple[str, InlineKeyboardMarkup]:
        calls.append(text)
        return text, InlineKeyboardMarkup([])

    assert turn.remembered(("wishes", 0), ("a",), lambda: render("a"))[0] == "a"
    assert turn.remembered(("wishes", 0), ("a",), lambda: render("again"))[0] == "a"
    assert turn.remembered(("wishes", 0), ("b",), lambda: render("b"))[0] == "b"
    assert turn.remembered(("activities", 0), ("a",), lambda: render("c"))[0] == "c"
    assert calls == ["a", "b", "c"]


def test_at_most_so_many_pages_are_kept() -> None:
    turn = _turn()
    for n in range(RENDERED_KEPT * 2 + 1):
        turn.remembered(n, n, lambda: ("", InlineKeyboardMarkup([])))
        assert len(turn.rendered) <= RENDERED_KEPT
