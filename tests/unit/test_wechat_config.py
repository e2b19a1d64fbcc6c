"""The [wechat] table: defaults, the menu's limits, secrets kept out of reprs and logs; and the
endpoint's memory of pushes already seen."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import Config, ConfigError, load_config
from bot.logs import RedactingFormatter
from tests.fake_wechat import AES_KEY, APP_ID, APP_SECRET, TOKEN
from wechat_adapter.conversation import actions, build_router
from wechat_adapter.replay import SeenMessages

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"
CREDENTIALS = f'app_id = "{APP_ID}"\napp_secret = "{APP_SECRET}"\ntoken = "{TOKEN}"\n'
ENABLED = f'[wechat]\nenabled = true\n{CREDENTIALS}aes_key = "{AES_KEY}"\n'
MENU = """
[[wechat.menu]]
name = "活动"
[[wechat.menu.sub]]
name = "近期活动"
type = "click"
key = "activities"
[[wechat.menu.sub]]
name = "位置签到"
type = "location_select"
key = "checkin"
[[wechat.menu]]
name = "官网"
type = "view"
url = "https://example.org"
"""


def _load(tmp_path: Path, toml: str) -> Config:
    path = tmp_path / "config.toml"
    path.write_text(toml, encoding="utf-8")
    return load_config(path)


def test_the_example_leaves_wechat_off_with_its_defaults() -> None:
    wechat = load_config(EXAMPLE).wechat
    assert not wechat.enabled
    assert wechat.api_base == "https://api.weixin.qq.com"
    assert (wechat.host, wechat.port, wechat.path) == ("127.0.0.1", 8080, "/wechat")
    assert wechat.reply_budget_seconds == 4.0
    assert wechat.templates == {}


def test_the_examples_menu_opens_what_the_wechat_conversation_answers() -> None:
    menu = load_config(EXAMPLE).wechat.menu
    assert [group.name for group in menu] == ["活动", "我的", "更多"]
    keys = [button.key for group in menu for button in group.sub]
    assert all(button.type == "click" for group in menu for button in group.sub)
    assert keys[:4] == [actions.ACTIVITIES, actions.MY, actions.CHECKIN, actions.CHECKOUT]
    assert sorted(keys) == sorted(actions.MENU_KEYS)  # every key the conversation knows, once
    assert set(keys) <= set(build_router().actions)  # and each opens a flow


def test_an_enabled_channel_with_its_credentials_and_menu_loads(tmp_path: Path) -> None:
    config = _load(tmp_path, ENABLED + '[wechat.templates]\nreminder = "Tpl_0123-abc"\n' + MENU)
    wechat = config.wechat
    assert wechat.enabled and wechat.app_id == APP_ID
    assert wechat.templates == {"reminder": "Tpl_0123-abc"}
    assert [button.name for button in wechat.menu] == ["活动", "官网"]
    assert sorted(wechat.secrets()) == sorted([APP_SECRET, TOKEN, AES_KEY])
    for secret in (APP_SECRET, TOKEN, AES_KEY):
        assert secret not in repr(config) and secret not in str(wechat)


def test_the_secret_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOLUNTEER_BOT__WECHAT__APP_SECRET", "from-the-environment")
    config = _load(tmp_path, ENABLED)
    assert config.wechat.app_secret.get_secret_value() == "from-the-environment"


@pytest.mark.parametrize(
    ("toml", "says"),
    [
        ("[wechat]\nenabled = true\n", "enabled needs app_id, app_secret, token, aes_key"),
        (f"[wechat]\nenabled = true\n{CREDENTIALS}", "enabled needs aes_key"),
        ('[wechat]\naes_key = "short"\n', "43 letters and digits"),
        ('[wechat]\ntoken = "a b"\n', "3-32 letters or digits"),
        ('[wechat]\napp_id = "12345"\n', "is not an AppID"),
        ('[wechat]\nlisten = "8080"\n', "is not host:port"),
        ('[wechat]\nlisten = "0.0.0.0:70000"\n', "is not host:port"),
        ('[wechat]\npath = "wechat"\n', "a path like"),
        ('[wechat]\napi_base = "ftp://x"\n', "http:// or https://"),
        ('[wechat]\npublic_url = "bot.example.org"\n', "a public address like"),
        ('[wechat]\npublic_url = "https://bot.example.org/?x=1"\n', "a public address like"),
        ("[wechat]\nreply_budget_seconds = 5\n", "less than or equal to 4.5"),
        ('[wechat.templates]\nreminder = "bad id!"\n', "is not a template id"),
        ('[wechat.templates]\n"Bad Kind" = "T1"\n', "lowercase letters"),
    ],
)
def test_bad_wechat_settings_are_refused_naming_the_table(
    tmp_path: Path, toml: str, says: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, toml)
    assert "'wechat" in str(raised.value) and says in str(raised.value)


def _button(name: str = "报名", extra: str = 'type = "click"\nkey = "k"') -> str:
    return f'[[wechat.menu]]\nname = "{name}"\n{extra}\n'


@pytest.mark.parametrize(
    ("menu", "says"),
    [
        (_button() * 4, "at most 3 items"),
        (_button("活动报名中心"), "at most 16 bytes"),
        (_button(extra=""), "give a type"),
        (_button(extra='type = "click"'), "needs a key"),
        (_button(extra='type = "view"\nurl = "example.org"'), "needs an http(s) url"),
        (_button(extra='type = "scancode"\nkey = "k"'), "wechat.menu.0.type"),
        (
            _button(extra="") + '[[wechat.menu.sub]]\nname = "a"\ntype = "click"\nkey = "a"\n' * 6,
            "at most 5 items",
        ),
        (
            _button(extra='type = "click"\nkey = "k"')
            + '[[wechat.menu.sub]]\nname = "a"\ntype = "click"\nkey = "a"\n',
            "has no type of its own",
        ),
        (
            _button(extra="")
            + '[[wechat.menu.sub]]\nname = "a"\n'
            + '[[wechat.menu.sub.sub]]\nname = "b"\ntype = "click"\nkey = "b"\n',
            "sub-buttons have no sub-buttons",
        ),
        (_button(extra="") + f'[[wechat.menu.sub]]\nname = "{"长" * 21}"\n', "at most 60 bytes"),
    ],
)
def test_a_menu_wechat_would_refuse_is_refused_at_start(
    tmp_path: Path, menu: str, says: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, menu)
    assert says in str(raised.value)


def test_logs_never_show_access_tokens_or_the_app_secret() -> None:
    formatter = RedactingFormatter([APP_SECRET, TOKEN, AES_KEY], "%(message)s")
    lines = [
        "POST /cgi-bin/message/custom/send?access_token=ACCESS-1-Zx_9-q&type=image failed",
        'answer {"access_token": "ACCESS-2-abc.def", "expires_in": 7200}',
        "GET /cgi-bin/token?grant_type=client_credential&appid=wx1&secret=s3cr3t-value",
        f"configured with {APP_SECRET}, {TOKEN} and {AES_KEY}",
    ]
    for line in lines:
        record = logging.LogRecord("wechat", logging.ERROR, __file__, 1, line, None, None)
        shown = formatter.format(record)
        for secret in ("ACCESS-1-Zx_9-q", "ACCESS-2-abc.def", "s3cr3t-value", APP_SECRET, TOKEN):
            assert secret not in shown
        assert AES_KEY not in shown
        assert "<token>" in shown


def test_a_push_seen_within_the_window_is_recognised() -> None:
    seen = SeenMessages(capacity=100, window=300)
    assert seen.first_time("m:1", now=1000)
    assert not seen.first_time("m:1", now=1299)
    assert seen.first_time("m:2", now=1299)


def test_keys_older_than_the_window_are_forgotten() -> None:
    seen = SeenMessages(capacity=100, window=300)
    seen.first_time("m:1", now=1000)
    seen.first_time("m:2", now=1200)
    assert seen.first_time("m:3", now=1301)
    assert len(seen) == 2  # m:1 dropped
    assert seen.first_time("m:1", now=1302)


def test_memory_stays_bounded_under_a_flood() -> None:
    seen = SeenMessages(capacity=100, window=300)
    for n in range(10_000):
        seen.first_time(f"m:{n}", now=1000 + n / 1000)
    assert len(seen) == 100
    assert not seen.first_time("m:9999", now=1011)
