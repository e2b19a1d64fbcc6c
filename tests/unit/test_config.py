"""Configuration: the example file loads, environment overrides, bad values name their key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("VOLUNTEER_BOT"):
            monkeypatch.delenv(name)


def test_example_config_loads_with_the_seven_reference_teams() -> None:
    config = load_config(EXAMPLE)
    assert [team.key for team in config.teams] == [
        "traffic",
        "blood",
        "sunshine",
        "tourism",
        "dining",
        "households",
        "practice",
    ]
    assert all(team.name_zh and team.name_en for team in config.teams)
    assert config.org.timezone == "Asia/Shanghai"
    assert config.org.default_language == "zh"
    assert [delta.total_seconds() for delta in config.reminders.deltas] == [86400, 7200]
    assert config.telegram.token.get_secret_value() == ""


def test_environment_overrides_nested_keys_and_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOLUNTEER_BOT__TELEGRAM__BASE_URL", "http://127.0.0.1:9/bot")
    monkeypatch.setenv("VOLUNTEER_BOT__ORG__ADMINS", "[11, 22]")
    monkeypatch.setenv("VOLUNTEER_BOT__ORG__DEFAULT_LANGUAGE", "en")
    monkeypatch.setenv("VOLUNTEER_BOT_TOKEN", "42:secret")
    config = load_config(EXAMPLE)
    assert config.telegram.base_url == "http://127.0.0.1:9/bot"
    assert config.org.admins == [11, 22]
    assert config.org.default_language == "en"
    assert config.telegram.token.get_secret_value() == "42:secret"
    assert "42:secret" not in repr(config) and "42:secret" not in str(config.telegram)


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[org]\ntimezone = "Mars/Olympus"', "org.timezone"),
        ('[org]\ndefault_language = "fr"', "org.default_language"),
        ("[org]\nadmins = [-5]", "org.admins"),
        ('[org]\nadmins = ["bob"]', "org.admins.0"),
        ('[reminders]\noffsets = ["soon"]', "reminders.offsets"),
        ('[telegram]\nbase_url = "ftp://x"', "telegram.base_url"),
        ("[storage]\nbusy_timeout_ms = -1", "storage.busy_timeout_ms"),
        ('[[teams]]\nkey = "Bad Key"\nname_zh = "x"\nname_en = "x"', "teams.0.key"),
        (
            '[[teams]]\nkey = "aa"\nname_zh = "x"\nname_en = "x"\n'
            '[[teams]]\nkey = "aa"\nname_zh = "y"\nname_en = "y"',
            "teams",
        ),
        ("[org]\nnmae = 'typo'", "org.nmae"),
        ("[hours]\nstar_hours = [300, 100]", "hours.star_hours"),
        ("[hours]\nstar_hours = []", "hours.star_hours"),
        ("[hours]\nmin_presence_share = 1.5", "hours.min_presence_share"),
        ("[hours]\ncheckin_radius_m = 0", "hours.checkin_radius_m"),
    ],
)
def test_a_bad_value_is_refused_naming_its_key(tmp_path: Path, toml: str, key: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert f"'{key}'" in str(raised.value)


def test_a_bad_environment_value_names_its_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOLUNTEER_BOT__ORG__TIMEZONE", "Nowhere/Land")
    with pytest.raises(ConfigError, match=r"'org\.timezone'"):
        load_config(EXAMPLE)


def test_missing_or_broken_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "absent.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[org\nname=", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken)


def test_issue12_item6_a_developers_own_settings_do_not_reach_the_tests() -> None:
    """The autouse fixture in tests/conftest.py cleared VOLUNTEER_BOT* before this test."""
    import os

    assert not [name for name in os.environ if name.startswith("VOLUNTEER_BOT")]
