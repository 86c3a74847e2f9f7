"""Figures of a report period from the published monthly cells, without ever recovering a secret.

A monthly edition shows the published cell as it is. A quarterly or yearly edition aggregates the
months of its period, by the nature of the indicator:

- **flows** (counts of events in the month: entries, orientations, controls, alerts…): the sum of
  the months;
- **stocks** (counts on the last day of the month: registrants, waiting lists, accompaniments
  under way) and the rates and means of a stock (intensive accompaniments, contracts of
  engagement signed, portfolios): the last month;
- **rates** and **means** (``ratio``) of monthly cohorts or events: recomputed from the summed
  numerators and denominators (each member belongs to one monthly cohort, so the sums are the
  period's cohort);
- **medians** cannot be aggregated from monthly medians: the last month's, said so.

A sum or a ratio over months is « s » as soon as one of the months needed is secret: adding the
published months around a secret one and printing the total would let anyone subtract the
published months from it and recover the secret cell. Only published cells are ever added up, so
an aggregate says nothing the published view does not already say. Where such a sum is « s », the
view's own total of the period is shown when it is published (``Cellules``: its 12-month cell for
a year, its quarter cell for a calendar quarter, flows and rates only): the disclosure control
protected it with its months.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from pipelines.rapports.periodes import Periode
from pipelines.secret.relations import STOCKS as STOCKS_ET_TAUX_DE_STOCK

FLUX = "flux"
STOCK = "stock"
TAUX = "taux"
DERNIER_MOIS = "dernier_mois"

#: Counts observed on the last day of the month (A1, B3, B9, B10) and the rates and means of such
#: a population (B11, G1, H1, H2): one list in the project, the outsider's relations'.
STOCKS = STOCKS_ET_TAUX_DE_STOCK

ENSEMBLE = "ensemble"
MOIS = "mois"


def type_agrege(mois: list[date]) -> str | None:
    """The view's period type that totals these consecutive months: ``cumul_12_mois`` for 12,
    ``trimestre`` for a calendar quarter; None otherwise."""
    if len(mois) == 12:
        return "cumul_12_mois"
    if len(mois) == 3 and mois[-1].month % 3 == 0:
        return "trimestre"
    return None


def nature(indicateur: str, unite: str) -> str:
    """How an indicator aggregates over months (see the module's docstring)."""
    if indicateur in STOCKS:
        return STOCK if unite == "nombre" else DERNIER_MOIS
    if unite == "jours":
        return DERNIER_MOIS
    if unite in ("taux", "ratio"):
        return TAUX
    return FLUX


@dataclass(frozen=True)
class Valeur:
    """A figure of the report: a published cell, or an aggregate of published cells.

    ``present`` is False when the published view has no cell (no data for the territory); a
    secret value has ``secret`` True and no figures; ``mois`` is set when the figure describes
    only one month of a longer period (stocks, medians)."""

    unite: str
    valeur: float | None = None
    numerateur: float | None = None
    denominateur: float | None = None
    secret: bool = False
    provisoire: bool = False
    present: bool = True
    mois: date | None = None

    @property
    def chiffre(self) -> float | None:
        """The number to show or draw, None when there is none (absent, secret, not reached)."""
        return None if (self.secret or not self.present) else self.valeur


def absente(unite: str) -> Valeur:
    return Valeur(unite, present=False)


def agreger(indicateur: str, unite: str, mois: list[date], cellules: list[Valeur | None]) -> Valeur:
    """The period's figure from its months' cells (``None``: no cell that month), in month order."""
    if len(mois) == 1:
        return cellules[0] or absente(unite)
    presentes = [c for c in cellules if c is not None]
    if not presentes:
        return absente(unite)
    sorte = nature(indicateur, unite)
    if sorte in (STOCK, DERNIER_MOIS):
        derniere = cellules[-1]
        return replace(derniere, mois=mois[-1]) if derniere is not None else replace(absente(unite), mois=mois[-1])
    provisoire = any(c.provisoire for c in presentes)
    if any(c.secret for c in presentes):
        return Valeur(unite, secret=True, provisoire=provisoire)
    if sorte == FLUX:
        total = sum(c.valeur or 0.0 for c in presentes)
        return Valeur(unite, valeur=total, numerateur=total, provisoire=provisoire)
    if any(c.numerateur is None or c.denominateur is None for c in presentes):
        # A published ratio without its numerator and denominator cannot be recomputed.
        return absente(unite)
    num = sum(c.numerateur for c in presentes)
    den = sum(c.denominateur for c in presentes)
    if den == 0:
        return absente(unite)
    return Valeur(unite, valeur=num / den, numerateur=num, denominateur=den, provisoire=provisoire)


def somme_modalites(valeurs: Iterable[Valeur], total: Valeur) -> Valeur:
    """A ratio for a group of modalities (``CD|CAP_EMPLOI``): summed numerators over the
    ``ensemble`` denominator; « s » when any part or the total is secret."""
    valeurs = list(valeurs)
    if total.secret or any(v.secret for v in valeurs):
        return Valeur(total.unite, secret=True, provisoire=total.provisoire)
    if not total.present or not total.denominateur or any(v.present and v.numerateur is None for v in valeurs):
        return absente(total.unite)
    num = sum(v.numerateur or 0.0 for v in valeurs if v.present)
    return Valeur(total.unite, valeur=num / total.denominateur, numerateur=num,
                  denominateur=total.denominateur,
                  provisoire=total.provisoire or any(v.provisoire for v in valeurs))


class Cellules:
    """The published cells read for a report, indexed for look-ups by key and month."""

    def __init__(self, lignes: Iterable[dict]):
        self._cellules: dict[tuple, Valeur] = {}
        #: published totals of several months (``type_periode`` trimestre, cumul_12_mois), by key,
        #: period type and last month
        self._agreges: dict[tuple, Valeur] = {}
        self._modalites: dict[tuple, set[str]] = {}
        self._unites: dict[str, str] = {}
        self._territoires_mois: set[tuple[str, str, date]] = set()
        for r in lignes:
            secret = bool(r["secret"])
            cle = (r["indicateur"], r["niveau"], r["territoire"], r["dimension"], r["modalite"])
            type_periode = r.get("type_periode", MOIS)
            if type_periode != MOIS:
                if not secret:
                    self._agreges[(*cle, type_periode, r["periode"])] = Valeur(
                        r["unite"], valeur=r["valeur"], numerateur=r["numerateur"],
                        denominateur=r["denominateur"], provisoire=bool(r["provisoire"]))
                continue
            self._cellules[(*cle, r["periode"])] = Valeur(
                r["unite"],
                # Belt and braces: a secret cell shows no figure even if the view kept one.
                valeur=None if secret else r["valeur"],
                numerateur=None if secret else r["numerateur"],
                denominateur=None if secret else r["denominateur"],
                secret=secret,
                provisoire=bool(r["provisoire"]),
            )
            self._modalites.setdefault(cle[:4], set()).add(r["modalite"])
            self._unites.setdefault(r["indicateur"], r["unite"])
            self._territoires_mois.add((r["niveau"], r["territoire"], r["periode"]))

    def unite(self, indicateur: str) -> str:
        return self._unites.get(indicateur, "nombre")

    def cellule(self, indicateur: str, niveau: str, territoire: str, mois: date,
                dimension: str = ENSEMBLE, modalite: str = ENSEMBLE) -> Valeur | None:
        return self._cellules.get((indicateur, niveau, territoire, dimension, modalite, mois))

    def valeur(self, indicateur: str, niveau: str, territoire: str, periode: Periode,
               dimension: str = ENSEMBLE, modalite: str = ENSEMBLE) -> Valeur:
        """The figure of the period (aggregated per :func:`agreger`)."""
        mois = periode.mois
        cellules = [self.cellule(indicateur, niveau, territoire, m, dimension, modalite) for m in mois]
        v = agreger(indicateur, self.unite(indicateur), mois, cellules)
        type_periode = type_agrege(mois)
        if v.secret and type_periode and nature(indicateur, self.unite(indicateur)) in (FLUX, TAUX):
            total = self._agreges.get((indicateur, niveau, territoire, dimension, modalite, type_periode, mois[-1]))
            if total is not None:
                return total
        return v

    def serie(self, indicateur: str, niveau: str, territoire: str, mois: list[date],
              dimension: str = ENSEMBLE, modalite: str = ENSEMBLE) -> list[tuple[date, Valeur]]:
        """Monthly cells over ``mois`` (absent months as absent values), for trend charts."""
        unite = self.unite(indicateur)
        return [(m, self.cellule(indicateur, niveau, territoire, m, dimension, modalite) or absente(unite))
                for m in mois]

    def modalites(self, indicateur: str, niveau: str, territoire: str, dimension: str) -> list[str]:
        """Modalities of a breakdown that have a cell in any month read, sorted."""
        return sorted(self._modalites.get((indicateur, niveau, territoire, dimension), set()))

    def a_des_cellules(self, niveau: str, territoire: str, mois: Iterable[date]) -> bool:
        return any((niveau, territoire, m) in self._territoires_mois for m in mois)
