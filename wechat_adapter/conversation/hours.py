"""Hours and stars (时长), the service-record certificate (证明), and checking anyone's
certificate by its code (验证, as /verify CODE on Telegram).

WeChat's customer-service messages carry pictures, not documents: the certificate's first page
goes as an image, and the PDF itself as a signed link valid LINK_LIFETIME (when the endpoint's
public address is configured, `wechat.public_url`)."""

from __future__ import annotations

import asyncio
import logging

from bot.domain.dialogues import Dialogue, VerifyData
from bot.outbox.errors import DeliveryError
from bot.services.certificate_image import first_page_jpeg
from bot.services.certificate_pdf import render_pdf
from bot.views.hours import category_names, hours_text
from wechat_adapter.conversation import actions
from wechat_adapter.conversation.actions import Action
from wechat_adapter.conversation.router import Router
from wechat_adapter.conversation.screens import Choice, Screen
from wechat_adapter.conversation.turn import Turn
from wechat_adapter.downloads import LINK_LIFETIME

log = logging.getLogger(__name__)

LINK_HOURS = int(LINK_LIFETIME.total_seconds() // 3600)
VERIFY = "verify"


async def team_names(turn: Turn) -> dict[str, str]:
    return {team.key: team.name(turn.t.language) for team in await turn.services.teams.all()}


async def hours(turn: Turn, action: Action) -> Screen:
    """Approved and pending hours this year and in all, the stars, by category and team."""
    summary, level = await turn.services.records.summary(turn.user_id)
    categories = category_names(turn.t, turn.config.activities.categories)
    text = hours_text(turn.t, summary, level, categories, await team_names(turn))
    return Screen(text, (Choice(turn.t("button.certificate"), Action(actions.CERTIFICATE)),))


async def certificate(turn: Turn, action: Action) -> Screen:
    """The certificate of my approved hours: its first page as a picture, then its code, and
    a link to the whole PDF."""
    t = turn.t
    issued = await turn.services.certificates.issue_certificate(
        turn.user_id, await team_names(turn)
    )
    hint = t("wechat.certificate.verify_hint", code=issued.code, org=turn.config.org.name)
    # Rendering takes a noticeable moment for long records: off the event loop.
    pdf = await asyncio.to_thread(render_pdf, issued, t, hint)
    picture, pages = await asyncio.to_thread(first_page_jpeg, pdf)
    lines = [t("certificate.caption", hours=t.hours(issued.total_minutes), code=issued.code)]
    try:
        media_id = await turn.media.upload_image_content(f"certificate-{issued.code}.jpg", picture)
        await turn.media.send_image(turn.openid, media_id)
        if pages > 1:
            lines.append(t("wechat.certificate.first_page", pages=pages))
    except DeliveryError as error:
        log.warning("a certificate's picture was not sent on WeChat: %s", error)
        lines.append(t("wechat.certificate.no_picture"))
    if turn.downloads is not None and turn.downloads.enabled:
        name = f"certificate-{issued.code}.pdf"
        link = turn.downloads.offer(turn.user_id, name, pdf, "application/pdf")
        lines.append(t("wechat.certificate.link", link=link, hours=LINK_HOURS))
    return Screen("\n".join(lines))


async def verify(turn: Turn, action: Action) -> Screen:
    """Anyone may check a certificate: its code is asked for."""
    await turn.services.dialogues.begin(turn.user_id, VerifyData(), "code")
    return Screen(turn.t("wechat.verify.ask_code"))


async def verify_code(turn: Turn, dialogue: Dialogue[VerifyData]) -> Screen:
    """The holder, total and date of issue of the certificate with the code typed (an unknown
    code is refused and may be typed again)."""
    t = turn.t
    holder, total, count, issued = await turn.services.certificates.verify(turn.message.text)
    await turn.services.dialogues.end(turn.user_id)
    return Screen(
        t(
            "certificate.verified",
            holder=holder or t("certificate.holder_erased"),
            hours=t.hours(total),
            count=count,
            day=t.day(issued),
        )
    )


def install(router: Router) -> None:
    router.action(actions.HOURS, "时长", "我的时长", "服务时长", "星级", "stars", "my hours")(hours)
    router.action(actions.CERTIFICATE, "证明", "证书", "服务证明", "开具证明", "cert")(certificate)
    router.action(VERIFY, "验证", "核验", "验证证明", "核验证明")(verify)
    router.step(VerifyData, "code")(verify_code)
