"""Settings (设置): reminders on or off, named or anonymous on boards, the language; and
forgetting me (删除我的信息): the same confirmation and the same erasure as Telegram's
/forget_me, and on WeChat also the download links and the last reported position kept for
the person."""

from __future__ import annotations

from bot.domain.dialogues import Dialogue, ForgetData
from bot.domain.errors import NotRegistered
from bot.domain.models import LANGUAGES, Language
from bot.views.settings import settings_text
from wechat_adapter.conversation import actions
from wechat_adapter.conversation.actions import Action
from wechat_adapter.conversation.router import Router
from wechat_adapter.conversation.screens import Choice, Screen
from wechat_adapter.conversation.turn import Turn

LANGUAGE_NAMES: dict[Language, str] = {"zh": "中文", "en": "English"}
MUTE = "set_reminders"  # ":on" turns them off (mutes), ":off" back on
ANONYMOUS = "set_anonymous"
LANGUAGE = "set_language"
FORGET_YES = "forget_yes"
FORGET_NO = "forget_no"
ON, OFF = "on", "off"


async def _settings(turn: Turn, language: Language | None = None) -> Screen:
    """The settings as they stand, each with the option that changes it, in `language` (the
    reader's unless one was just chosen)."""
    t = turn.catalogs.translator(language) if language else turn.t
    muted = await turn.services.reminders.muted(turn.user_id)
    anonymous = await turn.services.records.anonymous(turn.user_id)
    other = next(code for code in LANGUAGES if code != t.language)
    text = "\n".join(
        [
            settings_text(t, muted, anonymous),
            t("wechat.settings.language", language=LANGUAGE_NAMES[t.language]),
        ]
    )
    choices = (
        Choice(t("button.unmute" if muted else "button.mute"), Action(MUTE, OFF if muted else ON)),
        Choice(
            t("button.show_name" if anonymous else "button.hide_name"),
            Action(ANONYMOUS, OFF if anonymous else ON),
        ),
        Choice(LANGUAGE_NAMES[other], Action(LANGUAGE, other)),
        Choice(t("wechat.menu.forget"), Action(actions.FORGET)),
    )
    return Screen(text, choices)


async def settings(turn: Turn, action: Action) -> Screen:
    return await _settings(turn)


def _switch(action: Action) -> bool | None:
    """An on/off option's value; None for anything else (a client can send any id)."""
    return {ON: True, OFF: False}.get(action.arg)


async def mute(turn: Turn, action: Action) -> Screen:
    muted = _switch(action)
    if muted is None:
        return Screen(turn.say("wechat.expired"))
    await turn.services.reminders.set_muted(turn.user_id, muted)
    return await _settings(turn)


async def anonymous(turn: Turn, action: Action) -> Screen:
    hidden = _switch(action)
    if hidden is None:
        return Screen(turn.say("wechat.expired"))
    await turn.services.records.set_anonymous(turn.user_id, hidden)
    return await _settings(turn)


async def language(turn: Turn, action: Action) -> Screen:
    """Keep the chosen language and answer in it (registered or not)."""
    chosen = next((code for code in LANGUAGES if code == action.arg), None)
    if chosen is None:
        return Screen(turn.say("wechat.expired"))
    await turn.services.accounts.choose_language(turn.user_id, chosen)
    said = turn.catalogs.translator(chosen)("language.set")
    if await turn.volunteer() is None:
        return Screen(said)
    return (await _settings(turn, chosen)).after(said)


def _forget_choices(turn: Turn) -> tuple[Choice, ...]:
    return (
        Choice(turn.t("button.forget_yes"), Action(FORGET_YES)),
        Choice(turn.t("button.forget_no"), Action(FORGET_NO)),
    )


async def forget(turn: Turn, action: Action) -> Screen:
    """Ask before erasing. Someone not registered has nothing to erase: what they were typing
    in an unfinished registration went when they left it for this (as any menu choice or
    typed word does on WeChat)."""
    if await turn.volunteer() is None:
        raise NotRegistered()
    await turn.services.dialogues.begin(turn.user_id, ForgetData(), "confirm")
    return Screen(turn.t("forget.confirm"), _forget_choices(turn))


async def forget_options(turn: Turn, dialogue: Dialogue[ForgetData]) -> tuple[Choice, ...]:
    return _forget_choices(turn)


async def _confirming(turn: Turn) -> bool:
    """Whether the person is at the confirmation (an old or forged option is not one)."""
    return await turn.services.dialogues.at(turn.user_id, ForgetData, "confirm") is not None


async def forget_yes(turn: Turn, action: Action) -> Screen:
    if not await _confirming(turn):
        return Screen(turn.say("wechat.expired"))
    await turn.services.registration.forget(turn.user_id)
    if turn.downloads is not None:
        turn.downloads.forget(turn.user_id)
    turn.positions.forget(turn.openid)
    return Screen(turn.say("forget.done"))


async def forget_no(turn: Turn, action: Action) -> Screen:
    if not await _confirming(turn):
        return Screen(turn.say("wechat.expired"))
    await turn.services.dialogues.end(turn.user_id)
    return Screen(turn.t("forget.kept"))


def install(router: Router) -> None:
    router.action(actions.SETTINGS, "设置", "提醒", "reminders", "语言", "language")(settings)
    router.action(MUTE)(mute)
    router.action(ANONYMOUS)(anonymous)
    router.action(LANGUAGE)(language)
    router.word("english", Action(LANGUAGE, "en"))
    router.word("中文", Action(LANGUAGE, "zh"))
    router.action(actions.FORGET, "删除我的信息", "删除个人信息", "注销", "forget_me", "forget me")(
        forget
    )
    router.options(ForgetData, "confirm")(forget_options)
    router.action(FORGET_YES)(forget_yes)
    router.action(FORGET_NO)(forget_no)
