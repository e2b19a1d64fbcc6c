"""Files the weekly and monthly posts carry (a chart, a picture, a CSV), written into the files
folder, and the post that carries a picture: a photo with its caption, or the caption alone
when the picture could not be made (a post is never lost to a drawing that failed)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.outbox.models import OutgoingMessage, Priority

log = logging.getLogger(__name__)


def save(path: Path, data: bytes) -> None:
    """Write a file into the files folder (blocking: run it in a worker thread)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


async def saved_picture(path: Path, draw: Callable[[], Awaitable[bytes]], what: str) -> Path | None:
    """The picture `draw` makes, written to `path` off the event loop; None when it could not
    be made (logged as `what`), so that the post goes out as text."""
    try:
        picture = await draw()
        await asyncio.to_thread(save, path, picture)
    except Exception:
        log.exception("%s failed; sending text", what)
        return None
    return path


def picture_post(chat_id: int, kind: str, caption: str, picture: Path | None) -> OutgoingMessage:
    """A weekly or monthly post: the picture with its caption, or the caption alone."""
    return OutgoingMessage(
        chat_id,
        kind,
        caption,
        Priority.DIGEST,
        file_path=str(picture) if picture else None,
        file_kind="photo" if picture else None,
    )
