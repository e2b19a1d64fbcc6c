"""What every handler does first (who is this, which language) and how replies are sent."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Coroutine, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)

from bot.buttons import ButtonData
from bot.config import CategoryConfig
from bot.domain.errors import DomainError
from bot.domain.models import Actor, Team, Volunteer
from bot.domain.paging import Page, page_of
from bot.i18n import Translator
from bot.services import Services
from bot.views.hours import amount_text as views_amount_text
from bot.views.hours import category_names
from telegram_adapter.context import AppContext, Rendered

MAX_TEXT = 4096
RENDERED_KEPT = 512
TEAMS_PER_PAGE = 8
T = TypeVar("T")
K = TypeVar("K", bound=ButtonData)
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


@dataclass(frozen=True)
class Turn:
    """One incoming update, resolved: who sent it, where to answer, in which language."""

    user_id: int
    chat_id: int
    private: bool
    t: Translator
    services: Services
    message: Message | None
    query: CallbackQuery | None
    categories: tuple[CategoryConfig, ...] = ()
    # Lists rendered before, shared by every turn (see Runtime.rendered).
    rendered: dict[Hashable, tuple[Hashable, Rendered]] = field(default_factory=dict)

    async def actor(self) -> Actor:
        return await self.services.roles.actor(self.user_id)

    def remembered(
        self, key: Hashable, inputs: Hashable, render: Callable[[], Rendered]
    ) -> Rendered:
        """What `render` gives, kept under `key` while `inputs` (everything it is rendered
        from) stay equal: the same list page is asked for again and again with nothing
        changed. At most RENDERED_KEPT are kept, then all are dropped."""
        memo = self.rendered.get(key)
        if memo is not None and memo[0] == inputs:
            return memo[1]
        rendered = render()
        if len(self.rendered) >= RENDERED_KEPT:
            self.rendered.clear()
        self.rendered[key] = (inputs, rendered)
        return rendered

    def category_names(self) -> dict[str, str]:
        """Category keys to names in this person's language (hours added by an admin have
        a category of their own)."""
        return category_names(self.t, self.categories)

    async def volunteer(self) -> Volunteer | None:
        return await self.services.registration.volunteer(self.user_id)


async def turn_of(update: Update, context: AppContext) -> Turn:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        raise ValueError("only updates with a user and a chat reach the handlers")
    runtime = context.runtime
    # A Telegram account linked to a person who came through WeChat first stands for them.
    user_id = await runtime.services.identities.telegram_user(user.id)
    account = await runtime.services.accounts.seen(user_id, user.language_code)
    await runtime.services.identities.seen_on_telegram(user_id)
    language = runtime.services.accounts.resolve(account)
    return Turn(
        user_id=user_id,
        chat_id=chat.id,
        private=chat.type == chat.PRIVATE,
        t=runtime.catalogs.translator(language),
        services=runtime.services,
        message=update.effective_message,
        query=update.callback_query,
        categories=tuple(runtime.config.activities.categories),
        rendered=runtime.rendered,
    )


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split a long text into pieces of at most `limit` characters, at line breaks if possible."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces


async def reply(context: AppContext, turn: Turn, text: str, markup: Markup = None) -> None:
    """Send a reply to the turn's chat; long texts are split and the markup goes on the last."""
    pieces = split_text(text)
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        await context.bot.send_message(turn.chat_id, piece, reply_markup=markup if last else None)


async def reply_error(context: AppContext, turn: Turn, error: DomainError) -> None:
    """Explain a refused request; a button press also gets the explanation as a toast."""
    params = {name: turn.t.value(value) for name, value in error.params.items()}
    text = turn.t(error.key, **params)
    if turn.query is not None:
        await turn.query.answer(text[:200], show_alert=False)
        if not turn.private:
            return  # in a group the toast tells the presser; the group need not read it
    await reply(context, turn, text)


Choice = tuple[str, ButtonData]  # a button: its label and what pressing it sends


def page_buttons(turn: Turn, page: Page[T], to_page: Callable[[int], ButtonData]) -> list[Choice]:
    """The previous/next row under a paged list; `to_page(n)` is the button of page n."""
    row: list[Choice] = []
    if page.has_previous:
        row.append((turn.t("button.previous"), to_page(page.number - 1)))
    if page.has_next:
        row.append((turn.t("button.next"), to_page(page.number + 1)))
    return row


def team_picker(
    turn: Turn,
    teams: Sequence[Team],
    number: int,
    choose: Callable[[str], ButtonData],
    to_page: Callable[[int], ButtonData],
) -> InlineKeyboardMarkup:
    """One page of teams to pick from (Telegram refuses keyboards over 100 buttons): a button
    per team, `choose(key)`, and the previous/next row, `to_page(n)`."""
    page = page_of(list(teams), number, TEAMS_PER_PAGE)
    rows: list[list[Choice]] = [
        [(team.name(turn.t.language), choose(team.key))] for team in page.items
    ]
    rows.append(page_buttons(turn, page, to_page))
    return buttons(rows)


def pressed(turn: Turn, kind: type[K]) -> K | None:
    """The button pressed, read as `kind`; None if its data is stale, garbled or forged."""
    assert turn.query is not None
    return kind.parse(turn.query.data)


def small_number(text: str) -> int | None:
    """An id from a deep link (clients can forge it): ASCII digits, bounded."""
    return int(text) if re.fullmatch(r"[0-9]{1,9}", text) else None


def buttons(rows: Sequence[Sequence[Choice]]) -> InlineKeyboardMarkup:
    """An inline keyboard from rows of (label, button data)."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=data.build()) for label, data in row]
            for row in rows
            if row
        ]
    )


async def answer_expired(turn: Turn) -> None:
    if turn.query is not None:
        await turn.query.answer(turn.t("button.expired"), show_alert=False)


def capped(turn: Turn, names: Sequence[str], limit: int) -> str:
    """The first `limit` names and how many more, so that lists stay within a message."""
    shown = list(names[:limit])
    if len(names) > limit:
        shown.append(turn.t("list.more", count=len(names) - limit))
    return turn.t.join(shown)


def profile_summary(turn: Turn, volunteer: Volunteer, team_names: dict[str, str]) -> str:
    if not volunteer.phone:
        phone = turn.t("phone.none")
    else:
        verified = turn.t("phone.verified") if volunteer.phone_verified else None
        phone = f"{volunteer.phone} {verified or turn.t('phone.unverified')}"
    return turn.t(
        "profile.summary",
        name=volunteer.name,
        phone=phone,
        teams=capped(turn, [team_names.get(key, key) for key in volunteer.team_keys], 10),
        registered=turn.t.datetime(volunteer.registered_at),
    )


async def team_names(turn: Turn) -> dict[str, str]:
    return {team.key: team.name(turn.t.language) for team in await turn.services.teams.all()}


KeyboardPage = Callable[[Turn, int], Awaitable[InlineKeyboardMarkup | None]]


class PageButton(Protocol):
    @property
    def page(self) -> int: ...


def keyboard_pager(
    parse: Callable[[str | None], PageButton | None], render: KeyboardPage
) -> Callable[[Update, AppContext], Coroutine[Any, Any, None]]:
    """A button handler that replaces a message's keyboard with the page the button names
    (`parse` reads it, e.g. `TeamsPage.parse`); `render` checks the presser's rights (a
    DomainError is shown as a refusal)."""

    async def on_page(update: Update, context: AppContext) -> None:
        turn = await turn_of(update, context)
        assert turn.query is not None
        press = parse(turn.query.data)
        if press is None:
            await answer_expired(turn)
            return
        try:
            markup = await render(turn, press.page)
        except DomainError as error:
            await reply_error(context, turn, error)
            return
        await turn.query.answer()
        await turn.query.edit_message_reply_markup(markup)

    return on_page


def hours_text(turn: Turn, minutes: int) -> str:
    """Minutes as hours by the one rule (Translator.hours)."""
    return turn.t.hours(minutes)


def amount_text(turn: Turn, minutes: int) -> str:
    """A length in hours and minutes, as the reader says it: "2 h 30 min", "2小时30分钟"."""
    return views_amount_text(turn.t, minutes)
