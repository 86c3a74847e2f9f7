"""Periods of a report: a month, a quarter or a year, with the periods it is compared with.

The period of a monthly edition is written ``2025-06``, of a quarterly one ``2025-T2``, of a
yearly one ``2025``: the same strings name the archived files (``rapports/76/2025-T2.pdf``).
For convenience a quarterly or yearly edition also accepts a month (``2025-06`` → the quarter or
the year that contains it), as the ``--periode`` option of ``socle rapport`` is a month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from pipelines.core.formats import format_mois, format_mois_long
from pipelines.rapports.erreurs import RapportError

MENSUELLE = "mensuelle"
TRIMESTRIELLE = "trimestrielle"
ANNUELLE = "annuelle"
EDITIONS = (MENSUELLE, TRIMESTRIELLE, ANNUELLE)
_DUREE_MOIS = {MENSUELLE: 1, TRIMESTRIELLE: 3, ANNUELLE: 12}

_MOIS = re.compile(r"^(\d{4})-(\d{2})$")
_TRIMESTRE = re.compile(r"^(\d{4})-?T([1-4])$", re.IGNORECASE)
_ANNEE = re.compile(r"^(\d{4})$")


def ajouter_mois(mois: date, n: int) -> date:
    """First day of the month ``n`` months after (or before, n < 0) ``mois``."""
    index = mois.year * 12 + mois.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Periode:
    """``duree`` consecutive months starting at ``debut`` (a first day of month)."""

    edition: str
    debut: date

    @property
    def duree(self) -> int:
        return _DUREE_MOIS[self.edition]

    @property
    def mois(self) -> list[date]:
        return [ajouter_mois(self.debut, i) for i in range(self.duree)]

    @property
    def dernier_mois(self) -> date:
        return ajouter_mois(self.debut, self.duree - 1)

    @property
    def fin(self) -> date:
        """Last day of the period."""
        return date.fromordinal(ajouter_mois(self.debut, self.duree).toordinal() - 1)

    def decaler(self, n: int) -> Periode:
        """The period ``n`` editions later (n < 0: earlier)."""
        return Periode(self.edition, ajouter_mois(self.debut, n * self.duree))

    @property
    def precedente(self) -> Periode:
        return self.decaler(-1)

    @property
    def un_an_avant(self) -> Periode:
        return Periode(self.edition, ajouter_mois(self.debut, -12))

    @property
    def cle(self) -> str:
        """``2025-06``, ``2025-T2``, ``2025``: the file name of the archived report."""
        if self.edition == MENSUELLE:
            return f"{self.debut:%Y-%m}"
        if self.edition == TRIMESTRIELLE:
            return f"{self.debut.year}-T{(self.debut.month - 1) // 3 + 1}"
        return f"{self.debut.year}"

    @property
    def libelle(self) -> str:
        """``juin 2025``, ``2e trimestre 2025``, ``année 2025``."""
        if self.edition == MENSUELLE:
            return format_mois_long(self.debut)
        if self.edition == TRIMESTRIELLE:
            numero = (self.debut.month - 1) // 3 + 1
            return f"{'1er' if numero == 1 else f'{numero}e'} trimestre {self.debut.year}"
        return f"année {self.debut.year}"

    @property
    def libelle_court(self) -> str:
        """``juin 2025``, ``T2 2025``, ``2025`` (table headers)."""
        if self.edition == MENSUELLE:
            return format_mois(self.debut)
        if self.edition == TRIMESTRIELLE:
            return f"T{(self.debut.month - 1) // 3 + 1} {self.debut.year}"
        return str(self.debut.year)


def periode(texte: str, edition: str = MENSUELLE) -> Periode:
    """Parse ``--periode`` for an edition; French error when it does not read."""
    edition = (edition or MENSUELLE).strip().lower()
    if edition not in EDITIONS:
        raise RapportError(f"Édition inconnue « {edition} » : mensuelle, trimestrielle ou annuelle.")
    texte = (texte or "").strip()
    if m := _MOIS.match(texte):
        annee, mois = int(m.group(1)), int(m.group(2))
        if not 1 <= mois <= 12:
            raise RapportError(f"Mois invalide dans « {texte} » (attendu AAAA-MM, mois de 01 à 12).")
        premier = {MENSUELLE: mois, TRIMESTRIELLE: (mois - 1) // 3 * 3 + 1, ANNUELLE: 1}[edition]
        return Periode(edition, date(annee, premier, 1))
    if (m := _TRIMESTRE.match(texte)) and edition == TRIMESTRIELLE:
        return Periode(edition, date(int(m.group(1)), (int(m.group(2)) - 1) * 3 + 1, 1))
    if (m := _ANNEE.match(texte)) and edition == ANNUELLE:
        return Periode(edition, date(int(m.group(1)), 1, 1))
    attendu = {MENSUELLE: "AAAA-MM (ex. 2025-06)", TRIMESTRIELLE: "AAAA-T1 à AAAA-T4 ou un mois AAAA-MM",
               ANNUELLE: "AAAA ou un mois AAAA-MM"}[edition]
    raise RapportError(f"Période « {texte} » illisible pour l'édition {edition} : attendu {attendu}.")
