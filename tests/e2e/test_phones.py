"""Phone numbers over HTTP (issue 10, items 8 and 9): /profile is no oracle of who is
registered, and a shared contact takes a number over from someone who only typed it."""

from __future__ import annotations

from tests.e2e.helpers import LUCY, ZHANG, Harness, en, register, walk_to_consent, zh
from tests.fake_bot_api import FakeUser

MALLORY = FakeUser(id=103, first_name="Mallory", language_code="en")
GENERIC = en("error.phone_must_be_shared")


async def _register_typing(bot: Harness, user: FakeUser, name: str, phone: str) -> None:
    """Register as someone who types the number instead of sharing their contact."""
    consent = await walk_to_consent(bot, user, name, phone, ["traffic"], typed=True)
    done = await bot.tap(user, consent, "r:c:y")
    assert f"+86{phone} {en('phone.unverified')}" in done.text


async def test_item8_profile_phone_edit_is_no_oracle(bot: Harness) -> None:
    await register(bot, LUCY, "Lucy Li", "13800138000", ["traffic"])
    await _register_typing(bot, MALLORY, "Mallory Mo", "13900139000")
    profile = await bot.say(MALLORY, "/profile")
    await bot.tap(MALLORY, profile, "p:e:phone")
    # Lucy's number: the same answer as any refused typed number, nothing about an account.
    taken = await bot.say(MALLORY, "13800138000")
    assert taken.text == GENERIC
    saved = await bot.say(MALLORY, "13800138001")  # the hour's third typed number
    assert f"+8613800138001 {en('phone.unverified')}" in saved.text
    # The hour's typed numbers are used up: a free number gets the very same answer.
    await bot.tap(MALLORY, profile, "p:e:phone")
    assert (await bot.say(MALLORY, "13800138003")).text == GENERIC
    assert (await bot.say(MALLORY, "13800138000")).text == GENERIC
    lucy = await bot.services.registration.volunteer(LUCY.id)
    assert lucy is not None and lucy.phone == "+8613800138000"


async def test_item9_a_shared_contact_takes_over_a_typed_number(bot: Harness) -> None:
    await _register_typing(bot, MALLORY, "Mallory Mo", "13800138000")
    since = bot.api.mark()
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])  # shares the contact
    profile = await bot.say(ZHANG, "/profile")
    assert f"+8613800138000 {zh('phone.verified')}" in profile.text
    told = await bot.api.wait_for(lambda c: c.chat_id == MALLORY.id and c.ok, since=since)
    assert told.text == en("phone.released")
    mine = await bot.say(MALLORY, "/profile")
    assert en("phone.none") in mine.text and "13800138000" not in mine.text
    await bot.tap(MALLORY, mine, "p:e:phone")
    bot.api.send_contact(MALLORY, "13700137000")
    assert f"+8613700137000 {en('phone.verified')}" in (await bot.reply(MALLORY)).text
