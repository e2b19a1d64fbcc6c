"""The WeChat conversation: the endpoint's InboundHandler. Resolves the person, routes their
message (a menu click, a msgmenu option, a typed number or word, a step's answer, a location)
to a flow, and turns the flow's Screen into WeChat messages."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Protocol

from bot.config import Config
from bot.domain.dialogues import ChoicesData, Dialogue, DialogueData
from bot.domain.errors import DialogueLost, DomainError
from bot.i18n import Catalogs
from bot.outbox.errors import DeliveryError
from bot.services import Services
from wechat_adapter.conversation.actions import HELP, Action
from wechat_adapter.conversation.positions import DevicePositions, Position
from wechat_adapter.conversation.router import Router, Step, normalised
from wechat_adapter.conversation.screens import Screen, as_menu, as_text
from wechat_adapter.conversation.turn import Media, Turn
from wechat_adapter.downloads import Downloads
from wechat_adapter.messages import InboundMessage, MenuReply, Reply, TextReply, split_text

log = logging.getLogger(__name__)

NUMBER = re.compile(r"[0-9]{1,2}")
CANCEL_WORDS = frozenset({"cancel", "取消", "退出"})
# Events that say nothing to answer: following is greeted, the rest are notices.
SILENT_EVENTS = frozenset({"unsubscribe", "view", "view_miniprogram", "templatesendjobfinish"})


class People(Protocol):
    async def wechat_user(self, openid: str, language_hint: str | None) -> int:
        """The user id an openid stands for (created on first contact)."""
        ...


class Sender(Media, Protocol):
    async def send_text(self, openid: str, text: str) -> None: ...

    async def send_menu(self, openid: str, menu: MenuReply) -> None: ...


class WeChatConversation:
    def __init__(
        self,
        services: Services,
        sender: Sender,
        config: Config,
        catalogs: Catalogs,
        router: Router,
        people: People,
    ) -> None:
        self._services = services
        self._sender = sender
        self._config = config
        self._catalogs = catalogs
        self._router = router
        self._people = people
        self.positions = DevicePositions()
        self._downloads: Downloads | None = None

    def take_downloads(self, downloads: Downloads) -> None:
        """The download links the channel's endpoint serves (downloads.TakesDownloads)."""
        self._downloads = downloads

    async def handle(self, message: InboundMessage) -> Reply | None:
        if message.kind == "event" and message.event == "location":
            # Sent on its own when the person opens the chat: remembered, not answered (and
            # not a message from them: it does not open WeChat's 48-hour window).
            if message.latitude is not None and message.longitude is not None:
                position = Position(message.latitude, message.longitude, message.created)
                self.positions.report(message.openid, position)
            return None
        if message.kind == "event" and message.event in SILENT_EVENTS:
            return None
        user_id = await self._people.wechat_user(message.openid, None)
        language = await self._services.accounts.language_of(user_id)
        turn = Turn(
            user_id,
            self._catalogs.translator(language),
            self._services,
            self._config,
            message,
            self.positions,
            self._sender,
            self._catalogs,
            self._downloads,
        )
        try:
            shown = await self._route(turn)
        except DomainError as error:
            shown = turn.refusal(error)
        return await self._answer(turn, shown)

    # -- routing --------------------------------------------------------------------------

    async def _route(self, turn: Turn) -> Screen | None:
        message = turn.message
        # A location_select button sends the point picked on its map as an event.
        located = message.kind == "location" or message.event == "location_select"
        if message.kind == "event" and not located:
            if message.event == "subscribe":
                return await self._act(turn, Action(HELP))
            if message.event in ("click", "scancode_push", "scancode_waitmsg"):
                return await self._entry(turn, Action.parse(message.event_key))
            return None
        if message.menu_choice:  # a msgmenu option: its id is the action
            return await self._act(turn, Action.parse(message.menu_choice))
        dialogue = await turn.services.dialogues.current(turn.user_id)
        step = self._step_of(dialogue)
        if message.kind in ("text", "voice") and message.text:
            return await self._typed(turn, dialogue, step, message.text)
        if located:
            if dialogue is not None and step is not None and step.location:
                return await self._take(turn, dialogue, step)
            for offer in self._router.locations:
                shown = await offer(turn)
                if shown is not None:
                    return shown
        if message.kind == "image" and dialogue is not None and step is not None and step.photo:
            return await self._take(turn, dialogue, step)
        if dialogue is not None and step is not None:
            return Screen(turn.say("dialogue.send_text"))
        return Screen(turn.say("fallback.unknown"))

    def _step_of(self, dialogue: Dialogue[DialogueData] | None) -> Step | None:
        if dialogue is None or isinstance(dialogue.data, ChoicesData):
            return None
        return self._router.steps.get((dialogue.flow, dialogue.step))

    async def _typed(
        self,
        turn: Turn,
        dialogue: Dialogue[DialogueData] | None,
        step: Step | None,
        text: str,
    ) -> Screen | None:
        word = normalised(text)
        if word in CANCEL_WORDS:
            left = await turn.services.dialogues.end(turn.user_id)
            if left and step is not None:
                return Screen(turn.say("cancel.done"))
            return Screen(turn.say("cancel.nothing"))
        if NUMBER.fullmatch(word):
            options = await self._numbered(turn, dialogue, step)
            if options is not None:
                number = int(word)
                if not 1 <= number <= len(options):
                    return Screen(turn.say("wechat.no_such_number", count=len(options)))
                return await self._act(turn, Action.parse(options[number - 1]))
        action = self._router.typed(text)
        commanded = text.strip().startswith(("/", "／"))
        if action is not None and (step is None or commanded):
            return await self._entry(turn, action)
        if dialogue is not None and step is not None:
            if step.take is not None:
                return await self._take(turn, dialogue, step)
            return Screen(turn.say("wechat.dialogue.pick_number"))
        if action is not None:
            return await self._entry(turn, action)
        return Screen(turn.say("fallback.unknown"))

    async def _numbered(
        self, turn: Turn, dialogue: Dialogue[DialogueData] | None, step: Step | None
    ) -> Sequence[str] | None:
        """The actions the numbers last shown stand for; None where numbers mean nothing
        (a step that takes typed answers)."""
        if dialogue is not None and isinstance(dialogue.data, ChoicesData):
            return dialogue.data.options
        if dialogue is not None and step is not None and step.options is not None:
            return [choice.action.encode() for choice in await step.options(turn, dialogue)]
        return None

    async def _take(
        self, turn: Turn, dialogue: Dialogue[DialogueData], step: Step
    ) -> Screen | None:
        assert step.take is not None
        try:
            return await step.take(turn, dialogue)
        except DomainError as error:
            if isinstance(error, (DialogueLost, *step.ends_on)):
                await turn.services.dialogues.end(turn.user_id)
            raise

    async def _entry(self, turn: Turn, action: Action | None) -> Screen | None:
        """A menu button or a typed word: it leaves whatever dialogue was under way."""
        if action is not None and action.verb in self._router.actions:
            try:
                dialogue = await turn.services.dialogues.current(turn.user_id)
            except DialogueLost:
                dialogue = None
            if dialogue is not None and not isinstance(dialogue.data, ChoicesData):
                await turn.services.dialogues.end(turn.user_id)
        return await self._act(turn, action)

    async def _act(self, turn: Turn, action: Action | None) -> Screen | None:
        handler = self._router.actions.get(action.verb) if action is not None else None
        if action is None or handler is None:
            return Screen(turn.say("wechat.expired"))
        return await handler(turn, action)

    # -- answering ------------------------------------------------------------------------

    async def _answer(self, turn: Turn, shown: Screen | None) -> Reply | None:
        """A screen without choices is the passive reply (long ones split, the first pieces
        sent ahead); one with choices goes as a msgmenu, its numbers remembered, or as
        numbered text if WeChat refuses the msgmenu."""
        if shown is None:
            return None
        if not shown.choices:
            return await self._text(turn, shown.text)
        await self._remember(turn, shown)
        *ahead, last = split_text(shown.text)
        for piece in ahead:
            await self._send_ahead(turn, piece)
        try:
            await self._sender.send_menu(turn.openid, as_menu(turn.t, Screen(last, shown.choices)))
        except DeliveryError as error:
            log.info("msgmenu refused (%s): sent as numbered text", error)
            return await self._text(turn, as_text(turn.t, Screen(last, shown.choices)))
        return None

    async def _text(self, turn: Turn, text: str) -> TextReply:
        *ahead, last = split_text(text)
        for piece in ahead:
            await self._send_ahead(turn, piece)
        return TextReply(last)

    async def _send_ahead(self, turn: Turn, piece: str) -> None:
        try:
            await self._sender.send_text(turn.openid, piece)
        except DeliveryError as error:
            log.warning("part of a long WeChat answer was not delivered: %s", error)

    async def _remember(self, turn: Turn, shown: Screen) -> None:
        """The numbers shown, kept for the person, unless a dialogue step is under way (its
        options are its own, and numbered by its step)."""
        try:
            dialogue = await turn.services.dialogues.current(turn.user_id)
        except DialogueLost:
            dialogue = None
        if dialogue is not None and not isinstance(dialogue.data, ChoicesData):
            return
        options = [choice.action.encode() for choice in shown.choices]
        await turn.services.dialogues.begin(turn.user_id, ChoicesData(options=options), "shown")
