"""/register, /profile and the edit dialogues: name, phone, teams, consent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal

from telegram import KeyboardButton, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update

from bot.buttons import (
    ProfileEdit,
    RegisterConsent,
    RegisterTeamPage,
    RegisterTeamsDone,
    RegisterTeamToggle,
)
from bot.domain.dialogues import ChoosingTeams, Dialogue, EditProfileData, RegisterData, entered
from bot.domain.errors import DomainError, NoTeamChosen, NotOwnContact, NotRegistered
from bot.domain.models import Volunteer
from bot.domain.paging import page_of
from bot.domain.validation import parse_name
from handlers.common import (
    Choice,
    Turn,
    answer_expired,
    buttons,
    capped,
    page_buttons,
    pressed,
    profile_summary,
    reply,
    reply_error,
    team_names,
    turn_of,
)
from handlers.dialogue import pressed_at, text_step
from handlers.privacy import require_private
from telegram_adapter.context import AppContext

TEAMS_PER_PAGE = 8
SUMMARY_TEAMS = 10  # named in the summary; the rest counted (a message holds 4096 characters)


def _share_phone_keyboard(turn: Turn) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(turn.t("button.share_phone"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def _edit_buttons(turn: Turn) -> list[list[Choice]]:
    return [
        [
            (turn.t("button.edit_name"), ProfileEdit("name")),
            (turn.t("button.edit_phone"), ProfileEdit("phone")),
            (turn.t("button.edit_teams"), ProfileEdit("teams")),
        ]
    ]


async def _team_keyboard(turn: Turn, chosen: list[str], page_number: int = 0) -> list[list[Choice]]:
    page = page_of(await turn.services.teams.all(), page_number, TEAMS_PER_PAGE)
    rows: list[list[Choice]] = [
        [
            (
                ("✅ " if team.key in chosen else "⬜ ") + team.name(turn.t.language),
                RegisterTeamToggle(team.key),
            )
        ]
        for team in page.items
    ]
    rows.append(page_buttons(turn, page, RegisterTeamPage))
    rows.append([(turn.t("button.done"), RegisterTeamsDone())])
    return rows


def _phone_answer(turn: Turn, message: Message) -> str:
    if message.contact is not None:
        if message.contact.user_id != turn.user_id:
            raise NotOwnContact()
        return message.contact.phone_number
    return message.text or ""


async def _summary(turn: Turn, volunteer: Volunteer) -> str:
    return profile_summary(turn, volunteer, await team_names(turn))


Resume = Callable[[AppContext, Turn, int], Awaitable[None]]
ResumeKind = Literal["activity", "wish"]
_AFTER_REGISTRATION: dict[ResumeKind, Resume] = {}


def after_registration(kind: ResumeKind) -> Callable[[Resume], Resume]:
    """Register what brings a newly registered person back to the card of the `kind` they were
    signing up for or claiming (the activities and wishes handlers show their cards), so this
    module needs not know about cards."""

    def register(function: Resume) -> Resume:
        _AFTER_REGISTRATION[kind] = function
        return function

    return register


async def begin_registration(
    context: AppContext,
    turn: Turn,
    resume_activity: int | None = None,
    resume_wish: int | None = None,
) -> None:
    """Start the registration dialogue, or offer editing to someone already registered.
    `resume_activity`, `resume_wish`: the card to bring them back to once registered."""
    if await turn.volunteer() is not None:
        await reply(context, turn, turn.t("register.already"), buttons(_edit_buttons(turn)))
        return
    data = RegisterData(resume_activity=resume_activity, resume_wish=resume_wish)
    await turn.services.dialogues.begin(turn.user_id, data, "name")
    await reply(context, turn, turn.t("register.ask_name"), ReplyKeyboardRemove())


async def register_command(update: Update, context: AppContext) -> None:
    """Registers a new volunteer, or offers a registered one to edit their data."""
    turn = await turn_of(update, context)
    if await require_private(context, turn):
        await begin_registration(context, turn)


async def on_start_registration(update: Update, context: AppContext) -> None:
    """The register button under the welcome message."""
    turn = await turn_of(update, context)
    if turn.query is not None:
        await turn.query.answer()
    if await require_private(context, turn):
        await begin_registration(context, turn)


@text_step(RegisterData, "name")
async def registration_name(
    context: AppContext, turn: Turn, dialogue: Dialogue[RegisterData], message: Message
) -> None:
    dialogue.data.name = parse_name(message.text or "")
    dialogue.step = "phone"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("register.ask_phone"), _share_phone_keyboard(turn))


@text_step(RegisterData, "phone")
async def registration_phone(
    context: AppContext, turn: Turn, dialogue: Dialogue[RegisterData], message: Message
) -> None:
    phone = await turn.services.registration.check_phone_available(
        turn.user_id, _phone_answer(turn, message), shared=message.contact is not None
    )
    dialogue.data.phone = phone
    dialogue.data.teams = []
    dialogue.data.phone_shared = message.contact is not None
    dialogue.step = "teams"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    saved = turn.t("register.phone_saved", phone=phone)
    teams = buttons(await _team_keyboard(turn, []))
    if message.contact is None:
        # A typed number leaves the share button on screen, and only a message of its own can
        # take it away (a message has one keyboard): the number, then the question.
        await reply(context, turn, saved, ReplyKeyboardRemove())
        await reply(context, turn, turn.t("register.ask_teams"), teams)
        return
    # Sharing hid the one-time share button: the number and the question are one message
    # (the end of the dialogue removes the button for good).
    await reply(context, turn, f"{saved}\n\n{turn.t('register.ask_teams')}", teams)


async def on_team_toggle(update: Update, context: AppContext) -> None:
    """Selects or deselects a team in the team step of registration or editing."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, RegisterTeamToggle)
    dialogue = await pressed_at(context, turn, ChoosingTeams, "teams")
    if dialogue is None:
        return
    key = press.team if press else None
    if key not in {team.key for team in await turn.services.teams.all()}:
        await answer_expired(turn)
        return
    chosen = dialogue.data.teams
    dialogue.data.teams = [k for k in chosen if k != key] if key in chosen else [*chosen, key]
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await turn.query.answer()
    keyboard = await _team_keyboard(turn, dialogue.data.teams, dialogue.data.page)
    await turn.query.edit_message_reply_markup(buttons(keyboard))


async def on_team_page(update: Update, context: AppContext) -> None:
    """Shows another page of teams in the team step."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, RegisterTeamPage)
    if press is None:
        await answer_expired(turn)
        return
    number = press.page
    dialogue = await pressed_at(context, turn, ChoosingTeams, "teams")
    if dialogue is None:
        return
    dialogue.data.page = number
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await turn.query.answer()
    keyboard = await _team_keyboard(turn, dialogue.data.teams, number)
    await turn.query.edit_message_reply_markup(buttons(keyboard))


async def on_teams_done(update: Update, context: AppContext) -> None:
    """Finishes the team step: on to consent when registering, saved when editing."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    dialogue = await pressed_at(context, turn, ChoosingTeams, "teams")
    if dialogue is None:
        return
    chosen = dialogue.data.teams
    if not chosen:
        await reply_error(context, turn, NoTeamChosen())
        return
    await turn.query.answer()
    names = await team_names(turn)
    chosen_names = capped(turn, [names[k] for k in chosen], SUMMARY_TEAMS)
    await turn.query.edit_message_text(turn.t("register.ask_teams") + "\n\n" + chosen_names)
    if isinstance(dialogue.data, EditProfileData):
        try:
            volunteer = await turn.services.registration.change_teams(turn.user_id, chosen)
        except DomainError as error:
            await reply_error(context, turn, error)
            return
        await reply(context, turn, turn.t("edit.saved", summary=await _summary(turn, volunteer)))
        return
    dialogue.step = "consent"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    consent: list[list[Choice]] = [
        [
            (turn.t("button.agree"), RegisterConsent(agreed=True)),
            (turn.t("button.disagree"), RegisterConsent(agreed=False)),
        ]
    ]
    org = context.runtime.config.org.name
    await reply(context, turn, turn.t("register.consent", org=org), buttons(consent))


async def on_consent(update: Update, context: AppContext) -> None:
    """Registers the person when they agree; stores nothing when they do not."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, RegisterConsent)
    if press is None:
        await answer_expired(turn)
        return
    dialogue = await pressed_at(context, turn, RegisterData, "consent")
    if dialogue is None:
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(None)
    if not press.agreed:
        await turn.services.dialogues.end(turn.user_id)
        await reply(context, turn, turn.t("register.declined"), ReplyKeyboardRemove())
        return
    data = dialogue.data
    try:
        volunteer = await turn.services.registration.register(
            turn.user_id,
            entered(data.name),
            entered(data.phone),
            data.teams,
            consent=True,
            phone_shared=data.phone_shared,
        )
    except DomainError as error:
        await turn.services.dialogues.end(turn.user_id)
        await reply_error(context, turn, error)
        return
    summary = await _summary(turn, volunteer)
    await reply(context, turn, turn.t("register.done", summary=summary), ReplyKeyboardRemove())
    resumed: tuple[tuple[ResumeKind, int | None], ...] = (
        ("activity", data.resume_activity),
        ("wish", data.resume_wish),
    )
    for kind, target in resumed:
        if target and kind in _AFTER_REGISTRATION:
            await _AFTER_REGISTRATION[kind](context, turn, target)


async def profile_command(update: Update, context: AppContext) -> None:
    """Shows the person's registered data with buttons to edit it."""
    turn = await turn_of(update, context)
    if not await require_private(context, turn):
        return
    volunteer = await turn.volunteer()
    if volunteer is None:
        await reply_error(context, turn, NotRegistered())
        return
    text = turn.t("profile.header", summary=await _summary(turn, volunteer))
    await reply(context, turn, text, buttons(_edit_buttons(turn)))


async def on_edit(update: Update, context: AppContext) -> None:
    """Starts editing one field of the profile."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, ProfileEdit)
    volunteer = await turn.volunteer()
    if volunteer is None:
        await reply_error(context, turn, NotRegistered())
        return
    if press is None:
        await answer_expired(turn)
        return
    field = press.field
    await turn.query.answer()
    teams = list(volunteer.team_keys)
    await turn.services.dialogues.begin(turn.user_id, EditProfileData(teams=teams), field)
    if field == "name":
        await reply(context, turn, turn.t("edit.ask_name"), ReplyKeyboardRemove())
    elif field == "phone":
        await reply(context, turn, turn.t("edit.ask_phone"), _share_phone_keyboard(turn))
    else:
        await reply(
            context, turn, turn.t("edit.ask_teams"), buttons(await _team_keyboard(turn, teams))
        )


@text_step(EditProfileData, "name")
async def edit_name(
    context: AppContext, turn: Turn, dialogue: Dialogue[EditProfileData], message: Message
) -> None:
    volunteer = await turn.services.registration.change_name(turn.user_id, message.text or "")
    await reply(context, turn, turn.t("edit.saved", summary=await _summary(turn, volunteer)))


@text_step(EditProfileData, "phone")
async def edit_phone(
    context: AppContext, turn: Turn, dialogue: Dialogue[EditProfileData], message: Message
) -> None:
    volunteer = await turn.services.registration.change_phone(
        turn.user_id, _phone_answer(turn, message), shared=message.contact is not None
    )
    summary = await _summary(turn, volunteer)
    await reply(context, turn, turn.t("edit.saved", summary=summary), ReplyKeyboardRemove())
