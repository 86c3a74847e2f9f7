"""The agency × month panel of the MSA evaluation: who is treated, who is a witness, which cells
count.

Treated: the agencies of each MSA model (``referentiel.experimentations``). Witnesses: the other
agencies of the same regions, **except** those running another experiment of the referential
(renewed RSA, renewed CRE): their indicators move for another reason, and would bias the
comparison. Cells: the agency's ``ensemble`` monthly cell, final (not provisional), with a value
and a positive weight; a secret cell of the published view has no value and is left out (the
estimate then says on how many agencies and months it rests).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl

from pipelines.core.indicateurs import B1, B2, B7, B8, B11, C1, C2, F1, F2, F3, F4, F5, F6, F7, F8
from pipelines.secret.relations import STOCKS

MSA = "MSA"
MODELES = ("MODELE_1", "MODELE_2")
#: How the readings, the page and the note name each model (short name, then its label).
NOMS_COURTS = {"MODELE_1": "modèle 1", "MODELE_2": "modèle 2"}
NOMS_MODELES = {"MODELE_1": "modèle 1 « segmentation par besoins »", "MODELE_2": "modèle 2 « alliance de travail »"}
TEMOIN = "TEMOIN"

#: The indicators of the experiment, in reading order: delays to the diagnostic, contract and
#: entry into a parcours, intensive accompaniment (B11, whose population is B10), return to
#: employment, and the réseau pour l'emploi family.
INDICATEURS: tuple[str, ...] = (B1, B2, B7, B8, B11, C1, C2, F1, F2, F3, F4, F5, F6, F7, F8)

COLONNES = ("indicateur", "unite", "code_agence", "groupe", "periode", "y", "poids")


def groupes_agences(experimentations: pl.DataFrame, agences: pl.DataFrame,
                    regions: Sequence[str] | None = None) -> pl.DataFrame:
    """``code_agence, groupe, date_debut`` of the agencies in the evaluation.

    ``experimentations``: ``code_agence, experimentation, modalite, date_debut`` (the referential);
    ``agences``: ``code_agence, code_region``. ``regions``: the regions evaluated (None: every
    region holding an MSA agency). ``groupe`` is ``MODELE_1``, ``MODELE_2`` or ``TEMOIN``
    (``date_debut`` null). An agency listed in MSA and in another experiment stays in its model."""
    exp = experimentations.with_columns(pl.col("date_debut").cast(pl.Date))
    msa = exp.filter((pl.col("experimentation") == MSA) & pl.col("modalite").is_in(MODELES))
    region = agences.select("code_agence", "code_region")
    if regions is None:
        regions = sorted(set(msa.join(region, on="code_agence")["code_region"].to_list()))
    dans = region.filter(pl.col("code_region").is_in(list(regions)))
    traitees = msa.join(dans, on="code_agence", how="semi").select(
        "code_agence", pl.col("modalite").alias("groupe"), "date_debut")
    autres = set(exp.filter(pl.col("experimentation") != MSA)["code_agence"].to_list())
    temoins = dans.filter(~pl.col("code_agence").is_in(list(set(traitees["code_agence"].to_list()) | autres)))
    temoins = temoins.select("code_agence", groupe=pl.lit(TEMOIN), date_debut=pl.lit(None, pl.Date))
    return pl.concat([traitees, temoins]).unique("code_agence", keep="first").sort("groupe", "code_agence")


def agences_exclues(experimentations: pl.DataFrame, groupes: pl.DataFrame, agences: pl.DataFrame) -> pl.DataFrame:
    """The agencies of the evaluated regions left out of the witnesses, and why (``code_agence,
    experimentation``), for the note."""
    regions = agences.join(groupes.select("code_agence"), on="code_agence", how="semi")["code_region"].unique()
    dans = agences.filter(pl.col("code_region").is_in(regions.to_list()))
    return (experimentations.filter(pl.col("experimentation") != MSA)
            .join(dans.select("code_agence"), on="code_agence", how="semi")
            .join(groupes.filter(pl.col("groupe") != TEMOIN).select("code_agence"), on="code_agence", how="anti")
            .group_by("code_agence").agg(pl.col("experimentation").sort().str.join(", "))
            .sort("code_agence"))


def panel(cellules: pl.DataFrame, groupes: pl.DataFrame) -> pl.DataFrame:
    """The panel (``COLONNES``) from agency cells (the columns of ``marts.indicateurs``, with
    ``secret`` when read from the published view).

    ``y`` is the cell's value in its unit (a rate as a proportion, a median in days); ``poids``
    the people behind it: a rate's denominator, a median's numerator (the delays observed), so
    that the fit pools agencies as the rate of their sum would."""
    if "type_periode" in cellules.columns:  # the dashboards' reads are monthly already
        cellules = cellules.filter(pl.col("type_periode") == "mois")
    c = cellules.filter(
        (pl.col("niveau") == "AGENCE") & (pl.col("dimension") == "ensemble")
        & pl.col("indicateur").is_in(list(INDICATEURS)) & ~pl.col("provisoire").fill_null(True)
        & pl.col("valeur").is_not_null()
    )
    if "secret" in c.columns:
        c = c.filter(~pl.col("secret").fill_null(True))
    c = c.with_columns(poids=pl.when(pl.col("unite") == "jours").then(pl.col("numerateur"))
                       .otherwise(pl.col("denominateur")).cast(pl.Float64))
    return (c.filter(pl.col("poids") > 0)
            .join(groupes.select(pl.col("code_agence").alias("territoire"), "groupe"), on="territoire", how="inner")
            .select("indicateur", "unite", pl.col("territoire").alias("code_agence"), "groupe", "periode",
                    pl.col("valeur").cast(pl.Float64).alias("y"), "poids")
            .sort("indicateur", "code_agence", "periode"))


def unite_effectif(indicateur: str) -> str:
    """What the weights add up to: people for a monthly cohort, person-months for a stock."""
    return "personnes-mois" if indicateur in STOCKS else "personnes"


def debut(groupes: pl.DataFrame) -> date | None:
    """Start of the experiment: its earliest agency's."""
    d = groupes.filter(pl.col("groupe") != TEMOIN)["date_debut"]
    return d.min() if d.len() else None
