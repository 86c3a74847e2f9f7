"""Errors of the CSE reports and of the alerts sent to the establishments. Every message is French
and says what to do: the CLI prints it as is, Dagster shows it in the failed run, and the failure
alert repeats it."""

from __future__ import annotations


class RapportError(RuntimeError):
    """A report cannot be produced or delivered."""


class QualiteBloquante(RapportError):
    """The publication's blocking quality checks failed: nothing goes out."""


class ReglagesError(RapportError):
    """The delivery settings (SMTP server, recipients) are missing or invalid."""


class EnvoiError(RapportError):
    """The SMTP server refused or could not be reached."""


class AlertesError(RapportError):
    """The misuse alerts of an establishment cannot be read or dispatched (unknown establishment,
    no internal warehouse yet, a build in progress, an invalid date or format)."""
