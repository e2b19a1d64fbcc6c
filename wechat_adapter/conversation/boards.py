"""Leaderboards (排行): a team's members ranked by approved hours over a period (my first team
and this month to begin with), other periods and teams a number away, and the honor roll of
teams. The same boards and words as Telegram's /leaderboard."""

from __future__ import annotations

from bot.domain.ranking import Period
from bot.views.boards import board_text, honor_roll_text
from wechat_adapter.conversation import actions
from wechat_adapter.conversation.actions import Action
from wechat_adapter.conversation.router import Router
from wechat_adapter.conversation.screens import Choice, Screen
from wechat_adapter.conversation.turn import Turn

PERIODS = (Period.WEEK, Period.MONTH, Period.YEAR, Period.ALL)
OTHER_TEAMS = 4  # with 3 other periods and the honor roll: 8 options
HONOR = "honor"


def _board_arg(team_id: int, period: Period) -> str:
    return f"{team_id}.{period.value}"


def _read_board_arg(arg: str) -> tuple[int | None, Period] | None:
    """A board option's team and period ("12.week"); no argument: my first team, this month.
    None for what does not read (a client can send any option id)."""
    if not arg:
        return None, Period.MONTH
    team, _, period = arg.partition(".")
    if not team.isdigit() or len(team) > 9 or period not in {p.value for p in PERIODS}:
        return None
    return int(team), Period(period)


async def board(turn: Turn, action: Action) -> Screen:
    """A team's board; a team not the person's own (a forged option) is refused as Telegram
    refuses it."""
    wanted = _read_board_arg(action.arg)
    if wanted is None:
        return Screen(turn.say("wechat.expired"))
    team_id, period = wanted
    actor = await turn.services.roles.actor(turn.user_id)
    shown = await turn.services.reports.board(actor, team_id, period)
    t = turn.t
    choices = [
        Choice(
            t(f"period.{other.value}"),
            Action(actions.LEADERBOARD, _board_arg(shown.team.id, other)),
        )
        for other in PERIODS
        if other is not period
    ]
    teams = [
        team for team in await turn.services.reports.my_teams(actor) if team.id != shown.team.id
    ]
    choices += [
        Choice(team.name(t.language), Action(actions.LEADERBOARD, _board_arg(team.id, period)))
        for team in teams[:OTHER_TEAMS]
    ]
    choices.append(Choice(t("button.honor_roll"), Action(HONOR, period.value)))
    return Screen(board_text(t, shown, period), tuple(choices))


async def honor(turn: Turn, action: Action) -> Screen:
    """The teams ranked by their hours in all and per active member."""
    if action.arg and action.arg not in {p.value for p in PERIODS}:
        return Screen(turn.say("wechat.expired"))
    period = Period(action.arg) if action.arg else Period.MONTH
    roll = await turn.services.reports.honor_roll(period)
    t = turn.t
    choices = [
        Choice(t(f"period.{other.value}"), Action(HONOR, other.value))
        for other in PERIODS
        if other is not period
    ]
    choices.append(Choice(t("wechat.leaderboard.mine"), Action(actions.LEADERBOARD)))
    return Screen(honor_roll_text(t, roll, t(f"period.{period.value}")), tuple(choices))


def install(router: Router) -> None:
    router.action(actions.LEADERBOARD, "排行", "排行榜", "排名", "ranking")(board)
    router.action(HONOR, "红榜", "honor roll")(honor)
