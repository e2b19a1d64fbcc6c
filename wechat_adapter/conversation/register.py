"""Registering on WeChat: name -> phone (typed: WeChat shares no contact) -> teams -> consent,
with the same checks and the same consent as on Telegram; and "link" for someone registered
on Telegram, by the one-time code /link shows there."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from bot.domain.dialogues import (
    ChoosingTeams,
    Dialogue,
    EditProfileData,
    LinkData,
    RegisterData,
    entered,
)
from bot.domain.errors import (
    AlreadyLinked,
    DomainError,
    LinkNotRegisteredThere,
    LinkOwnCode,
    LinkRegisteredHere,
    LinkSameChannel,
    LinkTooManyTries,
    NoTeamChosen,
)
from bot.domain.models import Volunteer
from bot.domain.paging import page_of
from bot.domain.validation import parse_name
from wechat_adapter.conversation import actions
from wechat_adapter.conversation.actions import Action
from wechat_adapter.conversation.router import Router
from wechat_adapter.conversation.screens import Choice, Screen
from wechat_adapter.conversation.turn import Turn

TEAMS_PER_PAGE = 6  # with previous, next and done: at most 9 options
SUMMARY_TEAMS = 10

TEAM = "team"
TEAMS_PAGE = "teams_page"
TEAMS_DONE = "teams_done"
CONSENT = "consent"

C = TypeVar("C", bound=ChoosingTeams)


async def summary(turn: Turn, volunteer: Volunteer) -> str:
    """The person's data as the profile shows it."""
    t = turn.t
    if not volunteer.phone:
        phone = t("phone.none")
    else:
        verified = t("phone.verified") if volunteer.phone_verified else t("phone.unverified")
        phone = f"{volunteer.phone} {verified}"
    names = {team.key: team.name(t.language) for team in await turn.services.teams.all()}
    teams = [names.get(key, key) for key in volunteer.team_keys]
    shown = teams[:SUMMARY_TEAMS]
    if len(teams) > SUMMARY_TEAMS:
        shown.append(t("list.more", count=len(teams) - SUMMARY_TEAMS))
    return t(
        "profile.summary",
        name=volunteer.name,
        phone=phone,
        teams=t.join(shown),
        registered=t.datetime(volunteer.registered_at),
    )


async def begin_registration(turn: Turn, resume_activity: int | None = None) -> Screen:
    """The first question, or the person's data if they are registered already."""
    volunteer = await turn.volunteer()
    if volunteer is not None:
        return Screen(turn.t("wechat.register.already", summary=await summary(turn, volunteer)))
    data = RegisterData(resume_activity=resume_activity)
    await turn.services.dialogues.begin(turn.user_id, data, "name")
    return Screen(turn.say("register.ask_name"))


async def team_options(turn: Turn, dialogue: Dialogue[C]) -> Sequence[Choice]:
    t, chosen = turn.t, dialogue.data.teams
    page = page_of(await turn.services.teams.all(), dialogue.data.page, TEAMS_PER_PAGE)
    options = [
        Choice(
            ("✅ " if team.key in chosen else "⬜ ") + team.name(t.language), Action(TEAM, team.key)
        )
        for team in page.items
    ]
    if page.has_previous:
        options.append(Choice(t("button.previous"), Action(TEAMS_PAGE, str(page.number - 1))))
    if page.has_next:
        options.append(Choice(t("button.next"), Action(TEAMS_PAGE, str(page.number + 1))))
    options.append(Choice(t("button.done"), Action(TEAMS_DONE)))
    return options


async def teams_screen(turn: Turn, dialogue: Dialogue[C], head: str = "") -> Screen:
    names = {team.key: team.name(turn.t.language) for team in await turn.services.teams.all()}
    chosen = [names.get(key, key) for key in dialogue.data.teams]
    state = (
        turn.t("wechat.register.chosen", teams=turn.t.join(chosen))
        if chosen
        else turn.t("wechat.register.none_chosen")
    )
    question = turn.say("register.ask_teams")
    text = "\n\n".join(part for part in (head, question, state) if part)
    return Screen(text, tuple(await team_options(turn, dialogue)))


async def consent_options(turn: Turn, dialogue: Dialogue[RegisterData] | None) -> Sequence[Choice]:
    return [
        Choice(turn.t("button.agree"), Action(CONSENT, "yes")),
        Choice(turn.t("button.disagree"), Action(CONSENT, "no")),
    ]


def install(router: Router) -> None:

    async def register(turn: Turn, action: Action) -> Screen:
        return await begin_registration(turn)

    router.action(actions.REGISTER, "注册", "注册志愿者", "报名注册")(register)

    @router.step(RegisterData, "name")
    async def name(turn: Turn, dialogue: Dialogue[RegisterData]) -> Screen:
        dialogue.data.name = parse_name(turn.message.text)
        dialogue.step = "phone"
        await turn.services.dialogues.save(turn.user_id, dialogue)
        return Screen(turn.say("register.ask_phone"))

    @router.step(RegisterData, "phone")
    async def phone(turn: Turn, dialogue: Dialogue[RegisterData]) -> Screen:
        number = await turn.services.registration.check_phone_available(
            turn.user_id, turn.message.text, shared=False
        )
        dialogue.data.phone = number
        dialogue.data.teams = []
        dialogue.data.phone_shared = False
        dialogue.step = "teams"
        await turn.services.dialogues.save(turn.user_id, dialogue)
        return await teams_screen(turn, dialogue, turn.t("register.phone_saved", phone=number))

    router.options(RegisterData, "teams")(team_options)
    router.options(EditProfileData, "teams")(team_options)
    router.options(RegisterData, "consent")(consent_options)

    async def choosing(turn: Turn) -> Dialogue[ChoosingTeams] | None:
        return await turn.services.dialogues.at(turn.user_id, ChoosingTeams, "teams")

    @router.action(TEAM)
    async def toggle(turn: Turn, action: Action) -> Screen:
        dialogue = await choosing(turn)
        known = {team.key for team in await turn.services.teams.all()}
        if dialogue is None or action.arg not in known:
            return Screen(turn.say("wechat.expired"))
        chosen = dialogue.data.teams
        key = action.arg
        dialogue.data.teams = [k for k in chosen if k != key] if key in chosen else [*chosen, key]
        await turn.services.dialogues.save(turn.user_id, dialogue)
        return await teams_screen(turn, dialogue)

    @router.action(TEAMS_PAGE)
    async def page(turn: Turn, action: Action) -> Screen:
        dialogue = await choosing(turn)
        if dialogue is None or action.number is None:
            return Screen(turn.say("wechat.expired"))
        dialogue.data.page = action.number
        await turn.services.dialogues.save(turn.user_id, dialogue)
        return await teams_screen(turn, dialogue)

    @router.action(TEAMS_DONE)
    async def done(turn: Turn, action: Action) -> Screen:
        dialogue = await choosing(turn)
        if dialogue is None:
            return Screen(turn.say("wechat.expired"))
        if not dialogue.data.teams:
            return await teams_screen(turn, dialogue, turn.refusal(NoTeamChosen()).text)
        if isinstance(dialogue.data, EditProfileData):
            volunteer = await turn.services.registration.change_teams(
                turn.user_id, dialogue.data.teams
            )
            await turn.services.dialogues.end(turn.user_id)
            return Screen(turn.t("edit.saved", summary=await summary(turn, volunteer)))
        dialogue.step = "consent"
        await turn.services.dialogues.save(turn.user_id, dialogue)
        text = turn.say("register.consent", org=turn.config.org.name)
        return Screen(text, tuple(await consent_options(turn, None)))

    @router.action(CONSENT)
    async def consent(turn: Turn, action: Action) -> Screen:
        dialogue = await turn.services.dialogues.at(turn.user_id, RegisterData, "consent")
        if dialogue is None or action.arg not in ("yes", "no"):
            return Screen(turn.say("wechat.expired"))
        if action.arg == "no":
            await turn.services.dialogues.end(turn.user_id)
            return Screen(turn.say("register.declined"))
        data = dialogue.data
        try:
            volunteer = await turn.services.registration.register(
                turn.user_id,
                entered(data.name),
                entered(data.phone),
                data.teams,
                consent=True,
                phone_shared=False,
            )
        except DomainError:
            await turn.services.dialogues.end(turn.user_id)
            raise
        await turn.services.dialogues.end(turn.user_id)
        done = turn.say("register.done", summary=await summary(turn, volunteer))
        resume = router.resumes.get("activity")
        if data.resume_activity and resume is not None:
            card = await resume(turn, data.resume_activity)
            return card.after(done)
        return Screen(done)

    async def link(turn: Turn, action: Action) -> Screen:
        volunteer = await turn.volunteer()
        if volunteer is not None:
            return turn.refusal(LinkRegisteredHere())
        await turn.services.dialogues.begin(turn.user_id, LinkData(), "code")
        return Screen(turn.t("wechat.link.ask_code"))

    router.action(actions.LINK, "绑定", "绑定telegram", "bind")(link)

    # A wrong code may be retyped; the other refusals stay whatever is typed.
    final = (
        LinkOwnCode,
        LinkSameChannel,
        LinkRegisteredHere,
        LinkNotRegisteredThere,
        AlreadyLinked,
        LinkTooManyTries,
    )

    @router.step(LinkData, "code", ends_on=final)
    async def code(turn: Turn, dialogue: Dialogue[LinkData]) -> Screen:
        joined = await turn.services.identities.link(turn.user_id, turn.message.text)
        await turn.services.dialogues.end(joined)
        volunteer = await turn.services.registration.volunteer(joined)
        assert volunteer is not None  # link() joins only a registered person
        return Screen(turn.t("wechat.link.done", summary=await summary(turn, volunteer)))
