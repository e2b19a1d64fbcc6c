"""Photos the bot keeps itself, for a channel that cannot hand them back later by an id: a
wish's delivery photo sent on WeChat (its media lasts three days there) is downloaded and kept
here, and the wish stores the photo's reference where a Telegram photo stores its file_id.

A reference reads "kept:u<user id>-<random>.jpg", a file in the files folder's `photos/`
(which the retention sweep of the files folder leaves alone: a photo lives as long as the
wish that shows it). Each file is named after the person who sent it, so erasing their data
deletes every photo they sent, including those no wish points at any more (a delivery sent
back and reported again)."""

from __future__ import annotations

import asyncio
import re
import secrets
from pathlib import Path

PREFIX = "kept:"
SUBFOLDER = "photos"
MAX_BYTES = 10 * 1024 * 1024
_REFERENCE = re.compile(r"^kept:(u[0-9]{1,20}-[A-Za-z0-9_-]{16,40}\.(?:jpg|png))$")
_SUFFIXES = {b"\xff\xd8\xff": ".jpg", b"\x89PNG": ".png"}


def is_kept(reference: str | None) -> bool:
    """Whether a stored photo reference is one of these (else: a Telegram file_id)."""
    return reference is not None and _REFERENCE.match(reference) is not None


def photos_folder(files: Path) -> Path:
    return files / SUBFOLDER


def photos_of(files: Path, user_id: int) -> list[Path]:
    """Every photo kept from this person (for erasure)."""
    folder = photos_folder(files)
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"u{user_id}-*"))


class NotAPhoto(ValueError):
    """Bytes that are neither JPEG nor PNG, or too many of them."""


class KeptPhotos:
    def __init__(self, files: Path) -> None:
        self._folder = photos_folder(files)

    async def keep(self, user_id: int, content: bytes) -> str:
        """Write the photo; its reference."""
        suffix = next((s for magic, s in _SUFFIXES.items() if content.startswith(magic)), None)
        if suffix is None or len(content) > MAX_BYTES:
            raise NotAPhoto("not a JPEG or PNG photo of at most 10 MB")
        name = f"u{user_id}-{secrets.token_urlsafe(18)}{suffix}"
        await asyncio.to_thread(self._write, name, content)
        return PREFIX + name

    def _write(self, name: str, content: bytes) -> None:
        self._folder.mkdir(parents=True, exist_ok=True)
        partial = self._folder / f".{name}.part"
        partial.write_bytes(content)
        partial.replace(self._folder / name)

    async def read(self, reference: str) -> bytes | None:
        """The photo's bytes; None if the reference is not one of these or its file is gone."""
        match = _REFERENCE.match(reference)
        if match is None:
            return None
        path = self._folder / match.group(1)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None
