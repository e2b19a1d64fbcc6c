"""Micro-wishes (心愿) on WeChat: the wall of open wishes a page at a time, a wish's card,
claiming and giving back, a person's own claims, and reporting a delivery: a photo (required:
an image message, downloaded through WeChat's media API and kept, since WeChat keeps it three
days), a note, then the time it took. Deciding deliveries stays with the leads on Telegram."""

from __future__ import annotations

from bot.domain.dialogues import Dialogue, WishDeliveryData, entered
from bot.domain.hours import parse_minutes
from bot.domain.wishes import NotClaimer, PhotoNeeded, UnknownWish, WishPastDeadline, parse_note
from bot.outbox.errors import DeliveryError
from bot.services.photos import NotAPhoto
from bot.views.hours import amount_text
from bot.views.wishes import mine_text, wall_header, wall_line, wish_text
from wechat_adapter.conversation import actions
from wechat_adapter.conversation.actions import Action
from wechat_adapter.conversation.hours import team_names
from wechat_adapter.conversation.router import Router
from wechat_adapter.conversation.screens import MAX_CHOICES, Choice, Screen
from wechat_adapter.conversation.turn import Turn

PER_PAGE = 5  # with previous, next and "my wishes": 8 options
WISH = "wish"
CLAIM = "wish_claim"
RELEASE = "wish_release"
DELIVER = "wish_deliver"
MINE = "my_wishes"
# Refusals no retyping can help with: the report ends.
DELIVERY_ENDS = (NotClaimer, UnknownWish, WishPastDeadline)


def _to_wall(turn: Turn) -> Choice:
    return Choice(turn.t("button.wish_wall"), Action(actions.WISHES))


async def wall(turn: Turn, action: Action) -> Screen:
    """Open wishes, newest first, PER_PAGE a page; each opens with its number."""
    t = turn.t
    found = await turn.services.wish_board.wall(action.number or 0, PER_PAGE, None, None)
    mine = Choice(t("button.my_wishes"), Action(MINE))
    if not found.wishes:
        return Screen(t("wish.wall_empty"), (mine,))
    # Numbered from 1 on every page, as the options under it are.
    lines = [wall_header(t, found.total, found.number, found.count)]
    lines += [wall_line(t, n, wish) for n, wish in enumerate(found.wishes, start=1)]
    choices = [Choice(wish.title, Action(WISH, str(wish.id))) for wish in found.wishes]
    if found.number > 0:
        choices.append(Choice(t("button.previous"), Action(actions.WISHES, str(found.number - 1))))
    if found.number + 1 < found.count:
        choices.append(Choice(t("button.next"), Action(actions.WISHES, str(found.number + 1))))
    choices.append(mine)
    return Screen("\n".join(lines), tuple(choices))


async def card(turn: Turn, wish_id: int) -> Screen:
    """The wish as this reader may see it, with what they may do with it."""
    view = await turn.services.wishes.view(await turn.services.roles.actor(turn.user_id), wish_id)
    t, arg = turn.t, str(wish_id)
    choices: list[Choice] = []
    if view.may.claim:
        choices.append(Choice(t("button.claim_wish"), Action(CLAIM, arg)))
    if view.may.deliver:
        choices.append(Choice(t("button.deliver_wish"), Action(DELIVER, arg)))
    if view.may.release:
        choices.append(Choice(t("button.release_wish"), Action(RELEASE, arg)))
    choices.append(_to_wall(turn))
    return Screen(wish_text(t, view, await team_names(turn)), tuple(choices))


def _wish_id(action: Action) -> int:
    """The wish an option names (a client can send any id: a bad one is an unknown wish)."""
    if action.number is None:
        raise UnknownWish()
    return action.number


async def open_wish(turn: Turn, action: Action) -> Screen:
    return await card(turn, _wish_id(action))


async def claim(turn: Turn, action: Action) -> Screen:
    wish = await turn.services.wishes.claim(turn.user_id, _wish_id(action))
    shown = await card(turn, wish.id)
    return shown.after(turn.say("wish.claimed", title=wish.title, day=turn.t.day(wish.deadline)))


async def release(turn: Turn, action: Action) -> Screen:
    wish = await turn.services.wishes.release(turn.user_id, _wish_id(action))
    shown = await card(turn, wish.id)
    return shown.after(turn.t("wish.released", title=wish.title))


async def mine(turn: Turn, action: Action) -> Screen:
    """My claims not yet confirmed (each opens with its number); for leads, the deliveries of
    their teams waiting for their word (decided on Telegram)."""
    found = await turn.services.wishes.mine(await turn.services.roles.actor(turn.user_id))
    claims = found.claims[: MAX_CHOICES - 1]
    choices = [Choice(wish.title, Action(WISH, str(wish.id))) for wish in claims]
    return Screen(mine_text(turn.t, found), (*choices, _to_wall(turn)))


async def deliver(turn: Turn, action: Action) -> Screen:
    """Begin the claimer's delivery report: the photo first."""
    actor = await turn.services.roles.actor(turn.user_id)
    wish = await turn.services.wishes.deliverable(actor, _wish_id(action))
    await turn.services.dialogues.begin(turn.user_id, WishDeliveryData(wish_id=wish.id), "photo")
    return Screen(turn.say("wish.ask_delivery_photo", title=wish.title))


async def delivery_photo(turn: Turn, dialogue: Dialogue[WishDeliveryData]) -> Screen:
    """The photo, as an image message: fetched from WeChat and kept."""
    message = turn.message
    if message.kind != "image" or not message.media_id:
        raise PhotoNeeded()
    actor = await turn.services.roles.actor(turn.user_id)
    await turn.services.wishes.deliverable(actor, dialogue.data.wish_id)
    try:
        content = await turn.media.download_media(message.media_id)
        dialogue.data.photo = await turn.services.photos.keep(turn.user_id, content)
    except (DeliveryError, NotAPhoto):
        return Screen(turn.t("wechat.wish.photo_failed"))
    dialogue.step = "note"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    return Screen(turn.t("wish.ask_delivery_note"))


async def delivery_note(turn: Turn, dialogue: Dialogue[WishDeliveryData]) -> Screen:
    dialogue.data.note = parse_note(turn.message.text)
    dialogue.step = "minutes"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    config = turn.services.wishes.config
    return Screen(
        turn.t(
            "wechat.wish.ask_minutes",
            default=amount_text(turn.t, config.default_minutes),
            max=amount_text(turn.t, config.max_minutes),
        )
    )


async def delivery_minutes(turn: Turn, dialogue: Dialogue[WishDeliveryData]) -> Screen:
    """The time it took (typed: a bare number is hours, as on Telegram); the report goes."""
    wishes = turn.services.wishes
    minutes = wishes.minutes_allowed(parse_minutes(turn.message.text, wishes.config.max_minutes))
    data = dialogue.data
    actor = await turn.services.roles.actor(turn.user_id)
    wish = await wishes.deliver(
        actor, data.wish_id, entered(data.photo), entered(data.note), minutes
    )
    await turn.services.dialogues.end(turn.user_id)
    return Screen(turn.t("wish.delivered", title=wish.title, amount=amount_text(turn.t, minutes)))


def install(router: Router) -> None:
    router.action(actions.WISHES, "心愿", "微心愿", "心愿墙", "wish wall")(wall)
    router.action(WISH)(open_wish)
    router.action(CLAIM)(claim)
    router.action(RELEASE)(release)
    router.action(MINE, "我的心愿", "my wishes")(mine)
    router.action(DELIVER)(deliver)
    router.step(WishDeliveryData, "photo", photo=True, ends_on=DELIVERY_ENDS)(delivery_photo)
    router.step(WishDeliveryData, "note", ends_on=DELIVERY_ENDS)(delivery_note)
    router.step(WishDeliveryData, "minutes", ends_on=DELIVERY_ENDS)(delivery_minutes)
