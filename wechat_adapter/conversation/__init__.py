"""The WeChat conversation: volunteers' flows over the same services and catalogs as on
Telegram, reached by typed words, the custom menu and msgmenu choices.

`conversation.py` routes and renders; each flow module registers what it answers with
`install(router)`, and FLOWS lists them. A new flow: a module with `install`, added here."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Config
from bot.i18n import Catalogs
from bot.services import Services
from wechat_adapter.api import WeChatApi
from wechat_adapter.conversation import (
    activities,
    boards,
    checkin,
    home,
    hours,
    register,
    settings,
    wishes,
)
from wechat_adapter.conversation.conversation import WeChatConversation
from wechat_adapter.conversation.router import Router
from wechat_adapter.messages import InboundHandler

FLOWS = (home, register, activities, checkin, hours, wishes, boards, settings)


def build_router() -> Router:
    router = Router()
    for flow in FLOWS:
        flow.install(router)
    return router


def conversation_factory(
    config: Config, catalogs: Catalogs | None = None, router: Router | None = None
) -> Callable[[Services, WeChatApi], InboundHandler]:
    """What build_application takes as `wechat_conversation`: the conversation, once the
    services and the WeChat API exist (with FLOWS, unless a test brings its own router)."""
    shared = catalogs or Catalogs(config.org.zone)
    routes = router or build_router()

    def build(services: Services, api: WeChatApi) -> InboundHandler:
        return WeChatConversation(services, api, config, shared, routes, services.identities)

    return build


__all__ = ["FLOWS", "WeChatConversation", "build_router", "conversation_factory"]
