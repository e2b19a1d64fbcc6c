"""Which flow answers what: actions (menu keys, msgmenu ids, numbered choices, typed words),
the steps of multi-step dialogues (typed answers, locations, photos, and the options a step
offers as numbers), and locations no step asked for.

Flows register themselves with `install(router)`; conversation.py holds the list."""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.domain.dialogues import D, Dialogue
from bot.domain.errors import DomainError
from wechat_adapter.conversation.actions import Action
from wechat_adapter.conversation.screens import Choice, Screen
from wechat_adapter.conversation.turn import Turn

ActionHandler = Callable[[Turn, Action], Awaitable[Screen | None]]
StepHandler = Callable[[Turn, Dialogue[D]], Awaitable[Screen | None]]
OptionsOf = Callable[[Turn, Dialogue[D]], Awaitable[Sequence[Choice]]]
LocationHandler = Callable[[Turn], Awaitable[Screen | None]]
# Shows the card (of an activity, a wish) a person was acting on when they had to register.
Resume = Callable[[Turn, int], Awaitable[Screen]]


@dataclass
class Step:
    """What one step of a dialogue takes: a typed answer (`take`; also a location or a photo
    if it says so) and/or options picked by number."""

    take: StepHandler[Any] | None = None
    options: OptionsOf[Any] | None = None
    location: bool = False
    photo: bool = False
    ends_on: tuple[type[DomainError], ...] = ()


def normalised(text: str) -> str:
    """A typed word as the router compares it: NFKC (full-width to half-width), trimmed,
    lower case, without a leading slash (a Telegram habit: "/checkin" works too)."""
    return unicodedata.normalize("NFKC", text).strip().lower().removeprefix("/")


@dataclass
class Router:
    actions: dict[str, ActionHandler] = field(default_factory=dict)
    words: dict[str, Action] = field(default_factory=dict)
    steps: dict[tuple[str, str], Step] = field(default_factory=dict)
    locations: list[LocationHandler] = field(default_factory=list)
    # By the card's kind ("activity"): what registration brings the person back to.
    resumes: dict[str, Resume] = field(default_factory=dict)

    def action(self, verb: str, *words: str) -> Callable[[ActionHandler], ActionHandler]:
        """Register the handler of `verb` (a menu key, an option's verb); typing one of
        `words` (either language) asks for it too."""
        Action(verb)  # a valid verb, or ValueError at import

        def register(handler: ActionHandler) -> ActionHandler:
            if verb in self.actions:
                raise ValueError(f"the action {verb!r} is handled twice")
            self.actions[verb] = handler
            for word in (verb, *words):
                self.word(word, Action(verb))
            return handler

        return register

    def word(self, word: str, action: Action) -> None:
        key = normalised(word)
        if self.words.get(key, action) != action:
            raise ValueError(f"the word {word!r} already stands for {self.words[key]}")
        self.words[key] = action

    def _step(self, model: type[D], step: str) -> Step:
        if step not in model.needs:
            raise ValueError(f"the {model.flow} dialogue has no step {step!r}")
        return self.steps.setdefault((model.flow, step), Step())

    def step(
        self,
        model: type[D],
        step: str,
        *,
        location: bool = False,
        photo: bool = False,
        ends_on: tuple[type[DomainError], ...] = (),
    ) -> Callable[[StepHandler[D]], StepHandler[D]]:
        """Register what takes a typed answer at this step of `model`'s flow (or a location,
        a photo). A refusal of a kind in `ends_on` also ends the dialogue."""
        entry = self._step(model, step)

        def register(handler: StepHandler[D]) -> StepHandler[D]:
            entry.take, entry.location, entry.photo, entry.ends_on = (
                handler,
                location,
                photo,
                ends_on,
            )
            return handler

        return register

    def options(self, model: type[D], step: str) -> Callable[[OptionsOf[D]], OptionsOf[D]]:
        """Register the options this step shows: the same function numbers them when shown
        and reads a typed number back, so the two cannot disagree."""
        entry = self._step(model, step)

        def register(options: OptionsOf[D]) -> OptionsOf[D]:
            entry.options = options
            return options

        return register

    def location(self, handler: LocationHandler) -> LocationHandler:
        """Register a handler offered a location no step asked for; it answers None if the
        location is not for it."""
        self.locations.append(handler)
        return handler

    def typed(self, text: str) -> Action | None:
        return self.words.get(normalised(text))
