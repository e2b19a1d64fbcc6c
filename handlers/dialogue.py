"""Routes typed answers (text, a shared contact) to the step of the person's dialogue."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Message, Update

from bot.domain.dialogues import ChoicesData, D, Dialogue
from bot.domain.errors import DialogueLost, DomainError
from handlers.common import Turn, answer_expired, reply, reply_error, turn_of
from telegram_adapter.context import AppContext

Step = Callable[[AppContext, Turn, Dialogue[D], Message], Awaitable[None]]
_STEPS: dict[tuple[str, str], Step[Any]] = {}
_TAKES_LOCATION: set[tuple[str, str]] = set()
_TAKES_PHOTO: set[tuple[str, str]] = set()
_ENDS_ON: dict[tuple[str, str], tuple[type[DomainError], ...]] = {}
LocationTaker = Callable[[AppContext, Turn, Message], Awaitable[bool]]
_OUTSIDE_DIALOGUES: list[LocationTaker] = []


def location_outside_dialogues(function: LocationTaker) -> LocationTaker:
    """Register a function offered a location that no dialogue step asked for; it returns
    True if it answered."""
    _OUTSIDE_DIALOGUES.append(function)
    return function


def text_step(
    model: type[D],
    step: str,
    location: bool = False,
    ends_on: tuple[type[DomainError], ...] = (),
    photo: bool = False,
) -> Callable[[Step[D]], Step[D]]:
    """Register the function that takes a typed answer (or, if `location`, a shared location;
    if `photo`, a photo) at this step of `model`'s flow. A refusal of a kind in `ends_on` (no
    retyping can help: the record changed, the person may not) also ends the dialogue."""
    if step not in model.needs:
        raise ValueError(f"the {model.flow} dialogue has no step {step!r}")
    key = (model.flow, step)

    def register(function: Step[D]) -> Step[D]:
        _STEPS[key] = function
        if location:
            _TAKES_LOCATION.add(key)
        if photo:
            _TAKES_PHOTO.add(key)
        _ENDS_ON[key] = ends_on
        return function

    return register


async def pressed_at(
    context: AppContext, turn: Turn, model: type[D], *steps: str
) -> Dialogue[D] | None:
    """The presser's dialogue, for a button that belongs to `model`'s flow (at one of
    `steps`, if given). Otherwise the press is answered and None: the button has expired, or
    the dialogue could not be read back (it has ended, and the person is told)."""
    try:
        dialogue = await turn.services.dialogues.at(turn.user_id, model, *steps)
    except DialogueLost as error:
        await reply_error(context, turn, error)
        return None
    if dialogue is None:
        await answer_expired(turn)
    return dialogue


async def on_private_message(update: Update, context: AppContext) -> None:
    """Hands a typed answer to the current dialogue step, or says what the bot understands."""
    turn = await turn_of(update, context)
    message = update.effective_message
    if message is None:
        return
    try:
        dialogue = await turn.services.dialogues.current(turn.user_id)
    except DialogueLost as error:
        await reply_error(context, turn, error)
        return
    if dialogue is not None and isinstance(dialogue.data, ChoicesData):
        dialogue = None  # numbers last shown on WeChat (to a linked person): nothing here
    takes_location = dialogue is not None and (dialogue.flow, dialogue.step) in _TAKES_LOCATION
    if message.location is not None and not takes_location:
        for take in _OUTSIDE_DIALOGUES:
            if await take(context, turn, message):
                return
    if dialogue is None:
        await reply(context, turn, turn.t("fallback.unknown"))
        return
    step = _STEPS.get((dialogue.flow, dialogue.step))
    if step is None:
        await reply(context, turn, turn.t("dialogue.use_buttons"))
        return
    takes_photo = (dialogue.flow, dialogue.step) in _TAKES_PHOTO
    if (
        message.text is None
        and message.contact is None
        and not (message.location is not None and takes_location)
        and not (message.photo and takes_photo)
    ):
        await reply(context, turn, turn.t("dialogue.send_text"))
        return
    try:
        await step(context, turn, dialogue, message)
    except DomainError as error:
        if isinstance(error, (DialogueLost, *_ENDS_ON[(dialogue.flow, dialogue.step)])):
            await turn.services.dialogues.end(turn.user_id)
        await reply_error(context, turn, error)
