"""Photos the bot keeps itself (a wish's delivery photo sent on WeChat): written and read
back by their reference, nothing else read through one, and every photo a person sent deleted
when they erase their data."""

from __future__ import annotations

from typing import Any

import pytest

from bot.config import Config
from bot.services import Services, files_folder
from bot.services.photos import NotAPhoto, is_kept, photos_folder

JPEG = b"\xff\xd8\xff\xe0" + b"jpeg body" * 50
PNG = b"\x89PNG\r\n\x1a\n" + b"png body" * 50
PERSON, OTHER = 9_007_199_254_740_993, 702  # a WeChat person's user id, a Telegram one


async def test_a_kept_photo_is_read_back_by_its_reference(services: Services) -> None:
    jpeg = await services.photos.keep(PERSON, JPEG)
    png = await services.photos.keep(PERSON, PNG)
    assert is_kept(jpeg) and jpeg.endswith(".jpg") and png.endswith(".png")
    assert await services.photos.read(jpeg) == JPEG
    assert await services.photos.read(png) == PNG
    assert jpeg != await services.photos.keep(PERSON, JPEG)  # each sending its own file


@pytest.mark.parametrize(
    "reference",
    [
        "AgACAgIAAxkBAAIBY2V",  # a Telegram file_id
        "kept:../../volunteer-bot.sqlite3",
        "kept:u1-../../../../etc/passwd",
        "kept:u1-abcdefghijklmnopqrstuvwxyz.jpg/../x",
        "kept:u1-abcdefghijklmnopqrstuvwxyz.exe",
        "",
    ],
)
async def test_nothing_but_a_kept_photo_is_read_through_a_reference(
    services: Services, reference: str
) -> None:
    assert not is_kept(reference)
    assert await services.photos.read(reference) is None


async def test_what_is_not_a_photo_is_not_kept(services: Services, config: Config) -> None:
    for content in (b"", b"<html>", b"\xff\xd8\xff" + b"x" * (10 * 1024 * 1024)):
        with pytest.raises(NotAPhoto):
            await services.photos.keep(PERSON, content)
    assert not photos_folder(files_folder(config)).exists()


async def test_a_gone_file_reads_as_none(services: Services, config: Config) -> None:
    reference = await services.photos.keep(PERSON, JPEG)
    for path in photos_folder(files_folder(config)).iterdir():
        path.unlink()
    assert await services.photos.read(reference) is None


async def test_forget_me_deletes_every_photo_the_person_sent_and_no_one_elses(
    services: Services, config: Config, register: Any
) -> None:
    await register(PERSON, "张三", "13800138000")
    await register(OTHER, "李四", "13800138001")
    theirs = [await services.photos.keep(PERSON, JPEG) for _ in range(2)]  # one sent back
    others = await services.photos.keep(OTHER, JPEG)

    await services.registration.forget(PERSON)

    for reference in theirs:
        assert await services.photos.read(reference) is None
    assert await services.photos.read(others) == JPEG
    assert len(list(photos_folder(files_folder(config)).iterdir())) == 1
