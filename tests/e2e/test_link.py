"""/link over HTTP: a Telegram person gets a code for WeChat, and a Telegram account joins a
registration made on WeChat, which it then stands for."""

from __future__ import annotations

from bot.domain.channels import is_wechat_user
from tests.e2e.helpers import LUCY, ZHANG, Harness, en, enrol, mentions, read, says, zh
from tests.fake_bot_api import FakeUser


async def _last_channel(bot: Harness, user_id: int) -> str:
    async with bot.db.reader.execute(
        "SELECT last_channel FROM accounts WHERE telegram_id = ?", (user_id,)
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return str(row[0])


async def test_a_registered_person_gets_a_code_that_links_their_wechat(bot: Harness) -> None:
    await enrol(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    shown = await bot.say(LUCY, "/link")
    code = read(shown.text, "link.code")["code"]
    assert shown.text == en("link.code", code=code, minutes=10)
    wechat = await bot.services.identities.wechat_user("o-lucy", "en")
    assert is_wechat_user(wechat)
    assert await bot.services.identities.link(wechat, code) == LUCY.id
    assert await bot.services.identities.wechat_user("o-lucy", "en") == LUCY.id
    assert await _last_channel(bot, LUCY.id) == "wechat"
    # Writing on Telegram again makes Telegram the channel notices go to.
    await bot.say(LUCY, "/link")
    assert await _last_channel(bot, LUCY.id) == "telegram"


async def test_a_telegram_account_joins_a_registration_made_on_wechat(bot: Harness) -> None:
    wechat = await bot.services.identities.wechat_user("o-zhang", "zh_CN")
    await bot.services.registration.register(
        wechat, "王五", "13700137000", ["traffic"], consent=True
    )
    code = await bot.services.identities.link_code(wechat)
    how = await bot.say(ZHANG, "/link")
    assert how.text == zh("link.how_from_wechat")
    assert (await bot.say(ZHANG, f"/link {code}")).text == zh("link.done")
    profile = await bot.say(ZHANG, "/profile")
    assert mentions(profile.text, "profile.summary", name="王五")
    assert await bot.services.identities.telegram_user(ZHANG.id) == wechat
    assert await _last_channel(bot, wechat) == "telegram"
    # The Telegram id has no registration of its own.
    assert await bot.services.registration.volunteer(ZHANG.id) is None


async def test_a_wrong_code_links_nothing_and_says_how_to_get_one(bot: Harness) -> None:
    wechat = await bot.services.identities.wechat_user("o-zhang", None)
    await bot.services.registration.register(
        wechat, "王五", "13700137000", ["traffic"], consent=True
    )
    code = await bot.services.identities.link_code(wechat)
    wrong = "000000" if code != "000000" else "000001"
    for typed in (wrong, "'; DROP TABLE identities; --", "🙂" * 100):
        answer = await bot.say(ZHANG, f"/link {typed}")
        assert says(answer.text, "error.link_code_wrong")
    assert await bot.services.identities.telegram_user(ZHANG.id) == ZHANG.id
    assert await bot.count("identities") == 1


async def test_link_is_answered_only_in_a_private_chat(bot: Harness) -> None:
    await enrol(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    group = {"id": -1001, "type": "group", "title": "Team"}
    answer = await bot.say(LUCY, "/link", chat=group)
    assert not mentions(answer.text, "link.code")
    assert await bot.count("link_codes") == 0


async def test_someone_unregistered_is_told_how_to_link_a_wechat_registration(
    bot: Harness,
) -> None:
    stranger = FakeUser(id=5, first_name="X", language_code="en")
    assert (await bot.say(stranger, "/link")).text == en("link.how_from_wechat")
