"""/start, /help, /language, /forget_me and /cancel."""

from __future__ import annotations

from telegram import ReplyKeyboardRemove, Update

from bot.buttons import ForgetConfirm, LanguageChoice, RegisterStart
from bot.domain.commands import commands_for
from bot.domain.dialogues import ForgetData
from bot.domain.errors import NotRegistered
from bot.domain.models import LANGUAGES, Actor, Language, Role
from handlers.activities import show_card
from handlers.certificates import show_verification
from handlers.checkin import check_in_deep_link
from handlers.common import (
    Turn,
    answer_expired,
    buttons,
    pressed,
    reply,
    reply_error,
    small_number,
    turn_of,
)
from handlers.dialogue import pressed_at
from handlers.privacy import require_private
from handlers.registration import begin_registration
from handlers.wishes import show_wish
from telegram_adapter.context import AppContext

LANGUAGE_NAMES: dict[Language, str] = {"zh": "中文", "en": "English"}


async def start_command(update: Update, context: AppContext) -> None:
    """Greets the person in their language and offers registration if they need it."""
    turn = await turn_of(update, context)
    if not await require_private(context, turn):
        return
    volunteer = await turn.volunteer()
    payload = context.args[0] if context.args else ""
    if payload.startswith("cert_"):
        await show_verification(context, turn, payload.removeprefix("cert_"))
        return
    if payload.startswith("ci_"):
        await check_in_deep_link(context, turn, payload.removeprefix("ci_"))
        return
    wish_id = small_number(payload.removeprefix("wish_")) if payload.startswith("wish_") else None
    if wish_id is not None:
        await show_wish(context, turn, wish_id)
        return
    activity_id = small_number(payload.removeprefix("act_")) if payload.startswith("act_") else None
    if volunteer is not None:
        if activity_id is not None:
            await show_card(context, turn, activity_id)
            return
        await reply(context, turn, turn.t("start.member", name=volunteer.name))
        return
    org = context.runtime.config.org.name
    if activity_id is not None:
        await reply(context, turn, turn.t("start.guest", org=org))
        await begin_registration(context, turn, resume_activity=activity_id)
        return
    markup = buttons([[(turn.t("button.register"), RegisterStart())]])
    await reply(context, turn, turn.t("start.guest", org=org), markup)


def _role_text(turn: Turn, actor: Actor, team_names: dict[str, str]) -> str:
    if actor.role == Role.LEAD:
        led = turn.t.join([team_names.get(key, key) for key in sorted(actor.lead_team_keys)])
        return turn.t("role.lead", teams=led)
    return turn.t(f"role.{actor.role.name.lower()}")


async def help_command(update: Update, context: AppContext) -> None:
    """Lists what this person's role may do, in their language."""
    turn = await turn_of(update, context)
    actor = await turn.actor()
    names = {team.key: team.name(turn.t.language) for team in await turn.services.teams.all()}
    lines = [turn.t("help.header", role=_role_text(turn, actor, names))]
    lines += [f"/{name} — {turn.t(f'cmd.{name}')}" for name in commands_for(actor.role)]
    await reply(context, turn, "\n".join(lines))


async def language_command(update: Update, context: AppContext) -> None:
    """Offers the languages to choose from."""
    turn = await turn_of(update, context)
    row = [(LANGUAGE_NAMES[code], LanguageChoice(code)) for code in LANGUAGES]
    await reply(context, turn, turn.t("language.choose"), buttons([row]))


async def on_language(update: Update, context: AppContext) -> None:
    """Stores the chosen language and confirms in it."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, LanguageChoice)
    if press is None:
        await answer_expired(turn)
        return
    code = press.language
    await turn.services.accounts.choose_language(turn.user_id, code)
    t = context.runtime.catalogs.translator(code)
    await turn.query.answer()
    await turn.query.edit_message_text(t("language.set"))


async def forget_me_command(update: Update, context: AppContext) -> None:
    """Asks for confirmation before erasing the person's personal data."""
    turn = await turn_of(update, context)
    if not await require_private(context, turn):
        return
    if await turn.volunteer() is None:
        if await turn.services.registration.discard_unfinished(turn.user_id):
            await reply(context, turn, turn.t("forget.unfinished"), ReplyKeyboardRemove())
        else:
            await reply_error(context, turn, NotRegistered())
        return
    await turn.services.dialogues.begin(turn.user_id, ForgetData(), "confirm")
    rows = [
        [
            (turn.t("button.forget_yes"), ForgetConfirm(confirmed=True)),
            (turn.t("button.forget_no"), ForgetConfirm(confirmed=False)),
        ]
    ]
    await reply(context, turn, turn.t("forget.confirm"), buttons(rows))


async def on_forget(update: Update, context: AppContext) -> None:
    """Erases the personal data once confirmed, or keeps it."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, ForgetConfirm)
    if press is None:
        await answer_expired(turn)
        return
    if await pressed_at(context, turn, ForgetData) is None:
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(None)
    if not press.confirmed:
        await turn.services.dialogues.end(turn.user_id)
        await reply(context, turn, turn.t("forget.kept"))
        return
    await turn.services.registration.forget(turn.user_id)
    await reply(context, turn, turn.t("forget.done"))


async def cancel_command(update: Update, context: AppContext) -> None:
    """Leaves whatever dialogue the person is in; nothing half-entered is kept."""
    turn = await turn_of(update, context)
    ended = await turn.services.dialogues.end(turn.user_id)
    text = turn.t("cancel.done" if ended else "cancel.nothing")
    await reply(context, turn, text, ReplyKeyboardRemove() if turn.private else None)


async def on_unknown_button(update: Update, context: AppContext) -> None:
    """Answers a press whose data no handler knows (an old or forged button)."""
    await answer_expired(await turn_of(update, context))


async def unknown_command(update: Update, context: AppContext) -> None:
    """Answers a command the bot does not have."""
    turn = await turn_of(update, context)
    await reply(context, turn, turn.t("fallback.unknown"))
