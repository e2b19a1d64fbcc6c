"""Check-in and check-out on WeChat.

By code: the code the lead shows on site, typed. By location: only the position WeChat itself
reports from the phone (the LOCATION event, remembered in `positions`) counts, taken as a live
location is on Telegram; a location message or the location_select menu sends a point picked
on a map, anywhere, so it is refused with the ways that work (as a plain location is on
Telegram). Without a reported position, or when it is refused (too far), the code is asked."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.dialogues import CheckInData, Dialogue, entered
from bot.domain.errors import DomainError
from bot.services.checkin import CheckInResult
from wechat_adapter.conversation import actions
from wechat_adapter.conversation.actions import Action
from wechat_adapter.conversation.router import Router
from wechat_adapter.conversation.screens import Choice, Screen
from wechat_adapter.conversation.turn import Turn

CHECK_IN_AT = "checkin_at"
CHECK_OUT_OF = "checkout_at"


async def _checked_in(turn: Turn, result: CheckInResult) -> Screen:
    await turn.services.dialogues.end(turn.user_id)
    key = "checkin.already" if result.already else "checkin.done"
    return Screen(turn.say(key, title=result.activity.title, at=turn.t.datetime(result.at)))


async def _awaiting_location(
    turn: Turn, dialogue: Dialogue[CheckInData] | None
) -> Sequence[Choice]:
    found = await turn.services.checkin.awaiting_location_checkin(turn.user_id)
    return [Choice(activity.title, Action(CHECK_IN_AT, str(activity.id))) for activity in found]


async def _ask_code(turn: Turn, head: str) -> Screen:
    await turn.services.dialogues.begin(turn.user_id, CheckInData(), "code")
    return Screen(f"{head}\n\n{turn.say('checkin.ask_code')}")


async def check_in(turn: Turn, action: Action) -> Screen:
    """The person's activities open for check-in; checked in at once by the phone's reported
    position if it is fresh and one activity has a pin, else asked for the code."""
    t, checkin = turn.t, turn.services.checkin
    found = await checkin.open_for_checkin(turn.user_id)
    if not found:
        return Screen(t("checkin.none", minutes=checkin.config.checkin_opens_minutes))
    lines = [t("checkin.header")]
    for activity, done in found:
        if done is not None:
            at = t.datetime(done.checked_in_at)
            lines.append(t("checkin.done_line", title=activity.title, at=at))
        else:
            start = t.datetime(activity.starts_at)
            lines.append(t("checkin.line", title=activity.title, start=start))
    listed = "\n".join(lines)
    if all(done is not None for _, done in found):
        return Screen(listed)
    position = turn.positions.fresh(turn.openid, turn.message.created)
    pinned = [a for a, done in found if done is None and a.latitude is not None]
    if position is None or not pinned:
        return await _ask_code(turn, listed)
    if len(pinned) > 1:
        picking = CheckInData(latitude=position.latitude, longitude=position.longitude, live=True)
        dialogue = await turn.services.dialogues.begin(turn.user_id, picking, "pick")
        return Screen(t("checkin.pick"), tuple(await _awaiting_location(turn, dialogue)))
    try:
        result = await checkin.check_in_by_location(
            turn.user_id, pinned[0].id, position.latitude, position.longitude, live=True
        )
    except DomainError as error:  # too far, most likely: the code still works
        return await _ask_code(turn, turn.refusal(error).text)
    return await _checked_in(turn, result)


async def _check_out(turn: Turn, activity_id: int) -> Screen:
    result = await turn.services.checkin.check_out(turn.user_id, activity_id)
    t = turn.t
    return Screen(
        t(
            "checkout.done",
            title=result.activity.title,
            start=t.datetime(result.checked_in_at),
            end=t.datetime(result.checked_out_at),
            hours=t.hours(result.minutes),
        )
    )


def install(router: Router) -> None:
    router.action(actions.CHECKIN, "签到", "check in", "check-in")(check_in)
    router.options(CheckInData, "pick")(_awaiting_location)

    @router.action(CHECK_IN_AT)
    async def check_in_at(turn: Turn, action: Action) -> Screen:
        dialogue = await turn.services.dialogues.at(turn.user_id, CheckInData, "pick")
        if dialogue is None or action.number is None:
            return Screen(turn.say("wechat.expired"))
        data = dialogue.data
        try:
            result = await turn.services.checkin.check_in_by_location(
                turn.user_id,
                action.number,
                entered(data.latitude),
                entered(data.longitude),
                live=data.live,
            )
        except DomainError:
            await turn.services.dialogues.end(turn.user_id)
            raise
        return await _checked_in(turn, result)

    @router.step(CheckInData, "code")
    async def code(turn: Turn, dialogue: Dialogue[CheckInData]) -> Screen:
        result = await turn.services.checkin.check_in_by_code(turn.user_id, turn.message.text)
        return await _checked_in(turn, result)

    @router.location
    async def map_point(turn: Turn) -> Screen | None:
        """A location message: a point picked on the map, which checks no one in."""
        try:
            waiting = await turn.services.checkin.awaiting_location_checkin(turn.user_id)
        except DomainError:
            return None
        return Screen(turn.t("wechat.checkin.map_point")) if waiting else None

    async def check_out(turn: Turn, action: Action) -> Screen:
        sessions = await turn.services.checkin.open_sessions(turn.user_id)
        if not sessions:
            return Screen(turn.t("checkout.none"))
        if len(sessions) == 1:
            return await _check_out(turn, sessions[0][0].id)
        choices = [Choice(a.title, Action(CHECK_OUT_OF, str(a.id))) for a, _ in sessions]
        return Screen(turn.t("checkout.choose"), tuple(choices[:10]))

    router.action(actions.CHECKOUT, "签退", "check out", "check-out")(check_out)

    @router.action(CHECK_OUT_OF)
    async def check_out_of(turn: Turn, action: Action) -> Screen:
        if action.number is None:
            return Screen(turn.say("wechat.expired"))
        return await _check_out(turn, action.number)
