"""Maintenance scripts run from the Makefile (not part of the installed bot)."""
