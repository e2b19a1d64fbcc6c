"""Use cases: combine storage and the rules; return plain results; know nothing of Telegram."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Config
from bot.services.accounts import AccountService
from bot.services.dialogues import DialogueService
from bot.services.registration import RegistrationService
from bot.services.roles import RoleService
from bot.services.teams import TeamService
from storage.db import Database


@dataclass(frozen=True)
class Services:
    accounts: AccountService
    dialogues: DialogueService
    registration: RegistrationService
    roles: RoleService
    teams: TeamService

    @classmethod
    def build(cls, db: Database, config: Config, clock: Clock) -> Services:
        return cls(
            accounts=AccountService(db, clock, config.org.default_language),
            dialogues=DialogueService(db, clock),
            registration=RegistrationService(db, clock),
            roles=RoleService(db, clock, config.org.admins),
            teams=TeamService(db, clock),
        )
