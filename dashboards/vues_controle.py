"""Pure shapes of the Contrôle and Détournement de finalité pages.

Like ``dashboards.vues``: frames of cells in, frames or dicts out, no Streamlit. The main piece is
:func:`cumuler`, the sum of a cell over several months. A single month gives too few controls
per agency (or too few alerts per situation) for a readable comparison, so the pages offer the
last 3, 6 or 12 months summed. On the published view, a cell with a secret month in the window
stays secret: the published months subtracted from the sum would give the secret one back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from dashboards import vues
from pipelines import equite
from pipelines.core import formats as fmt
from pipelines.core.indicateurs import E1, E2
from pipelines.rapports import agregation

#: Windows offered for the breakdowns (1 = the month chosen in the sidebar).
FENETRES_VENTILATION = (1, 3, 6, 12)
#: Windows offered for the comparison of agencies: one month is too few controls per agency.
FENETRES_COMPARAISON = (3, 6, 12)
#: Default window of the comparison: the largest, the one where a gap is least likely to be chance.
FENETRE_COMPARAISON_DEFAUT = 12

CLES_CELLULE = ("indicateur", "niveau", "territoire", "dimension", "modalite")

#: Order of the positions in the lists: the most unlikely gaps first.
ORDRE_POSITIONS = {
    equite.AU_DESSUS_998: 0,
    equite.EN_DESSOUS_998: 1,
    equite.AU_DESSUS_95: 2,
    equite.EN_DESSOUS_95: 3,
    equite.DANS_LES_LIMITES: 4,
}
#: Position shown for a unit left out of the funnel because of the secret.
POSITION_SECRETE = "non représentée (secret statistique sur au moins un mois de la période)"


# ---------------------------------------------------------------------------------------------
# Windows of months


def libelle_fenetre(mois: int) -> str:
    return "Mois choisi" if mois == 1 else f"{mois} derniers mois"


def bornes_fenetre(fin: date, mois: int) -> tuple[date, date]:
    """First and last month of the ``mois`` months ending with ``fin``."""
    if mois < 1:
        raise ValueError("Une fenêtre compte au moins un mois.")
    return vues.mois_decale(fin, mois - 1), fin


def texte_periode(debut: date, fin: date) -> str:
    """« janv. 2026 » for one month, « janv. 2026 – déc. 2026 » for several."""
    if debut == fin:
        return fmt.format_mois(fin)
    return f"{fmt.format_mois(debut)} – {fmt.format_mois(fin)}"


#: Columns of :func:`cumuler`'s result: a cell's, plus the window and its months.
SCHEMA_CUMUL = {
    "indicateur": pl.String, "periode": pl.Date, "debut": pl.Date, "niveau": pl.String,
    "territoire": pl.String, "libelle": pl.String, "dimension": pl.String, "modalite": pl.String,
    "numerateur": pl.Float64, "denominateur": pl.Float64, "valeur": pl.Float64, "unite": pl.String,
    "provisoire": pl.Boolean, "secret": pl.Boolean, "mois_presents": pl.UInt32, "mois_secrets": pl.UInt32,
}


def cumuler(cellules: pl.DataFrame, debut: date, fin: date) -> pl.DataFrame:
    """Each cell (indicator, territory, breakdown, modality) summed over the months ``debut`` …
    ``fin``, in the shape of a cell (``periode`` = ``fin``, plus ``debut``, ``mois_presents`` and
    ``mois_secrets``), so that the figures and tables of ``vues`` read it.

    Counts add up; a ratio is the sum of its numerators over the sum of its denominators (never
    an average of monthly ratios). A month without a cell counts as zero (a ratio cell is absent
    when its denominator is 0). A cell with a secret month is secret, values null: the sum minus
    the published months would reveal it. ``provisoire`` when any month is. A median does not add
    up: ``jours`` cells raise ``ValueError``.
    """
    df = cellules.filter((pl.col("periode") >= debut) & (pl.col("periode") <= fin))
    if df.height == 0:
        return pl.DataFrame(schema=SCHEMA_CUMUL)
    if (df["unite"] == "jours").any():
        raise ValueError("Une médiane ne s'additionne pas d'un mois à l'autre : pas de cumul des indicateurs en jours.")
    if "libelle" not in df.columns:
        df = df.with_columns(libelle=pl.lit(None, pl.String))
    if "secret" not in df.columns:
        df = df.with_columns(secret=pl.lit(False))
    secret = pl.col("secret").fill_null(False)
    sommes = df.group_by(list(CLES_CELLULE), maintain_order=True).agg(
        libelle=pl.col("libelle").drop_nulls().first(),
        unite=pl.col("unite").first(),
        num=pl.col("numerateur").sum(),
        den=pl.col("denominateur").sum(),
        somme=pl.col("valeur").sum(),
        provisoire=pl.col("provisoire").fill_null(False).any(),
        secret=secret.any(),
        mois_presents=pl.len(),
        mois_secrets=secret.sum().cast(pl.UInt32),
    )
    taux = pl.col("unite") == "taux"
    cache = pl.col("secret")
    return sommes.select(
        "indicateur",
        periode=pl.lit(fin, pl.Date),
        debut=pl.lit(debut, pl.Date),
        niveau="niveau", territoire="territoire", libelle="libelle",
        dimension="dimension", modalite="modalite",
        numerateur=pl.when(cache).then(None).otherwise(pl.col("num")).cast(pl.Float64),
        denominateur=pl.when(cache | ~taux).then(None).otherwise(pl.col("den")).cast(pl.Float64),
        valeur=pl.when(cache).then(None)
        .when(taux).then(pl.when(pl.col("den") > 0).then(pl.col("num") / pl.col("den")))
        .otherwise(pl.col("somme")).cast(pl.Float64),
        unite="unite", provisoire="provisoire", secret="secret",
        mois_presents=pl.col("mois_presents").cast(pl.UInt32), mois_secrets="mois_secrets",
    )


def type_agrege(debut: date, fin: date) -> str | None:
    """The published total that covers the window exactly (the reports' rule,
    :func:`pipelines.rapports.agregation.type_agrege`)."""
    n = (fin.year - debut.year) * 12 + fin.month - debut.month + 1
    return agregation.type_agrege([vues.mois_decale(fin, n - 1 - k) for k in range(n)])


def avec_agreges(cumul: pl.DataFrame, agreges: pl.DataFrame) -> pl.DataFrame:
    """:func:`cumuler`'s cells where the sum is secret replaced by the published total of the same
    window (``agreges``: cells of :func:`type_agrege`'s type ending with the window), when that
    total is published: the protection ran over the published totals too, so showing one reveals
    nothing (and a sum with a secret month may well be published as a 12-month cell).
    ``mois_secrets`` keeps counting the secret months."""
    if cumul.height == 0 or agreges.height == 0:
        return cumul
    fin = cumul.get_column("periode").max()
    publies = agreges.filter((pl.col("periode") == fin) & ~pl.col("secret").fill_null(False)).select(
        *CLES_CELLULE, pl.col("numerateur").alias("_n"), pl.col("denominateur").alias("_d"),
        pl.col("valeur").alias("_v"), pl.col("provisoire").fill_null(False).alias("_p"))
    j = cumul.join(publies, on=list(CLES_CELLULE), how="left")
    remplace = pl.col("secret") & pl.col("_v").is_not_null()
    return j.with_columns(
        numerateur=pl.when(remplace).then(pl.col("_n")).otherwise(pl.col("numerateur")),
        denominateur=pl.when(remplace).then(pl.col("_d")).otherwise(pl.col("denominateur")),
        valeur=pl.when(remplace).then(pl.col("_v")).otherwise(pl.col("valeur")),
        provisoire=pl.when(remplace).then(pl.col("_p")).otherwise(pl.col("provisoire")),
        secret=pl.when(remplace).then(False).otherwise(pl.col("secret")),
    ).select(cumul.columns)


def sur_fenetre(cellules: pl.DataFrame, debut: date, fin: date) -> pl.DataFrame:
    """The cells of one month as they are, several months summed (:func:`cumuler`)."""
    if debut == fin:
        return cellules.filter(pl.col("periode") == fin)
    return cumuler(cellules, debut, fin)


def tableau_fenetre(cellules: pl.DataFrame, debut: date, fin: date, listes: Mapping | None = None,
                    dico: Mapping | None = None) -> pl.DataFrame:
    """``vues.tableau_detail`` of cells over a window: the « Mois » column says the period."""
    detail = vues.tableau_detail(cellules, listes, dico)
    if debut == fin:
        return detail
    return detail.with_columns(pl.lit(texte_periode(debut, fin)).alias("Mois")).rename({"Mois": "Période"})


def complement(cellules: pl.DataFrame) -> pl.DataFrame:
    """``1 − taux`` of ratio cells (numerator: denominator − numerator): e.g. the breaches
    without sanction from D4. Secret and absent values stay so."""
    return cellules.with_columns(
        numerateur=pl.col("denominateur") - pl.col("numerateur"),
        valeur=1 - pl.col("valeur"),
    )


# ---------------------------------------------------------------------------------------------
# Comparison of units (funnel plot)


@dataclass(frozen=True)
class Comparaison:
    """The units of a territory against its rate over a window."""

    #: The territory's rate over the window, None when absent or secret (no funnel then).
    taux_reference: float | None
    reference_secrete: bool
    #: ``equite.positionner`` of the units that can be shown, with ``nom``, most unlikely first.
    positions: pl.DataFrame
    #: Units left out because a month of the window is secret (``nom``, ``territoire``, ``mois_secrets``).
    secretes: pl.DataFrame
    provisoire: bool

    @property
    def hors_limites(self) -> pl.DataFrame:
        return self.positions.filter(pl.col("position").is_in(equite.HORS_LIMITES))


def _avec_nom(df: pl.DataFrame) -> pl.DataFrame:
    noms = [fmt.libelle_territoire(n, t, lib) for n, t, lib in df.select("niveau", "territoire", "libelle").iter_rows()]
    return df.with_columns(nom=pl.Series("nom", noms, dtype=pl.String))


def comparer_unites(unites: pl.DataFrame, reference: pl.DataFrame) -> Comparaison:
    """Position of each unit (cumulated cells of :func:`cumuler`, one per unit, ``ensemble``)
    against the reference territory's cumulated rate (``reference``: its cell, or empty).

    Secret units are left out of the positions and listed apart; units without controls in the
    window (no cell, or a zero denominator) are in neither. A secret or absent reference rate
    gives no positions: there is nothing to draw the limits around.
    """
    ref = reference.row(0, named=True) if reference.height else None
    reference_secrete = bool(ref and ref.get("secret"))
    taux = None
    if ref and not reference_secrete and not fmt.est_vide(ref.get("valeur")):
        taux = float(ref["valeur"])
    unites = _avec_nom(unites) if unites.height else unites.with_columns(nom=pl.lit(None, pl.String))
    secretes = unites.filter(pl.col("secret").fill_null(False))
    visibles = unites.filter(~pl.col("secret").fill_null(False))
    # No reference rate, no limits: an empty frame of the same shape (positionner's columns).
    positions = equite.positionner(visibles, taux) if taux is not None else equite.positionner(visibles.clear(), 0.0)
    if positions.height:
        positions = (
            positions.with_columns(_rang=pl.col("position").replace_strict(ORDRE_POSITIONS, return_dtype=pl.Int8))
            .sort(["_rang", "denominateur"], descending=[False, True])
            .drop("_rang")
        )
    provisoire = (bool(unites.height and unites["provisoire"].fill_null(False).any())
                  or bool(ref and ref.get("provisoire")))
    return Comparaison(taux, reference_secrete, positions, secretes.sort("territoire"), provisoire)


def _limites(bas, haut) -> str:
    return f"{fmt.format_taux(bas)} – {fmt.format_taux(haut)}"


def tableau_comparaison(comp: Comparaison, libelle_volume: str, libelle_evenements: str, libelle_taux: str,
                        seulement_hors_limites: bool = False) -> pl.DataFrame:
    """The units of the funnel as displayed: volume, events, rate, limits, position; the units
    left out for the secret follow with « s » (unless ``seulement_hors_limites``)."""
    colonnes = ["Agence", "Code", libelle_volume, libelle_evenements, libelle_taux,
                "Limites à 95 %", "Limites à 99,8 %", "Position"]
    source = comp.hors_limites if seulement_hors_limites else comp.positions
    lignes = [
        [r["nom"], r["territoire"], fmt.format_nombre(r["denominateur"]), fmt.format_nombre(r["numerateur"]),
         fmt.format_cellule(r["taux"], "taux", r.get("provisoire")),
         _limites(r["bas_95"], r["haut_95"]), _limites(r["bas_998"], r["haut_998"]), r["position"]]
        for r in source.to_dicts()
    ]
    if not seulement_hors_limites:
        lignes += [
            [r["nom"], r["territoire"], fmt.SECRET, fmt.SECRET, fmt.SECRET, fmt.VIDE, fmt.VIDE, POSITION_SECRETE]
            for r in comp.secretes.to_dicts()
        ]
    return pl.DataFrame(lignes, schema=[(c, pl.String) for c in colonnes], orient="row")


def resume_comparaison(comp: Comparaison) -> dict[str, int]:
    """Counts of units by group, for the sentence under the funnel."""
    hors = comp.hors_limites
    return {
        "representees": comp.positions.height,
        "hors_95": hors.height,
        "hors_998": hors.filter(pl.col("position").is_in([equite.AU_DESSUS_998, equite.EN_DESSOUS_998])).height,
        "secretes": comp.secretes.height,
    }


# ---------------------------------------------------------------------------------------------
# Labels


_CAMPAGNE = re.compile(r"^(\d{4})-V(\d+)$")


def libelle_campagne(code: str) -> str:
    """« 2024-V2 » → « Campagne 2024, vague 2 »; FLUX and others as ``format`` says."""
    m = _CAMPAGNE.match(code or "")
    if m:
        return f"Campagne {m.group(1)}, vague {int(m.group(2))}"
    return fmt.libelle_modalite("campagne", code)


def listes_avec_campagnes(listes: Mapping, codes: Sequence[str]) -> dict:
    """The code lists of the context plus readable campaign labels (the exports list none)."""
    complete = dict(listes)
    for code in codes:
        complete.setdefault(("campagne", code), libelle_campagne(code))
    return complete


# ---------------------------------------------------------------------------------------------
# Published reference values


def reference_publiee(refs: pl.DataFrame, indicateur: str, territoire: str,
                      complementaire: bool = False) -> dict | None:
    """The most relevant published reference of an indicator's ``ensemble`` (the territory's
    own, else France's, latest year) as ``{"valeur", "court", "libelle", "commentaire"}``;
    ``complementaire`` gives ``1 − valeur`` (the breaches without sanction from D4's reference)."""
    choisies = vues.references(refs, indicateur, territoire)
    if not choisies:
        return None
    r = choisies[0]
    valeur = 1 - r["valeur"] if complementaire else r["valeur"]
    lieu = "France" if r["territoire"] == "FR" else f"région {r['territoire']}"
    return {
        "valeur": valeur,
        "court": f"{lieu} {r['annee']} : {fmt.format_taux(valeur, 0)}",
        "libelle": f"{fmt.format_taux(valeur, 0)} ({lieu}, {r['annee']} ; {r['source']})",
        "commentaire": r.get("commentaire"),
    }


def ecart_au_total(total: dict | None, parties: pl.DataFrame) -> float | None:
    """Total minus the sum of its parts (a region's alerts minus its départements'), None when
    the total is absent or any value is secret or absent (never a difference around a secret)."""
    if total is None or total.get("secret") or fmt.est_vide(total.get("valeur")):
        return None
    if parties.height and (parties["secret"].fill_null(False).any() or parties["valeur"].is_null().any()):
        return None
    return float(total["valeur"]) - float(parties["valeur"].sum() if parties.height else 0.0)


def tableau_campagnes(alertes: pl.DataFrame, conclusions: pl.DataFrame, listes: Mapping | None = None,
                      dico: Mapping | None = None, alertes_code: str = E1,
                      conclusions_code: str = E2) -> pl.DataFrame:
    """One row per campaign from cumulated cells (:func:`cumuler`, dimension ``campagne``) of
    the alerts (E1) and of the false-positive rate (E2): alerts, concluded alerts, non-confirmed
    ones, the rate. Campaigns in order, continuous alerting (FLUX) last; secret reads « s »."""
    par_code: dict[str, dict] = {}
    for c in alertes.to_dicts():
        par_code.setdefault(c["modalite"], {})["alertes"] = c
    for c in conclusions.to_dicts():
        par_code.setdefault(c["modalite"], {})["conclusions"] = c
    listes = listes_avec_campagnes(listes or {}, list(par_code))
    colonnes = ["Campagne", fmt.libelle_indicateur(alertes_code, dico), "Alertes conclues", "dont non avérées",
                fmt.libelle_indicateur(conclusions_code, dico)]
    lignes = []
    for code in sorted(par_code, key=lambda k: (not _CAMPAGNE.match(k or ""), k or "")):
        a, c = par_code[code].get("alertes"), par_code[code].get("conclusions")
        secret_c = bool(c and c.get("secret"))
        lignes.append([
            fmt.libelle_modalite("campagne", code, listes),
            vues.texte_cellule(a) if a else fmt.VIDE,
            fmt.SECRET if secret_c else fmt.format_nombre(c["denominateur"] if c else 0),
            fmt.SECRET if secret_c else fmt.format_nombre(c["numerateur"] if c else 0),
            vues.texte_cellule(c) if c else fmt.VIDE,
        ])
    return pl.DataFrame(lignes, schema=[(c, pl.String) for c in colonnes], orient="row")
