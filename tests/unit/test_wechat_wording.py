"""Every text the WeChat conversation names is in both catalogs: its t(...) keys, its
say(...) keys (the WeChat wording or the shared one), and the home screen's labels."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.i18n import Catalogs
from wechat_adapter.conversation import build_router, home

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = Catalogs(ZoneInfo("Asia/Shanghai"))
SOURCES = sorted((ROOT / "wechat_adapter" / "conversation").rglob("*.py"))


def _named(call: str) -> set[str]:
    pattern = rf"""\b{call}\(\s*["']([a-z_]+\.[a-z_.]+)["']"""
    return {key for path in SOURCES for key in re.findall(pattern, path.read_text("utf-8"))}


def test_the_keys_the_conversation_names_exist() -> None:
    keys = set(CATALOGS.messages["en"])
    assert _named("t"), "the scan found no keys"
    assert _named("t") - keys == set()
    assert {
        key for key in _named("say") if key not in keys and f"wechat.{key}" not in keys
    } == set()


def test_every_action_the_home_screen_offers_has_a_label() -> None:
    offered = {*home.FOR_GUESTS, *home.FOR_MEMBERS}
    assert offered & set(build_router().actions)
    for verb in offered:
        assert f"wechat.menu.{verb}" in CATALOGS.messages["zh"], verb
