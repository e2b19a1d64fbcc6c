"""Buttons on queued notices become msgmenu options the WeChat conversation answers: the
reminder's "can't come", an announcement's sign-up, a wish notice's wish, a record notice's
hours; a lead's sheet or a household has no WeChat action and is left out."""

from __future__ import annotations

from bot.buttons import HouseholdsMine, RecordOpen, Sheet, SignUp, SignUpCancel, WishOpen
from wechat_adapter.conversation import build_router
from wechat_adapter.conversation.actions import Action
from wechat_adapter.conversation.notices import notice_option


def test_each_notice_button_maps_to_an_action_the_conversation_handles() -> None:
    router = build_router()
    expected = {
        SignUpCancel(17).build(): "withdraw:17",
        SignUp(18).build(): "signup:18",
        WishOpen(19).build(): "wish:19",
        RecordOpen(20).build(): "hours",
    }
    for data, option in expected.items():
        assert notice_option(data) == option
        action = Action.parse(option)
        assert action is not None and action.verb in router.actions, option


def test_buttons_wechat_does_not_offer_are_left_out() -> None:
    assert notice_option(Sheet(5).build()) is None
    assert notice_option(HouseholdsMine().build()) is None
    assert notice_option("garbled") is None
