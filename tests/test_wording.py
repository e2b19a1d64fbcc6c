"""The wording helpers tests build their expectations with (tests/wording.py)."""

from __future__ import annotations

import pytest

from tests.wording import en, mentions, read, says, zh


def test_a_text_is_recognised_in_either_language_with_the_params_given() -> None:
    text = zh("broadcast.finished", audience="交通队", sent=3, blocked=0, failed=0, total=3)
    assert says(text, "broadcast.finished", sent=3)
    assert says(
        en("broadcast.finished", audience="a", sent=3, blocked=0, failed=0, total=3),
        "broadcast.finished",
        sent=3,
    )
    assert not says(text, "broadcast.finished", sent=4), "a param given must be the value shown"
    assert not says(text, "broadcast.stopped")


def test_mentions_finds_a_text_among_other_lines() -> None:
    text = "header\n" + en("button.expired") + "\nfooter"
    assert mentions(text, "button.expired") and not says(text, "button.expired")


def test_a_wrong_key_or_param_fails_loudly() -> None:
    with pytest.raises(KeyError):
        says("anything", "no.such.key")
    with pytest.raises(KeyError):
        says("anything", "button.expired", count=1)


def test_read_gives_back_the_params_shown() -> None:
    text = zh("certificate.caption", hours="1.5", code="ABCDEFGHJK")
    assert read(text, "certificate.caption") == {"hours": "1.5", "code": "ABCDEFGHJK"}
    with pytest.raises(AssertionError):
        read("something else", "certificate.caption")
