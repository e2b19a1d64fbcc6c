"""Use cases: combine storage and the rules; return plain results; know nothing of Telegram."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.clock import Clock
from bot.config import Config
from bot.domain.ranking import due_week
from bot.i18n import Catalogs
from bot.outbox.signal import OutboxSignal
from bot.services.accounts import AccountService
from bot.services.activities import ActivityService
from bot.services.activity_changes import ActivityChangeService
from bot.services.activity_notices import ActivityNotices
from bot.services.activity_pages import ActivityPages
from bot.services.attendance import AttendanceService
from bot.services.backups import BackupService
from bot.services.broadcasts import BroadcastService
from bot.services.certificates import CertificateService
from bot.services.checkin import CheckInService
from bot.services.coverage import CoverageService
from bot.services.delivery import DeliveryService
from bot.services.dialogues import DialogueService
from bot.services.exports import ExportService
from bot.services.groups import GroupService
from bot.services.hours_notices import HoursNotices
from bot.services.household_nudges import HouseholdNudges
from bot.services.households import HouseholdService
from bot.services.identities import IdentityService
from bot.services.left_behind import LeftBehind
from bot.services.notices import Notices
from bot.services.photos import KeptPhotos
from bot.services.privacy import PrivacyService
from bot.services.record_rules import Decisions
from bot.services.records import RecordService
from bot.services.registration import RegistrationService
from bot.services.reminders import ReminderService
from bot.services.reports import ReportService
from bot.services.roles import RoleService
from bot.services.signups import SignupService
from bot.services.teams import TeamService
from bot.services.visits import VisitService
from bot.services.wish_board import WishBoard
from bot.services.wish_digest import WishDigests
from bot.services.wish_notices import WishNotices
from bot.services.wishes import WishService
from storage.db import Database


def files_folder(config: Config) -> Path:
    """Where the bot writes files it sends later (the weekly charts), next to the database."""
    return config.storage.path.parent / "files"


def backup_service(config: Config, clock: Clock) -> BackupService:
    return BackupService(
        config.storage.path,
        config.storage.busy_timeout_ms,
        config.backup,
        config.backup.folder(config.storage),
        clock,
        config.org.zone,
    )


@dataclass(frozen=True)
class Services:
    accounts: AccountService
    dialogues: DialogueService
    registration: RegistrationService
    roles: RoleService
    teams: TeamService
    broadcasts: BroadcastService
    groups: GroupService
    activities: ActivityService
    activity_changes: ActivityChangeService
    signups: SignupService
    reminders: ReminderService
    checkin: CheckInService
    attendance: AttendanceService
    records: RecordService
    certificates: CertificateService
    reports: ReportService
    exports: ExportService
    privacy: PrivacyService
    wish_board: WishBoard
    wishes: WishService
    wish_digests: WishDigests
    delivery: DeliveryService
    outbox_signal: OutboxSignal
    backups: BackupService
    households: HouseholdService
    household_nudges: HouseholdNudges
    visits: VisitService
    coverage: CoverageService
    identities: IdentityService
    photos: KeptPhotos

    @classmethod
    def build(
        cls, db: Database, config: Config, clock: Clock, catalogs: Catalogs | None = None
    ) -> Services:
        catalogs = catalogs or Catalogs(config.org.zone)
        signal = OutboxSignal()
        language = config.org.default_language
        team_service = TeamService(db, clock)
        pages = ActivityPages(db)
        activities = ActivityService(pages, clock, config.activities, catalogs, language, signal)
        activity_notices = ActivityNotices(
            Notices(catalogs, language), clock, config.activities.cutoff
        )
        signups = SignupService(
            pages,
            clock,
            config.activities.cutoff,
            config.reminders.deltas,
            activity_notices,
            signal,
        )
        left_behind = LeftBehind(Notices(catalogs, language), clock, config.org.admins)
        privacy = PrivacyService(
            db,
            clock,
            config.retention,
            files_folder(config),
            signal,
            config.org.admins,
            left_behind,
        )
        decisions = Decisions(config.hours, config.org.admins)
        hours_notices = HoursNotices(
            Notices(catalogs, language), clock, config.hours, config.org.admins
        )
        records = RecordService(
            db, clock, config.hours, config.org.zone, decisions, hours_notices, signal
        )
        wish_notices = WishNotices(Notices(catalogs, language), clock, config.org.admins)
        wish_board = WishBoard(db, clock, config.org.zone, config.org.admins)
        return cls(
            accounts=AccountService(db, clock, language),
            dialogues=DialogueService(db, clock),
            registration=RegistrationService(
                db,
                clock,
                signups.release_all,
                Notices(catalogs, language),
                signal,
                privacy=privacy,
                left_behind=left_behind,
            ),
            roles=RoleService(db, clock, config.org.admins, catalogs, language, signal),
            teams=team_service,
            broadcasts=BroadcastService(
                db,
                clock,
                catalogs,
                config.org.name,
                language,
                signal,
                config.sending.global_per_second,
            ),
            groups=GroupService(db, clock),
            activities=activities,
            activity_changes=ActivityChangeService(
                pages, clock, activities, config.reminders.deltas, activity_notices, signal
            ),
            signups=signups,
            reminders=ReminderService(db, clock, catalogs, language, signal),
            checkin=CheckInService(db, clock, config.hours),
            attendance=AttendanceService(
                db, clock, config.hours, config.org.zone, decisions, hours_notices, signal
            ),
            records=records,
            certificates=CertificateService(db, clock, config.org.zone, config.org.name),
            privacy=privacy,
            wish_board=wish_board,
            wishes=WishService(
                db,
                clock,
                config.org.zone,
                config.wishes,
                records,
                wish_notices,
                signal,
                team_service.all,
                wish_board,
            ),
            wish_digests=WishDigests(
                db,
                clock,
                config.org.zone,
                wish_notices,
                Notices(catalogs, language),
                signal,
                config.org.admins,
                files_folder(config),
                lambda: due_week(
                    clock.now().astimezone(config.org.zone),
                    config.leaderboard.weekly_post_weekday,
                    config.leaderboard.post_time,
                ),
                team_service.all,
                wish_board,
            ),
            reports=ReportService(
                db,
                clock,
                config.org.zone,
                config.leaderboard,
                Notices(catalogs, language),
                signal,
                config.org.admins,
                files_folder(config),
                team_service.all,
            ),
            exports=ExportService(db, team_service.all),
            delivery=DeliveryService(
                db, clock, Notices(catalogs, language), signal, config.org.admins
            ),
            outbox_signal=signal,
            backups=backup_service(config, clock),
            households=HouseholdService(
                db,
                clock,
                config.households,
                config.org.zone,
                Notices(catalogs, language),
                signal,
                team_service.all,
            ),
            household_nudges=HouseholdNudges(
                db,
                clock,
                config.households,
                config.org.zone,
                Notices(catalogs, language),
                signal,
            ),
            visits=VisitService(
                db,
                clock,
                config.households,
                config.org.zone,
                decisions,
                hours_notices,
                Notices(catalogs, language),
                signal,
                config.org.admins,
                team_service.all,
            ),
            coverage=CoverageService(
                db,
                clock,
                config.households,
                config.org.zone,
                Notices(catalogs, language),
                signal,
                config.org.admins,
                files_folder(config),
                team_service.all,
                config.org.name,
            ),
            identities=IdentityService(db, clock),
            photos=KeptPhotos(files_folder(config)),
        )

    async def chat_unreachable(self, chat_id: int, since: datetime) -> None:
        """Telegram refused a message for good: a person blocked the bot, or a group removed it."""
        if chat_id > 0:
            await self.accounts.unreachable(chat_id, since)
        else:
            await self.groups.bot_removed(chat_id)
