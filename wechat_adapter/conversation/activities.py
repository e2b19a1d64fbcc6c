"""Activities on WeChat: the list (five a page), an activity's card, signing up (confirmed or
waitlisted) and cancelling from it, and "my sign-ups". Someone not registered who signs up
is walked through registration and brought back to the card."""

from __future__ import annotations

from bot.domain.errors import NotRegistered
from bot.domain.roster import Placement
from bot.services.activity_pages import ActivityView
from wechat_adapter.conversation import actions, register
from wechat_adapter.conversation.actions import Action
from wechat_adapter.conversation.router import Router
from wechat_adapter.conversation.screens import Choice, Screen
from wechat_adapter.conversation.turn import Turn

PER_PAGE = 5
MY_SHOWN = 10  # upcoming sign-ups shown, each with a cancel option (as on Telegram)

PAGE = "activities_page"
OPEN = "act"
SIGN_UP = "signup"
CANCEL = "withdraw"


def _category(turn: Turn, key: str) -> str:
    for category in turn.config.activities.categories:
        if category.key == key:
            return category.name_zh if turn.t.language == "zh" else category.name_en
    return key


async def card(turn: Turn, activity_id: int) -> Screen:
    """The activity as a card, with the choice that fits this person's status."""
    view, status = await turn.services.activities.view(activity_id, turn.user_id)
    return await _card(turn, view, status)


async def _card(turn: Turn, view: ActivityView, status: Placement | None) -> Screen:
    activity, t = view.activity, turn.t
    teams = {team.key: team.name(t.language) for team in await turn.services.teams.all()}
    text = t(
        "activity.card",
        title=activity.title,
        team=teams.get(activity.team_key, activity.team_key),
        category=_category(turn, activity.category),
        start=t.datetime(activity.starts_at),
        end=t.datetime(activity.ends_at),
        place=activity.place,
        left=t.number(view.slots_left),
        capacity=t.number(activity.capacity),
        waiting=t.number(view.waiting),
    )
    if activity.description:
        text += "\n\n" + activity.description
    back = Choice(t("wechat.button.back_to_list"), Action(actions.ACTIVITIES))
    if activity.state == "cancelled":
        return Screen(text + "\n\n" + t("activity.status.cancelled"), (back,))
    if status is Placement.CONFIRMED:
        text += "\n\n" + t("activity.status.confirmed")
        first = Choice(t("button.cancel_signup"), Action(CANCEL, str(activity.id)))
    elif status is Placement.WAITLISTED:
        text += "\n\n" + t("activity.status.waitlisted")
        first = Choice(t("button.leave_waitlist"), Action(CANCEL, str(activity.id)))
    else:
        first = Choice(t("button.sign_up"), Action(SIGN_UP, str(activity.id)))
    return Screen(text, (first, back))


async def upcoming(turn: Turn, number: int) -> Screen:
    t = turn.t
    views, total = await turn.services.activities.upcoming(number, PER_PAGE)
    if not views:
        return Screen(t("activities.none"))
    pages = max(1, -(-total // PER_PAGE))
    number = min(max(number, 0), pages - 1)
    lines = [t("activities.header", page=number + 1, pages=pages)]
    choices: list[Choice] = []
    for n, view in enumerate(views, start=number * PER_PAGE + 1):
        activity = view.activity
        lines.append(
            t(
                "activities.line",
                n=n,
                title=activity.title,
                start=t.datetime(activity.starts_at),
                place=activity.place,
                count=view.slots_left,
            )
        )
        choices.append(Choice(activity.title, Action(OPEN, str(activity.id))))
    if number > 0:
        choices.append(Choice(t("button.previous"), Action(PAGE, str(number - 1))))
    if number < pages - 1:
        choices.append(Choice(t("button.next"), Action(PAGE, str(number + 1))))
    return Screen("\n".join(lines), tuple(choices))


async def mine(turn: Turn) -> Screen:
    """The person's sign-ups, each with the option to cancel it, and their past ones."""
    t = turn.t
    current, past = await turn.services.signups.mine(turn.user_id)
    lines = [t("my.header")]
    choices: list[Choice] = []
    for activity, placement in current[:MY_SHOWN]:
        confirmed = placement is Placement.CONFIRMED
        start, place = t.datetime(activity.starts_at), activity.place
        mark = "✅" if confirmed else "⏳"
        lines.append(t("my.line", mark=mark, title=activity.title, start=start, place=place))
        label = t("button.cancel_signup" if confirmed else "button.leave_waitlist")
        choices.append(Choice(f"{label}：{activity.title}", Action(CANCEL, str(activity.id))))
    if not current:
        lines.append(turn.say("my.none"))
    if past:
        lines += ["", t("my.past")]
        lines += [
            t("my.line", mark="·", title=a.title, start=t.datetime(a.starts_at), place=a.place)
            for a in past
        ]
    return Screen("\n".join(lines), tuple(choices))


def install(router: Router) -> None:
    router.resumes["activity"] = card

    async def first_page(turn: Turn, action: Action) -> Screen:
        return await upcoming(turn, 0)

    router.action(actions.ACTIVITIES, "活动", "近期活动", "报名活动", "activity")(first_page)

    @router.action(PAGE)
    async def page(turn: Turn, action: Action) -> Screen:
        if action.number is None:
            return Screen(turn.say("wechat.expired"))
        return await upcoming(turn, action.number)

    @router.action(OPEN)
    async def open_card(turn: Turn, action: Action) -> Screen:
        if action.number is None:
            return Screen(turn.say("wechat.expired"))
        return await card(turn, action.number)

    @router.action(SIGN_UP)
    async def sign_up(turn: Turn, action: Action) -> Screen:
        activity_id = action.number
        if activity_id is None:
            return Screen(turn.say("wechat.expired"))
        try:
            result = await turn.services.signups.sign_up(turn.user_id, activity_id)
        except NotRegistered:
            return await register.begin_registration(turn, resume_activity=activity_id)
        done = (
            turn.t("signup.confirmed", title=result.activity.title)
            if result.placement is Placement.CONFIRMED
            else turn.t("signup.waitlisted", position=result.waitlist_position)
        )
        return (await card(turn, activity_id)).after(done)

    @router.action(CANCEL)
    async def cancel(turn: Turn, action: Action) -> Screen:
        activity_id = action.number
        if activity_id is None:
            return Screen(turn.say("wechat.expired"))
        cancelled = await turn.services.signups.cancel(turn.user_id, activity_id)
        done = turn.t(
            "signup.cancelled" if cancelled.was is Placement.CONFIRMED else "signup.left_waitlist"
        )
        return (await card(turn, activity_id)).after(done)

    async def my(turn: Turn, action: Action) -> Screen:
        return await mine(turn)

    router.action(actions.MY, "我的报名", "我的活动", "my activities")(my)
