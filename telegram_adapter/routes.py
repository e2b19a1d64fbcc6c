"""Which update reaches which handler: commands, button presses (by their prefix), messages."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.domain.commands import COMMANDS
from handlers import (
    account,
    activities,
    add_hours,
    admin,
    attendance,
    broadcast,
    certificates,
    checkin,
    disputes,
    export,
    groups,
    leaderboard,
    manage,
    my,
    new_activity,
    records,
    registration,
    reports,
    settings,
)
from handlers.dialogue import on_private_message
from telegram_adapter.context import AppContext, AppType
from telegram_adapter.errors import on_error
from telegram_adapter.guard import guard

Callback = Callable[[Update, AppContext], Coroutine[Any, Any, None]]

# The function answering each command; which commands exist, and who may use them, is
# bot/domain/commands.py (the one list menus and /help are made from).
COMMAND_HANDLERS: dict[str, Callback] = {
    "start": account.start_command,
    "help": account.help_command,
    "language": account.language_command,
    "forget_me": account.forget_me_command,
    "cancel": account.cancel_command,
    "register": registration.register_command,
    "profile": registration.profile_command,
    "promote": admin.promote_command,
    "demote": admin.demote_command,
    "teams": admin.teams_command,
    "broadcast": broadcast.broadcast_command,
    "link_group": groups.link_group_command,
    "activities": activities.activities_command,
    "new_activity": new_activity.new_activity_command,
    "settings": settings.settings_command,
    "my": my.my_command,
    "manage": manage.manage_command,
    "checkin": checkin.checkin_command,
    "checkout": checkin.checkout_command,
    "hours": records.hours_command,
    "certificate": certificates.certificate_command,
    "verify": certificates.verify_command,
    "add_hours": add_hours.add_hours_command,
    "records": records.records_command,
    "leaderboard": leaderboard.leaderboard_command,
    "report": reports.report_command,
    "export": export.export_command,
    "stats": reports.stats_command,
}
if set(COMMAND_HANDLERS) != {name for name, _ in COMMANDS}:
    raise RuntimeError("every command in bot/domain/commands.py needs exactly one handler")


def install(application: AppType) -> None:
    """Register every handler on the application."""
    application.add_handler(TypeHandler(Update, guard), group=-1)
    # Edits of earlier messages are not new answers or commands.
    fresh = filters.UpdateType.MESSAGE
    for name, _least in COMMANDS:
        application.add_handler(CommandHandler(name, COMMAND_HANDLERS[name], filters=fresh))
    callbacks: dict[str, Callback] = {
        registration.START_REGISTRATION: registration.on_start_registration,
        registration.TEAM_TOGGLE: registration.on_team_toggle,
        registration.TEAMS_DONE: registration.on_teams_done,
        registration.TEAM_PAGE: registration.on_team_page,
        registration.CONSENT: registration.on_consent,
        registration.EDIT: registration.on_edit,
        account.LANGUAGE: account.on_language,
        account.FORGET: account.on_forget,
        admin.PICK_VOLUNTEER: admin.on_pick_volunteer,
        admin.PICK_TEAM: admin.on_pick_team,
        admin.DEMOTE: admin.on_demote,
        admin.ADD_TEAM: admin.on_add_team,
        admin.PROMOTE_PAGE: admin.on_promote_page,
        admin.TEAMS_PAGE: admin.on_teams_page,
        admin.DEMOTE_PAGE: admin.on_demote_page,
        broadcast.AUDIENCE: broadcast.on_audience,
        broadcast.AUDIENCE_PAGE: broadcast.on_audience_page,
        broadcast.SEND: broadcast.on_confirm,
        broadcast.DISCARD: broadcast.on_confirm,
        broadcast.STOP: broadcast.on_stop,
        groups.LINK: groups.on_link,
        groups.LINK_PAGE: groups.on_link_page,
        groups.KEEP: groups.on_keep,
        activities.OPEN: activities.on_open,
        activities.PAGE: activities.on_page,
        activities.TEAM_FILTER: activities.on_team_filter,
        activities.CATEGORY_FILTER: activities.on_category_filter,
        activities.SIGN_UP: activities.on_sign_up_or_cancel,
        activities.CANCEL: activities.on_sign_up_or_cancel,
        new_activity.TEAM: new_activity.on_team,
        new_activity.TEAM_PAGE: new_activity.on_team_page,
        new_activity.CATEGORY: new_activity.on_category,
        new_activity.QUICK: new_activity.on_quick_pick,
        new_activity.SKIP: new_activity.on_skip,
        new_activity.PUBLISH: new_activity.on_publish,
        new_activity.DISCARD: new_activity.on_publish,
        settings.MUTE: settings.on_mute,
        my.CALENDAR: my.on_calendar,
        manage.OPEN: manage.on_open,
        manage.PAGE: manage.on_page,
        manage.ROSTER: manage.on_roster,
        manage.CANCEL: manage.on_cancel,
        manage.EDIT: manage.on_edit,
        checkin.LOCATION: checkin.on_location_button,
        checkin.CODE: checkin.on_code_button,
        checkin.PICK: checkin.on_pick,
        checkin.CHECK_OUT: checkin.on_check_out,
        records.RECORDS: records.on_records,
        records.RECORDS_OPEN: records.on_records,
        records.RECORD: records.on_record,
        records.DISPUTE: disputes.on_dispute,
        records.ADJUST: disputes.on_adjust,
        records.REJECT: disputes.on_reject,
        records.APPROVE_REVIEW: disputes.on_approve_review,
        records.CERTIFICATE: certificates.on_certificate,
        records.THEIR_RECORDS: records.on_their_records,
        records.THEIR_RECORDS_OPEN: records.on_their_records,
        attendance.CODE: attendance.on_code,
        attendance.PRESENCE: attendance.on_presence,
        attendance.PRESENCE_PAGE: attendance.on_presence,
        attendance.TOGGLE: attendance.on_toggle,
        attendance.SHEET: attendance.on_sheet,
        attendance.SHEET_PAGE: attendance.on_sheet,
        attendance.PERSON: attendance.on_person,
        attendance.MARK: attendance.on_mark,
        attendance.APPROVE: attendance.on_approve,
        add_hours.VOLUNTEER: add_hours.on_volunteer,
        add_hours.TEAM: add_hours.on_team,
        add_hours.TEAM_PAGE: add_hours.on_team_page,
        add_hours.SAVE: add_hours.on_confirm,
        add_hours.DISCARD: add_hours.on_confirm,
        settings.ANONYMOUS: settings.on_mute,
        leaderboard.BOARD: leaderboard.on_board,
        leaderboard.HONOR: leaderboard.on_honor,
        reports.REPORT_TEAMS: reports.on_report,
        reports.REPORT_PEOPLE: reports.on_report,
        reports.REPORT_PERSON: reports.on_report,
        export.EXPORT: export.on_export,
    }
    for prefix, on_press in callbacks.items():
        application.add_handler(CallbackQueryHandler(on_press, pattern=f"^{prefix}"))
    application.add_handler(CallbackQueryHandler(account.on_unknown_button))
    application.add_handler(
        ChatMemberHandler(groups.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, groups.on_migrate))
    private = filters.ChatType.PRIVATE & fresh
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE & filters.LOCATION,
            checkin.on_live_location,
        )
    )
    application.add_handler(MessageHandler(private & ~filters.COMMAND, on_private_message))
    application.add_handler(MessageHandler(private & filters.COMMAND, account.unknown_command))
    application.add_error_handler(on_error)
