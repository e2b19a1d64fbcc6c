"""Which update reaches which handler: commands, button presses (by their prefix), messages."""

from __future__ import annotations

import re
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

from bot import buttons
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
    coverage,
    disputes,
    export,
    groups,
    household_edit,
    households,
    leaderboard,
    link,
    manage,
    my,
    new_activity,
    new_household,
    records,
    registration,
    reports,
    settings,
    visit_review,
    visits,
    wish_delivery,
    wish_post,
    wishes,
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
    "link": link.link_command,
    "cancel": account.cancel_command,
    "register": registration.register_command,
    "profile": registration.profile_command,
    "promote": admin.promote_command,
    "demote": admin.demote_command,
    "teams": admin.teams_command,
    "broadcast": broadcast.broadcast_command,
    "link_group": groups.link_group_command,
    "activities": activities.activities_command,
    "wishes": wishes.wishes_command,
    "new_activity": new_activity.new_activity_command,
    "settings": settings.settings_command,
    "my": my.my_command,
    "households": households.households_command,
    "coverage": coverage.coverage_command,
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

# The function answering each kind of button (bot/buttons.py declares the kinds); a press is
# routed by its prefix, which no other prefix begins.
BUTTON_HANDLERS: dict[type[buttons.ButtonData], Callback] = {
    buttons.RegisterStart: registration.on_start_registration,
    buttons.RegisterTeamToggle: registration.on_team_toggle,
    buttons.RegisterTeamsDone: registration.on_teams_done,
    buttons.RegisterTeamPage: registration.on_team_page,
    buttons.RegisterConsent: registration.on_consent,
    buttons.ProfileEdit: registration.on_edit,
    buttons.LanguageChoice: account.on_language,
    buttons.ForgetConfirm: account.on_forget,
    buttons.PromoteVolunteer: admin.on_pick_volunteer,
    buttons.PromoteTeam: admin.on_pick_team,
    buttons.DemoteLead: admin.on_demote,
    buttons.AddTeam: admin.on_add_team,
    buttons.PromotePage: admin.on_promote_page,
    buttons.TeamsPage: admin.on_teams_page,
    buttons.DemotePage: admin.on_demote_page,
    buttons.BroadcastAudience: broadcast.on_audience,
    buttons.BroadcastAudiencePage: broadcast.on_audience_page,
    buttons.BroadcastSend: broadcast.on_confirm,
    buttons.BroadcastDiscard: broadcast.on_confirm,
    buttons.BroadcastStop: broadcast.on_stop,
    buttons.GroupLink: groups.on_link,
    buttons.GroupLinkPage: groups.on_link_page,
    buttons.GroupKeep: groups.on_keep,
    buttons.ActivityOpen: activities.on_open,
    buttons.ActivitiesPage: activities.on_page,
    buttons.TeamFilter: activities.on_team_filter,
    buttons.CategoryFilter: activities.on_category_filter,
    buttons.SignUp: activities.on_sign_up_or_cancel,
    buttons.SignUpCancel: activities.on_sign_up_or_cancel,
    buttons.NewActivityTeam: new_activity.on_team,
    buttons.NewActivityTeamPage: new_activity.on_team_page,
    buttons.NewActivityCategory: new_activity.on_category,
    buttons.NewActivityQuickStart: new_activity.on_quick_pick,
    buttons.NewActivitySkip: new_activity.on_skip,
    buttons.NewActivityPublish: new_activity.on_publish,
    buttons.NewActivityDiscard: new_activity.on_publish,
    buttons.SettingsMute: settings.on_mute,
    buttons.MyCalendar: my.on_calendar,
    buttons.ManageOpen: manage.on_open,
    buttons.ManagePage: manage.on_page,
    buttons.ManageRoster: manage.on_roster,
    buttons.ManageCancel: manage.on_cancel,
    buttons.ManageEdit: manage.on_edit,
    buttons.CheckInLocation: checkin.on_location_button,
    buttons.CheckInCode: checkin.on_code_button,
    buttons.CheckInPick: checkin.on_pick,
    buttons.CheckOut: checkin.on_check_out,
    buttons.MyRecordsPage: records.on_records,
    buttons.MyRecordsOpen: records.on_records,
    buttons.RecordOpen: records.on_record,
    buttons.RecordDispute: disputes.on_dispute,
    buttons.RecordAdjust: disputes.on_adjust,
    buttons.RecordReject: disputes.on_reject,
    buttons.RecordApproveReview: disputes.on_approve_review,
    buttons.CertificateRequest: certificates.on_certificate,
    buttons.TheirRecordsPage: records.on_their_records,
    buttons.TheirRecordsOpen: records.on_their_records,
    buttons.CodeNew: attendance.on_code,
    buttons.Presence: attendance.on_presence,
    buttons.PresencePage: attendance.on_presence,
    buttons.PresenceToggle: attendance.on_toggle,
    buttons.Sheet: attendance.on_sheet,
    buttons.SheetPage: attendance.on_sheet,
    buttons.SheetPerson: attendance.on_person,
    buttons.SheetMark: attendance.on_mark,
    buttons.SheetApprove: attendance.on_approve,
    buttons.AddHoursVolunteer: add_hours.on_volunteer,
    buttons.AddHoursTeam: add_hours.on_team,
    buttons.AddHoursTeamPage: add_hours.on_team_page,
    buttons.AddHoursSave: add_hours.on_confirm,
    buttons.AddHoursDiscard: add_hours.on_confirm,
    buttons.SettingsAnonymous: settings.on_mute,
    buttons.TeamBoard: leaderboard.on_board,
    buttons.HonorBoard: leaderboard.on_honor,
    buttons.ReportTeams: reports.on_report,
    buttons.ReportPeople: reports.on_report,
    buttons.ReportPerson: reports.on_report,
    buttons.ExportFile: export.on_export,
    buttons.HouseholdsMine: households.on_mine,
    buttons.HouseholdsPage: households.on_page,
    buttons.HouseholdOpen: households.on_open,
    buttons.HouseholdNew: new_household.on_new,
    buttons.HouseholdTeam: new_household.on_team,
    buttons.HouseholdTeamPage: new_household.on_team_page,
    buttons.HouseholdNeed: new_household.on_need,
    buttons.HouseholdNext: new_household.on_next,
    buttons.HouseholdSave: new_household.on_save,
    buttons.HouseholdPair: households.on_pair,
    buttons.HouseholdPairVolunteer: households.on_pair_volunteer,
    buttons.HouseholdUnpair: households.on_unpair,
    buttons.HouseholdPin: household_edit.on_pin,
    buttons.HouseholdEdit: household_edit.on_edit,
    buttons.HouseholdEditNeed: household_edit.on_need,
    buttons.HouseholdEditDone: household_edit.on_done,
    buttons.VisitStart: visits.on_start,
    buttons.VisitDone: visits.on_done,
    buttons.VisitNext: visits.on_next,
    buttons.VisitsPending: visit_review.on_pending,
    buttons.VisitOpen: visit_review.on_open,
    buttons.VisitApprove: visit_review.on_approve,
    buttons.VisitReject: visit_review.on_reject,
    buttons.VisitsApproveLocated: visit_review.on_approve_located,
    buttons.CoverageTeam: coverage.on_team,
    buttons.WishesPage: wishes.on_page,
    buttons.WishTeamFilter: wishes.on_team_filter,
    buttons.WishCommunityFilter: wishes.on_community_filter,
    buttons.WishesMine: wishes.on_mine,
    buttons.WishOpen: wishes.on_open,
    buttons.WishClaim: wishes.on_claim,
    buttons.WishRelease: wishes.on_release,
    buttons.WishDeliver: wish_delivery.on_deliver,
    buttons.WishMinutes: wish_delivery.on_minutes,
    buttons.WishConfirm: wish_delivery.on_confirm,
    buttons.WishSendBack: wish_delivery.on_send_back,
    buttons.WishNew: wish_post.on_new,
    buttons.WishPostTeam: wish_post.on_team,
    buttons.WishPostTeamPage: wish_post.on_team_page,
    buttons.WishPostSkip: wish_post.on_skip,
    buttons.WishPostSave: wish_post.on_save,
}
if set(BUTTON_HANDLERS) != set(buttons.KINDS.values()):
    raise RuntimeError("every kind of button in bot/buttons.py needs exactly one handler")


def install(application: AppType) -> None:
    """Register every handler on the application."""
    application.add_handler(TypeHandler(Update, guard), group=-1)
    # Edits of earlier messages are not new answers or commands.
    fresh = filters.UpdateType.MESSAGE
    for name, _least in COMMANDS:
        application.add_handler(CommandHandler(name, COMMAND_HANDLERS[name], filters=fresh))
    for kind, on_press in BUTTON_HANDLERS.items():
        pattern = f"^{re.escape(kind.prefix)}"
        application.add_handler(CallbackQueryHandler(on_press, pattern=pattern))
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
