"""The weekly and monthly posts' files: a picture that cannot be drawn leaves the post as text
(logged), one that can is written into the files folder and sent as a photo."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.services.digest_files import picture_post, saved_picture


async def test_a_drawn_picture_is_saved_and_posted_as_a_photo(tmp_path: Path) -> None:
    async def draw() -> bytes:
        return b"\x89PNG the chart"

    path = await saved_picture(tmp_path / "weekly" / "chart.png", draw, "weekly chart")
    assert path is not None and path.read_bytes() == b"\x89PNG the chart"
    post = picture_post(-100, "leaderboard", "本周", path)
    assert (post.file_path, post.file_kind, post.text) == (str(path), "photo", "本周")


async def test_a_picture_that_fails_leaves_the_caption_as_text(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def draw() -> bytes:
        raise RuntimeError("no font")

    path = await saved_picture(tmp_path / "chart.png", draw, "weekly chart for team traffic")
    assert path is None and not (tmp_path / "chart.png").exists()
    assert "weekly chart for team traffic failed; sending text" in caplog.text
    post = picture_post(-100, "leaderboard", "本周", path)
    assert (post.file_path, post.file_kind, post.text) == (None, None, "本周")
