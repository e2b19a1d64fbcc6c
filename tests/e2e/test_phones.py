"""Phone numbers over HTTP (issue 10, items 8 and 9): /profile is no oracle of who is
registered, and a shared contact takes a number over from someone who only typed it."""

from __future__ import annotations

from tests.e2e.conftest import Harness
from tests.e2e.test_registration import LUCY, ZHANG, register
from tests.fake_bot_api import FakeUser

MALLORY = FakeUser(id=103, first_name="Mallory", language_code="en")
GENERIC = (
    "This number cannot be accepted as typed. Please confirm your number with the "
    "“Share my phone number” button below."
)


async def _register_typing(bot: Harness, user: FakeUser, name: str, phone: str) -> None:
    """Register as someone who types the number instead of sharing their contact."""
    await bot.say(user, "/register")
    await bot.say(user, name)
    await bot.say(user, phone)  # "Phone number: ..."
    teams = await bot.reply(user)
    await bot.toggle(user, teams, "r:t:traffic")
    consent = await bot.tap(user, teams, "r:td")
    if consent.method == "editMessageText":
        consent = await bot.reply(user)
    done = await bot.tap(user, consent, "r:c:y")
    assert "not confirmed" in done.text


async def test_item8_profile_phone_edit_is_no_oracle(bot: Harness) -> None:
    await register(bot, LUCY, "Lucy Li", "13800138000", ["traffic"])
    await _register_typing(bot, MALLORY, "Mallory Mo", "13900139000")
    profile = await bot.say(MALLORY, "/profile")
    await bot.tap(MALLORY, profile, "p:e:phone")
    # Lucy's number: the same answer as any refused typed number, nothing about an account.
    taken = await bot.say(MALLORY, "13800138000")
    assert taken.text == GENERIC
    saved = await bot.say(MALLORY, "13800138001")  # the hour's third typed number
    assert "+8613800138001 (not confirmed" in saved.text
    # The hour's typed numbers are used up: a free number gets the very same answer.
    await bot.tap(MALLORY, profile, "p:e:phone")
    assert (await bot.say(MALLORY, "13800138003")).text == GENERIC
    assert (await bot.say(MALLORY, "13800138000")).text == GENERIC
    async with bot.db.reader.execute(
        "SELECT phone FROM volunteers WHERE telegram_id = ?", (LUCY.id,)
    ) as cursor:
        assert (await cursor.fetchone())[0] == "+8613800138000"


async def test_item9_a_shared_contact_takes_over_a_typed_number(bot: Harness) -> None:
    await _register_typing(bot, MALLORY, "Mallory Mo", "13800138000")
    since = bot.api.mark()
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])  # shares the contact
    profile = await bot.say(ZHANG, "/profile")
    assert "+8613800138000 （已验证）" in profile.text
    told = await bot.api.wait_for(lambda c: c.chat_id == MALLORY.id and c.ok, since=since)
    assert "Share my phone number" in told.text and "removed from your profile" in told.text
    mine = await bot.say(MALLORY, "/profile")
    assert "Phone: none" in mine.text and "13800138000" not in mine.text
    await bot.tap(MALLORY, mine, "p:e:phone")
    bot.api.send_contact(MALLORY, "13700137000")
    assert "+8613700137000 (confirmed)" in (await bot.reply(MALLORY)).text
