"""Following the account, "help" (typed or the menu), and what the person can do from here."""

from __future__ import annotations

from wechat_adapter.conversation import actions
from wechat_adapter.conversation.actions import Action
from wechat_adapter.conversation.router import Router
from wechat_adapter.conversation.screens import Choice, Screen
from wechat_adapter.conversation.turn import Turn

# What the home screen offers, in this order, of the actions some flow handles.
FOR_GUESTS: tuple[str, ...] = (actions.REGISTER, actions.LINK, actions.ACTIVITIES, actions.WISHES)
FOR_MEMBERS: tuple[str, ...] = (
    actions.ACTIVITIES,
    actions.MY,
    actions.CHECKIN,
    actions.CHECKOUT,
    actions.HOURS,
    actions.CERTIFICATE,
    actions.WISHES,
    actions.LEADERBOARD,
    actions.SETTINGS,
)


def install(router: Router) -> None:
    async def home(turn: Turn, action: Action) -> Screen:
        """The greeting, and the actions open to a guest or a member."""
        volunteer = await turn.volunteer()
        if volunteer is None:
            text = turn.t("start.guest", org=turn.config.org.name)
            offered = FOR_GUESTS
        else:
            text = turn.t("wechat.start.member", name=volunteer.name)
            offered = FOR_MEMBERS
        choices = [
            Choice(turn.t(f"wechat.menu.{verb}"), Action(verb))
            for verb in offered
            if verb in router.actions
        ]
        return Screen(text, tuple(choices))

    router.action(actions.HELP, "帮助", "菜单", "menu", "start", "开始", "?", "？", "你好", "hi")(
        home
    )
