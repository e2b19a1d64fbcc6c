"""Pure rules: language choice, flood guard, replay memory, command lists, text splitting."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.commands import commands_for
from bot.domain.flood import FloodGuard, Verdict
from bot.domain.language import resolve_language
from bot.domain.models import Role
from bot.domain.replay import RecentIds
from handlers.common import MAX_TEXT, split_text


def test_language_follows_choice_then_telegram_then_default() -> None:
    assert resolve_language("en", "zh-hans", "zh") == "en"
    assert resolve_language(None, "zh-hans", "en") == "zh"
    assert resolve_language(None, "ZH", "en") == "zh"
    assert resolve_language(None, "de", "zh") == "en"
    assert resolve_language(None, None, "zh") == "zh"
    assert resolve_language(None, "", "en") == "en"


def test_flood_guard_blocks_after_the_limit_notifies_once_and_forgives_later() -> None:
    guard = FloodGuard(max_updates=20, window=10, mute=60)
    verdicts = [guard.check(1, 0.1 * i) for i in range(25)]
    assert verdicts[:20] == [Verdict.ALLOW] * 20
    assert verdicts[20] is Verdict.BLOCK_AND_NOTIFY
    assert verdicts[21:] == [Verdict.BLOCK] * 4
    assert guard.check(2, 2.5) is Verdict.ALLOW, "other people are unaffected"
    assert guard.check(1, 70.0) is Verdict.ALLOW


def test_flood_guard_allows_a_steady_pace_forever() -> None:
    guard = FloodGuard(max_updates=20, window=10, mute=60)
    assert all(guard.check(1, i * 0.6) is Verdict.ALLOW for i in range(1000))


def test_flood_guard_forgets_idle_people() -> None:
    guard = FloodGuard(max_updates=2, window=10, mute=60)
    guard.check(1, 0)
    guard.forget_idle(100)
    # Memory only (a forgotten person is treated as one still tracked): the table is the effect.
    assert guard._tracks == {}


def test_recent_ids_detects_replays_within_capacity() -> None:
    recent = RecentIds(3)
    assert [recent.add(i) for i in (1, 2, 1, 3, 4)] == [True, True, False, True, True]
    assert recent.add(1), "1 fell out of the window of 3"


def test_commands_grow_with_the_role() -> None:
    guest, volunteer, admin = (commands_for(r) for r in (Role.GUEST, Role.VOLUNTEER, Role.ADMIN))
    assert "register" in guest and "profile" not in guest and "promote" not in guest
    assert "profile" in volunteer and "forget_me" in volunteer and "promote" not in volunteer
    assert {"promote", "demote", "teams"} <= set(admin)
    assert set(guest) <= set(volunteer) <= set(admin)


@given(st.text(alphabet=st.sampled_from("ab\n界😀"), max_size=12_000))
def test_split_text_never_exceeds_the_limit_and_loses_nothing(text: str) -> None:
    pieces = split_text(text, limit=MAX_TEXT)
    assert all(len(piece) <= MAX_TEXT for piece in pieces)
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")


def test_split_text_cuts_at_line_breaks_when_it_can() -> None:
    lines = [f"line {i:04d}" for i in range(1000)]
    pieces = split_text("\n".join(lines), limit=100)
    assert all(len(piece) <= 100 for piece in pieces)
    assert [line for piece in pieces for line in piece.split("\n")] == lines
