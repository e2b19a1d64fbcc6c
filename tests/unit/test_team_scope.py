"""Whose teams a person runs (activities, wishes, households, coverage, reports and exports all
ask the same question): every team for an admin, the led ones for a lead, nobody else."""

from __future__ import annotations

import pytest

from bot.domain.errors import NotLeadOrAdmin
from bot.domain.models import Actor, Team
from bot.services.teams import managed_teams, team_scope

TEAMS = [Team(1, "traffic", "交通", "Traffic"), Team(2, "blood", "献血", "Blood")]


def test_an_admin_runs_every_team() -> None:
    admin = Actor(1, True, None)
    assert managed_teams(admin, TEAMS) == TEAMS
    assert team_scope(admin, TEAMS) is None


def test_a_lead_runs_the_teams_they_lead() -> None:
    lead = Actor(2, False, None, frozenset({"blood"}))
    assert managed_teams(lead, TEAMS) == [TEAMS[1]]
    assert team_scope(lead, TEAMS) == [2]


@pytest.mark.parametrize("led", [frozenset(), frozenset({"gone"})])
def test_anyone_else_is_refused(led: frozenset[str]) -> None:
    person = Actor(3, False, None, led)
    with pytest.raises(NotLeadOrAdmin):
        managed_teams(person, TEAMS)
    with pytest.raises(NotLeadOrAdmin):
        team_scope(person, TEAMS)
