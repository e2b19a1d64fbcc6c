"""The fake Bot API server works with the real python-telegram-bot."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
import warnings
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from tests.fake_bot_api import DEFAULT_TOKEN, FakeBotApi, FakeUser

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

ALICE = FakeUser(id=111, first_name="Alice", username="alice")
BOB = FakeUser(id=222, first_name="Bob")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(DEFAULT_TOKEN, base_url=api.base_url, base_file_url=api.base_file_url) as b:
        yield b


def _keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(f"btn {d}", callback_data=d)] for d in data])


async def test_get_me_and_send_message_with_keyboard(api: FakeBotApi, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (1000, "volunteer_test_bot", True)

    first = await bot.send_message(ALICE.id, "42", reply_markup=_keyboard("a", "b"))
    second = await bot.send_message(ALICE.id, "again")
    assert first.text == "42"  # a numeric-looking text stays a string
    assert first.from_user is not None and first.from_user.id == 1000
    assert first.chat.id == ALICE.id and first.chat.type == "private"
    assert first.reply_markup == _keyboard("a", "b")
    assert second.message_id == first.message_id + 1

    call = api.calls_to("sendMessage")[0]
    assert call.params["chat_id"] == ALICE.id
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "a"
    assert [b["text"] for b in call.buttons] == ["btn a", "btn b"]
    assert [c.text for c in api.sent_messages(ALICE.id)] == ["42", "again"]
    assert api.sent_messages(BOB.id) == []


async def test_wrong_token_is_unauthorized(api: FakeBotApi) -> None:
    with pytest.raises(InvalidToken):
        async with Bot("999:WRONG", base_url=api.base_url):
            pass
    assert api.calls[-1].status == 401


async def test_edit_message_text(api: FakeBotApi, bot: Bot) -> None:
    sent = await bot.send_message(ALICE.id, "before", reply_markup=_keyboard("x"))
    edited = await bot.edit_message_text(
        "<b>after</b>",
        chat_id=ALICE.id,
        message_id=sent.message_id,
        parse_mode=ParseMode.HTML,
        reply_markup=_keyboard("y"),
    )
    assert not isinstance(edited, bool)
    assert edited.text == "after"
    assert edited.text_html == "<b>after</b>"
    stored = api.message(ALICE.id, sent.message_id)
    assert stored is not None and stored["reply_markup"]["inline_keyboard"][0][0]["text"] == "btn y"

    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "<b>after</b>",
            chat_id=ALICE.id,
            message_id=sent.message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=_keyboard("y"),
        )
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=ALICE.id, message_id=999)
    errors = [c.error or "" for c in api.violations]
    assert errors[0].startswith("Bad Request: message is not modified")
    assert errors[1:] == ["Bad Request: message to edit not found"]


async def test_text_limits_and_parse_errors(api: FakeBotApi, bot: Bot) -> None:
    await bot.send_message(ALICE.id, "好" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(ALICE.id, "好" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(ALICE.id, "   ")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(ALICE.id, "1 < 2 <b>x</b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)character '\.' is reserved"):
        await bot.send_message(ALICE.id, "Done.", parse_mode=ParseMode.MARKDOWN_V2)
    # The tags do not count towards the limit.
    await bot.send_message(ALICE.id, "<i>" + "a" * 4096 + "</i>", parse_mode=ParseMode.HTML)
    assert len(api.violations) == 4
    assert len(api.sent_messages(ALICE.id)) == 2


async def test_callback_data_limit(api: FakeBotApi, bot: Bot) -> None:
    await bot.send_message(ALICE.id, "ok", reply_markup=_keyboard("好" * 21 + "a"))  # 64 bytes
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(ALICE.id, "too long", reply_markup=_keyboard("a" * 65))
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(ALICE.id, "too long", reply_markup=_keyboard("好" * 22))  # 66
    assert [c.error for c in api.violations] == ["Bad Request: BUTTON_DATA_INVALID"] * 2


async def test_send_document_multipart(api: FakeBotApi, bot: Bot) -> None:
    payload = "姓名,电话\n张三,13800138000\n".encode()
    message = await bot.send_document(
        ALICE.id, document=payload, filename="export.csv", caption="导出"
    )
    assert message.document is not None
    assert message.document.file_name == "export.csv"
    assert message.document.file_size == len(payload)
    assert message.caption == "导出"

    call = api.calls_to("sendDocument")[0]
    upload = call.files["document"]
    assert (upload.filename, upload.data) == ("export.csv", payload)
    assert upload.content_type == "text/csv"
    assert call.params["chat_id"] == ALICE.id and call.params["caption"] == "导出"

    file = await bot.get_file(message.document.file_id)
    assert bytes(await file.download_as_bytearray()) == payload

    photo = await bot.send_photo(ALICE.id, photo=b"\x89PNG fake", caption="pic")
    assert photo.photo and photo.photo[-1].width == 800
    assert [c.method for c in api.sent_messages(ALICE.id)] == ["sendDocument", "sendPhoto"]


async def test_a_photo_from_a_user_can_be_fetched_by_the_bot(api: FakeBotApi, bot: Bot) -> None:
    data = b"\xff\xd8 a photo of the delivered gift"
    api.send_photo(ALICE, data, caption="送到了")
    [update] = await bot.get_updates(timeout=0)
    message = update.message
    assert message is not None and message.caption == "送到了"
    assert [size.width for size in message.photo] == [90, 320, 800]
    file = await bot.get_file(message.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == data
    again = await bot.send_photo(BOB.id, photo=message.photo[-1].file_id)
    assert again.photo, "a file_id the user sent can be sent on"


async def test_get_updates_offset_semantics(api: FakeBotApi, bot: Bot) -> None:
    sent = [api.send_text(ALICE, f"msg {i}") for i in range(3)]
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [u["update_id"] for u in sent]
    assert [u.message.text for u in updates if u.message] == ["msg 0", "msg 1", "msg 2"]

    # Not confirmed yet: delivered again; limit is respected.
    again = await bot.get_updates(timeout=0, limit=2)
    assert [u.update_id for u in again] == [u.update_id for u in updates[:2]]

    # Confirm the first one only, then everything.
    rest = await bot.get_updates(offset=updates[0].update_id + 1, timeout=0)
    assert [u.update_id for u in rest] == [u.update_id for u in updates[1:]]
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
    assert api.pending_updates == 0


async def test_an_edited_text_arrives_as_an_edited_message(api: FakeBotApi, bot: Bot) -> None:
    sent = api.send_text(ALICE, "hello")
    api.edit_text(ALICE, sent, "/help")
    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates if u.message] == ["hello"]
    [edited] = [u.edited_message for u in updates if u.edited_message]
    assert edited.message_id == sent["message"]["message_id"] and edited.edit_date is not None
    assert edited.text == "/help" and edited.entities[0].type == "bot_command"
    with pytest.raises(AssertionError):
        api.edit_text(BOB, sent, "not Bob's message")


async def test_get_updates_long_poll_returns_early(api: FakeBotApi, bot: Bot) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await api.wait_until(lambda: api.active_polls == 1, description="the long poll")
    command = api.send_text(ALICE, "/start@volunteer_test_bot now")
    updates = await asyncio.wait_for(poll, 3)
    assert time.monotonic() - started < 2
    assert [u.update_id for u in updates] == [command["update_id"]]
    message = updates[0].message
    assert message is not None and message.entities
    assert message.parse_entities(["bot_command"]) == {
        message.entities[0]: "/start@volunteer_test_bot"
    }


async def test_long_poll_times_out_empty(api: FakeBotApi, bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=dtm.timedelta(seconds=0.3)) == ()
    assert time.monotonic() - started >= 0.25


async def test_replay_redelivers_same_update(api: FakeBotApi, bot: Bot) -> None:
    original = api.send_text(ALICE, "hello")
    first = await bot.get_updates(timeout=0)
    api.send_text(ALICE, "later")
    assert len(await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)) == 1
    api.replay(original)
    replayed = await bot.get_updates(offset=first[-1].update_id + 2, timeout=0)
    assert [u.update_id for u in replayed] == [original["update_id"]]
    assert replayed[0].message is not None and replayed[0].message.text == "hello"
    assert await bot.get_updates(offset=original["update_id"] + 1, timeout=0) == ()


async def test_injected_retry_after(api: FakeBotApi, bot: Bot) -> None:
    api.inject("sendMessage", "retry_after", retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(ALICE.id, "x")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        retry_after = caught.value.retry_after
    seconds = retry_after.total_seconds() if isinstance(retry_after, dtm.timedelta) else retry_after
    assert seconds == 7
    assert api.calls[-1].fault == "retry_after" and api.calls[-1].status == 429
    await bot.send_message(ALICE.id, "x")  # the fault was consumed
    assert api.violations == []


async def test_injected_forbidden_and_blocked_user(api: FakeBotApi, bot: Bot) -> None:
    api.inject(None, "forbidden", chat_id=BOB.id)
    await bot.send_message(ALICE.id, "not affected")
    with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
        await bot.send_message(BOB.id, "x")

    api.block_bot(ALICE)
    with pytest.raises(Forbidden):
        await bot.send_message(ALICE.id, "x")
    assert api.calls[-1].fault is None and api.calls[-1].status == 403


async def test_injected_network_fault(api: FakeBotApi, bot: Bot) -> None:
    api.inject("sendMessage", "network", times=2)
    for _ in range(2):
        with pytest.raises(NetworkError):  # TimedOut is a NetworkError too
            await bot.send_message(ALICE.id, "x")
    message = await bot.send_message(ALICE.id, "x")
    assert message.message_id == 1  # the faulted calls created no message
    assert [c.fault for c in api.calls_to("sendMessage")] == ["network", "network", None]


async def test_fault_rate_is_deterministic(api: FakeBotApi, bot: Bot) -> None:
    api.fault_rate("sendChatAction", "retry_after", 0.5, seed=1)
    outcomes = []
    for _ in range(20):
        try:
            await bot.send_chat_action(ALICE.id, "typing")
            outcomes.append(True)
        except RetryAfter:
            outcomes.append(False)
    assert 0 < outcomes.count(False) < 20


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("hi", reply_markup=_keyboard("join"))


async def _pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(f"pressed {query.data}")


async def test_real_application_polling(api: FakeBotApi) -> None:
    app: Application = (  # type: ignore[type-arg]
        ApplicationBuilder().token(DEFAULT_TOKEN).base_url(api.base_url).build()
    )
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(CallbackQueryHandler(_pressed))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        api.send_text(ALICE, "/start")
        reply = await api.next_message(ALICE.id)
        assert reply.method == "sendMessage" and reply.text == "hi"

        api.press_button(ALICE, reply, "btn join")
        edit = await api.next_message(ALICE.id)
        assert edit.method == "editMessageText" and edit.text == "pressed join"
        assert len(api.callback_answers) == 1

        forged = api.press(ALICE, reply, "forged-data")
        assert forged["callback_query"]["message"]["text"] == "pressed join"
        await api.wait_idle(quiet=0.1)
        # The edit to identical text+markup ("pressed forged-data" differs) succeeded too.
        assert api.sent_texts(ALICE.id) == ["hi"]
        assert api.violations == []
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_a_held_call_waits_unanswered_and_unapplied_until_released(
    api: FakeBotApi, bot: Bot
) -> None:
    held = api.hold("sendMessage", ALICE.id, "wait")
    other = await bot.send_message(ALICE.id, "not this one")
    sending = asyncio.create_task(bot.send_message(ALICE.id, "wait for me"))
    await asyncio.wait_for(held.reached.wait(), timeout=5)
    assert api.sent_texts(ALICE.id) == ["not this one"], "neither answered nor applied"
    assert not sending.done()
    held.release()
    sent = await sending
    assert sent.message_id == other.message_id + 1
    await bot.send_message(ALICE.id, "wait again")  # a hold catches one call only
    assert api.sent_texts(ALICE.id) == ["not this one", "wait for me", "wait again"]


async def test_flood_limits_refuse_the_message_over_a_ceiling_paid_ones_apart(
    api: FakeBotApi, bot: Bot
) -> None:
    api.enforce_flood_limits(per_second=2, paid_per_second=3)
    await bot.send_message(ALICE.id, "one")
    await bot.send_message(BOB.id, "two")
    with pytest.raises(RetryAfter):
        await bot.send_message(ALICE.id, "three")
    for n in range(3):
        await bot.send_message(BOB.id, f"paid {n}", allow_paid_broadcast=True)
    with pytest.raises(RetryAfter):
        await bot.send_message(ALICE.id, "paid 3", allow_paid_broadcast=True)
    assert [call.text for call in api.flood_refused] == ["three", "paid 3"]
    assert api.calls_to("sendMessage")[-2].params["allow_paid_broadcast"] is True
