"""Each dialogue's data is a model of its flow: rows written so far still load, every model
round-trips, and a row the code can no longer follow is refused whole."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from bot.domain.dialogues import (
    FLOWS,
    AddHoursData,
    CheckInData,
    Dialogue,
    DialogueData,
    ManageData,
    NewActivityData,
    RegisterData,
    UnreadableDialogue,
    entered,
    read_dialogue,
)
from bot.domain.errors import DialogueLost

SHANGHAI = timezone(timedelta(hours=8))

# A row of every flow at its last step, as the code before the models wrote it
# (json.dumps of the dict the handlers filled in).
ROWS_WRITTEN_BEFORE = [
    (
        "register",
        "consent",
        {
            "resume_activity": 7,
            "name": "张三",
            "phone": "+8613800138000",
            "teams": ["traffic", "blood"],
            "phone_shared": True,
            "page": 1,
        },
    ),
    ("edit", "teams", {"teams": ["traffic"], "page": 2}),
    ("forget", "confirm", {}),
    ("promote", "query", {}),
    ("records", "query", {}),
    ("add_team", "name_en", {"key": "parks", "name_zh": "公园志愿服务队"}),
    (
        "new_activity",
        "preview",
        {
            "team": "traffic",
            "title": "路口引导",
            "category": "traffic",
            "starts_at": "2026-11-28T09:00:00+08:00",
            "ends_at": "2026-11-28T12:00:00+08:00",
            "latitude": 31.23,
            "longitude": 121.47,
            "place": "人民广场",
            "capacity": 10,
            "description": "穿好马甲",
        },
    ),
    ("broadcast", "confirm", {"audience": "team:traffic", "body": "明天见"}),
    ("checkin", "pick", {"latitude": 31.23, "longitude": 121.47, "live": True}),
    ("checkin", "location", {"activity": 12}),
    ("record", "reason", {"record": 5, "minutes": 90}),
    ("manage", "end", {"activity": 3, "starts_at": "2026-11-28T09:00:00+08:00"}),
    (
        "add_hours",
        "confirm",
        {
            "volunteer": 4,
            "team": "traffic",
            "day": "2026-11-20",
            "minutes": 150,
            "title": "义卖",
            "reason": "纸质签到表",
        },
    ),
    (
        "wish",
        "preview",
        {
            "team": "traffic",
            "title": "一台电暖器",
            "story": "老人冬天屋里很冷",
            "community": "中东西社区",
            "value": 300,
            "deadline": "2026-12-20",
            "photo": "AgACphoto",
            "note": "陈阿婆，电话 13712340000",
        },
    ),
    ("wish", "deadline", {"team": "traffic", "title": "一袋大米", "community": "东区"}),
    ("wish_delivery", "minutes", {"wish": 7, "photo": "AgACdelivered", "note": "周六送到了"}),
    ("wish_send_back", "reason", {"wish": 7}),
    (
        "new_household",
        "confirm",
        {
            "team": "traffic",
            "code": "SP-017",
            "community": "沙坪街道中东社区",
            "need_keys": ["elderly_alone", "poverty"],
            "cadence": 30,
            "latitude": 22.565,
            "longitude": 112.969,
            "radius": 200,
            "note": "王阿婆独居，联系其子",
        },
    ),
    ("household", "pin_radius", {"household": 3, "latitude": 22.565, "longitude": 112.969}),
    (
        "visit",
        "photo",
        {
            "household": 3,
            "latitude": 22.565,
            "longitude": 112.969,
            "minutes": 90,
            "done": ["elderly_alone"],
            "note": "打扫卫生，陪老人聊天",
        },
    ),
    ("visit_reject", "reason", {"record": 5}),
    ("household_edit", "needs", {"household": 3, "need_keys": ["poverty"]}),
    ("choices", "shown", {"options": ["act:12", "signup:12", "activities_page:1"]}),
    ("link", "code", {}),
    ("verify", "code", {}),
]


def _read(flow: str, step: str) -> DialogueData:
    [data] = [data for f, s, data in ROWS_WRITTEN_BEFORE if (f, s) == (flow, step)]
    return read_dialogue(flow, step, json.dumps(data)).data


@pytest.mark.parametrize(("flow", "step", "data"), ROWS_WRITTEN_BEFORE)
def test_rows_written_before_the_models_load_and_are_written_back_the_same(
    flow: str, step: str, data: dict[str, object]
) -> None:
    dialogue = read_dialogue(flow, step, json.dumps(data))
    assert (dialogue.flow, dialogue.step) == (flow, step)
    assert json.loads(dialogue.data.model_dump_json(exclude_unset=True)) == data


def test_every_flow_has_a_row_written_before() -> None:
    assert {flow for flow, _, _ in ROWS_WRITTEN_BEFORE} == set(FLOWS)


def test_values_come_back_typed_under_their_own_names() -> None:
    manage = _read("manage", "end")
    assert isinstance(manage, ManageData)
    assert manage.activity_id == 3
    assert manage.starts_at == datetime(2026, 11, 28, 9, tzinfo=SHANGHAI)
    added = _read("add_hours", "confirm")
    assert isinstance(added, AddHoursData)
    assert (added.volunteer_id, added.team_key, added.day) == (4, "traffic", date(2026, 11, 20))
    picking = _read("checkin", "pick")
    assert isinstance(picking, CheckInData) and picking.live is True


@pytest.mark.parametrize("model", list(FLOWS.values()), ids=list(FLOWS))
def test_every_model_round_trips_at_every_step(model: type[DialogueData]) -> None:
    filled: dict[str, object] = {}
    for flow, _, data in ROWS_WRITTEN_BEFORE:
        if flow == model.flow:
            filled |= data
    data = model.model_validate(filled)
    for step in model.needs:
        assert read_dialogue(model.flow, step, data.model_dump_json()) == Dialogue(step, data)


def test_a_draft_activity_is_built_from_what_was_entered() -> None:
    data = _read("new_activity", "preview")
    assert isinstance(data, NewActivityData)
    draft = data.draft()
    assert (draft.team_key, draft.title, draft.capacity, draft.place) == (
        "traffic",
        "路口引导",
        10,
        "人民广场",
    )
    assert draft.ends_at - draft.starts_at == timedelta(hours=3)


def test_each_step_needs_only_fields_of_its_model() -> None:
    for model in FLOWS.values():
        for step, needed in model.needs.items():
            assert set(needed) <= set(model.model_fields), (model.flow, step)


CORRUPT = [
    ("survey", "question", "{}"),  # a flow this code no longer has
    ("register", "nickname", "{}"),  # a step its flow no longer has
    ("register", "phone", "{}"),  # the name the phone step needs is missing
    ("register", "phone", '{"name": null}'),
    ("register", "phone", "not json"),
    ("register", "phone", '["张三"]'),
    ("register", "phone", '{"name": "张三", "nickname": "三"}'),  # a key it does not know
    ("register", "teams", '{"name": "张三", "phone": "138", "teams": "traffic"}'),
    ("manage", "place", "{}"),  # whose activity?
    ("manage", "place", '{"activity": "three"}'),
    ("manage", "end", '{"activity": 3, "starts_at": "2026-11-28T09:00:00"}'),  # no time zone
    ("manage", "end", '{"activity": 3, "starts_at": "tomorrow"}'),
    ("add_hours", "hours", '{"volunteer": 4, "team": "traffic", "day": "2026-02-30"}'),
    ("checkin", "pick", '{"latitude": "north", "longitude": 121.47}'),
]


@pytest.mark.parametrize(("flow", "step", "data"), CORRUPT)
def test_a_row_the_code_cannot_follow_is_refused(flow: str, step: str, data: str) -> None:
    with pytest.raises(UnreadableDialogue):
        read_dialogue(flow, step, data)


def test_the_refusal_says_where_but_not_what_was_typed() -> None:
    row = json.dumps({"name": "张三", "phone": 13800138000, "teams": "traffic"})
    with pytest.raises(UnreadableDialogue) as refused:
        read_dialogue("register", "consent", row)
    assert "teams" in str(refused.value) and "list_type" in str(refused.value)
    assert "张三" not in str(refused.value) and "traffic" not in str(refused.value)
    assert refused.value.__cause__ is None and refused.value.__suppress_context__


def test_a_value_missing_at_use_loses_the_dialogue_rather_than_crashing() -> None:
    assert entered(0) == 0
    with pytest.raises(DialogueLost):
        entered(RegisterData().name)
