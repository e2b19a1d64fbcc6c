"""Named rule violations. Each carries the catalog key of the message that explains it."""

from __future__ import annotations

from typing import Any

from bot.domain.amounts import Hours


class DomainError(Exception):
    """A request the rules refuse; `key` names the catalog message shown to the person."""

    key = "error.generic"

    def __init__(self, **params: Any) -> None:
        super().__init__(self.key, params)
        self.params = params


class DialogueLost(DomainError):
    """The person's unfinished dialogue was kept in a shape this code cannot follow (an older
    version's, or damaged); it has been ended."""

    key = "error.dialogue_lost"


class InvalidName(DomainError):
    key = "error.invalid_name"


class InvalidPhone(DomainError):
    key = "error.invalid_phone"


class NotOwnContact(DomainError):
    key = "error.not_own_contact"


class PhoneTaken(DomainError):
    key = "error.phone_taken"


class PhoneMustBeShared(DomainError):
    key = "error.phone_must_be_shared"


class NoTeamChosen(DomainError):
    key = "error.no_team_chosen"


class ConsentRequired(DomainError):
    key = "error.consent_required"


class UnknownTeam(DomainError):
    key = "error.unknown_team"


class NotRegistered(DomainError):
    key = "error.not_registered"


class AlreadyRegistered(DomainError):
    key = "error.already_registered"


class NotAdmin(DomainError):
    key = "error.not_admin"


class UnknownVolunteer(DomainError):
    key = "error.unknown_volunteer"


class AlreadyLead(DomainError):
    key = "error.already_lead"


class NotLead(DomainError):
    key = "error.not_lead"


class InvalidSearch(DomainError):
    key = "error.invalid_search"


class InvalidTeamKey(DomainError):
    key = "error.invalid_team_key"


class TeamKeyTaken(DomainError):
    key = "error.team_key_taken"


class InvalidTeamName(DomainError):
    key = "error.invalid_team_name"


class NotLeadOrAdmin(DomainError):
    key = "error.not_lead_or_admin"


class NotGroupAdmin(DomainError):
    key = "error.not_group_admin"


class AudienceNotAllowed(DomainError):
    key = "error.audience_not_allowed"


class InvalidBroadcastText(DomainError):
    key = "error.invalid_broadcast"


class UnknownBroadcast(DomainError):
    key = "error.unknown_broadcast"


class NotBroadcastAuthor(DomainError):
    key = "error.not_broadcast_author"


class InvalidWhen(DomainError):
    key = "error.invalid_when"


class NotTeamLead(DomainError):
    key = "error.not_team_lead"


class InvalidTitle(DomainError):
    key = "error.invalid_title"


class InvalidPlace(DomainError):
    key = "error.invalid_place"


class InvalidCategory(DomainError):
    key = "error.invalid_category"


class InvalidCapacity(DomainError):
    key = "error.invalid_capacity"


class WhenInPast(DomainError):
    key = "error.when_in_past"


class EndNotAfterStart(DomainError):
    key = "error.end_not_after_start"


class ActivityTooLong(DomainError):
    key = "error.activity_too_long"  # params: hours, latest, example


class StartTooFarAhead(DomainError):
    key = "error.start_too_far_ahead"  # params: latest


class UnknownActivity(DomainError):
    key = "error.unknown_activity"


class ActivityCancelled(DomainError):
    key = "error.activity_cancelled"


class SignupClosed(DomainError):
    key = "error.signup_closed"


class ScheduleClash(DomainError):
    key = "error.schedule_clash"


class TimeChangeClash(DomainError):
    key = "error.time_change_clash"  # params: count, title, start


class NotSignedUp(DomainError):
    key = "error.not_signed_up"


class InvalidDescription(DomainError):
    key = "error.invalid_description"


class CapacityBelowConfirmed(DomainError):
    key = "error.capacity_below_confirmed"


class NotConfirmedFor(DomainError):
    key = "error.not_confirmed_for"  # params: title


class CheckInNotOpen(DomainError):
    key = "error.checkin_not_open"  # params: title, opens, ends


class NoLocationPin(DomainError):
    key = "error.no_location_pin"


class TooFar(DomainError):
    key = "error.too_far"  # params: distance, radius


class UnknownCode(DomainError):
    key = "error.unknown_code"


class CodeExpired(DomainError):
    key = "error.code_expired"


class NotCheckedIn(DomainError):
    key = "error.not_checked_in"


class SheetAlreadyMade(DomainError):
    key = "error.sheet_already_made"


class SheetNotReady(DomainError):
    key = "error.sheet_not_ready"


class UnknownRecord(DomainError):
    key = "error.unknown_record"


class OwnHours(DomainError):
    key = "error.own_hours"


class RecordNotOpen(DomainError):
    key = "error.record_not_open"


class InvalidMinutes(DomainError):
    key = "error.invalid_minutes"  # params: max (the limit in minutes, shown as hours)

    def __init__(self, max: int) -> None:
        super().__init__(max=Hours(max))


class InvalidReason(DomainError):
    key = "error.invalid_reason"  # params: min (letters or digits)

    def __init__(self, min: int = 4) -> None:
        super().__init__(min=min)


class InvalidText(DomainError):
    key = "error.invalid_text"


class SelfReview(DomainError):
    key = "error.self_review"


class NoOtherAdmin(DomainError):
    key = "error.no_other_admin"  # params: limit (hours)


class DayOverfull(DomainError):
    key = "error.day_overfull"  # params: day, already (Hours)


class LiveLocationNeeded(DomainError):
    key = "error.live_location_needed"


class OpenCheckInElsewhere(DomainError):
    key = "error.open_checkin_elsewhere"  # params: title


class PersonCheckedInElsewhere(DomainError):
    key = "error.person_checked_in_elsewhere"  # params: title


class NotDisputable(DomainError):
    key = "error.not_disputable"


class NotDisputed(DomainError):
    key = "error.not_disputed"


class InvalidDate(DomainError):
    key = "error.invalid_date"


class NoHoursYet(DomainError):
    key = "error.no_hours_yet"


class UnknownCertificate(DomainError):
    key = "error.unknown_certificate"


class NotTeamMember(DomainError):
    key = "error.not_team_member"


class InvalidPeriod(DomainError):
    key = "error.invalid_period"


class DuplicateRow(DomainError):
    key = "error.duplicate_row"  # params: line


class ExportTooLarge(DomainError):
    key = "export.too_big"  # params: count (the rows written before it stopped, then "+")


class LinkCodeWrong(DomainError):
    """No such code, or it expired (codes are valid 10 minutes and used once)."""

    key = "error.link_code_wrong"


class LinkTooManyTries(DomainError):
    key = "error.link_too_many_tries"


class LinkOwnCode(DomainError):
    """The code was typed in the channel that showed it."""

    key = "error.link_own_code"


class LinkSameChannel(DomainError):
    """Both accounts are on the same channel: a link joins a WeChat and a Telegram account."""

    key = "error.link_same_channel"


class LinkRegisteredHere(DomainError):
    """This account has a registration of its own: linking would leave one of the two."""

    key = "error.link_registered_here"


class LinkNotRegisteredThere(DomainError):
    key = "error.link_not_registered_there"


class AlreadyLinked(DomainError):
    """The other account is linked to another account of this channel already."""

    key = "error.already_linked"
