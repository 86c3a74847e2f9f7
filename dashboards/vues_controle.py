"""Pure shapes of the Contrôle, Détournement de finalité, Territoires and Méthodologie pages.

Like ``dashboards.vues``: frames of cells in, frames or dicts out, no Streamlit. The main piece is
:func:`cumuler`, the sum of a cell over several months. A single month gives too few controls
per agency (or too few alerts per situation) for a readable comparison, so the pages offer the
last 3, 6 or 12 months summed. On the published view, a cell with a secret month in the window
stays secret: the published months subtracted from the sum would give the secret one back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

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

#: Codes of the overseas départements (the map shows them in the table, see ``vues.figure_carte``).
PREFIXE_OUTRE_MER = "97"


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
# Territories: sort, map


ORDRES_TRI = {
    "valeur_decroissante": "Valeur décroissante",
    "valeur_croissante": "Valeur croissante",
    "territoire": "Code du territoire",
}


def trier_territoires(cellules: pl.DataFrame, indicateur: str, ordre: str = "valeur_decroissante") -> pl.DataFrame:
    """``cellules`` (one month, several territories) reordered by territory so that
    ``vues.tableau_territoires`` (which keeps the order of its input) lists them sorted by the
    value of ``indicateur``: secret and absent values last, then by code. The sort is on the
    numbers, the table shows them in French."""
    if ordre not in ORDRES_TRI:
        raise ValueError(f"Ordre de tri inconnu : {ordre!r}")
    if cellules.height == 0:
        return cellules
    cles = cellules.select("niveau", "territoire").unique(maintain_order=True)
    valeurs = cellules.filter(pl.col("indicateur") == indicateur).select(
        "niveau", "territoire",
        _v=pl.when(pl.col("secret").fill_null(False)).then(None).otherwise(pl.col("valeur")),
    ).unique(["niveau", "territoire"], keep="first", maintain_order=True)
    rang = cles.join(valeurs, on=["niveau", "territoire"], how="left", maintain_order="left")
    if ordre == "territoire":
        rang = rang.sort("territoire")
    else:
        rang = rang.sort(["_v", "territoire"], descending=[ordre == "valeur_decroissante", False],
                         nulls_last=True)
    rang = rang.with_row_index("_rang").select("niveau", "territoire", "_rang")
    return (
        cellules.join(rang, on=["niveau", "territoire"], how="left", maintain_order="left")
        .sort("_rang", maintain_order=True)
        .drop("_rang")
    )


def completer_carte(cellules: pl.DataFrame, departements: pl.DataFrame, mois: date, unite: str | None,
                    indicateur: str) -> pl.DataFrame:
    """The map's cells plus an empty one for each visible département without a cell (so it is
    drawn, grey, « – », rather than missing). ``departements``: ``code``, ``libelle``."""
    presents = set(cellules["territoire"].to_list()) if cellules.height else set()
    manquants = departements.filter(~pl.col("code").is_in(list(presents)))
    if manquants.height == 0:
        return cellules
    ajout = pl.DataFrame({
        "indicateur": [indicateur] * manquants.height,
        "periode": [mois] * manquants.height,
        "niveau": ["DEPARTEMENT"] * manquants.height,
        "territoire": manquants["code"].to_list(),
        "libelle": manquants["libelle"].to_list(),
        "dimension": ["ensemble"] * manquants.height,
        "modalite": ["ensemble"] * manquants.height,
        "numerateur": [None] * manquants.height,
        "denominateur": [None] * manquants.height,
        "valeur": [None] * manquants.height,
        "unite": [unite] * manquants.height,
        "provisoire": [False] * manquants.height,
        "secret": [False] * manquants.height,
    }, schema_overrides={"numerateur": pl.Float64, "denominateur": pl.Float64, "valeur": pl.Float64,
                         "periode": pl.Date})
    if cellules.height == 0:
        return ajout
    return pl.concat([cellules, ajout.select(cellules.columns)], how="vertical_relaxed")


def geojson_restreint(geojson: Mapping, codes: Sequence[str]) -> dict:
    """Only the features of ``codes`` (the browser receives the départements it draws, not the
    whole country's 1 MB of polygons)."""
    voulus = set(codes)
    return {
        **{k: v for k, v in geojson.items() if k != "features"},
        "features": [f for f in geojson.get("features", []) if f["properties"]["code_departement"] in voulus],
    }


# ---------------------------------------------------------------------------------------------
# Méthodologie


COLONNES_DICTIONNAIRE = {
    "numero": "Numéro",
    "indicateur": "Code",
    "famille": "Famille",
    "libelle": "Libellé",
    "unite": "Unité",
    "statut": "Statut",
    "definition": "Définition",
    "population": "Population",
    "fenetre": "Fenêtre d'observation",
    "ventilations": "Ventilations",
    "exports_sources": "Exports sources",
    "territoire": "Rattachement territorial",
    "choix": "Choix de calcul",
}

LIBELLES_STATUTS_QUALITE = {
    "OK": "Conforme",
    "AVERTISSEMENTS": "Avec avertissements",
    "BLOQUE": "Bloquée",
}


def _numero_tri(numero: str | None) -> tuple[str, int]:
    m = re.match(r"^([A-Z])(\d+)$", numero or "")
    return (m.group(1), int(m.group(2))) if m else ("~", 0)


def trier_dictionnaire(dico: pl.DataFrame) -> pl.DataFrame:
    """Rows in the contract's order (A1, A2, …, B10 after B9)."""
    if dico.height == 0 or "numero" not in dico.columns:
        return dico
    ordre = [_numero_tri(n) for n in dico["numero"].to_list()]
    return (
        dico.with_columns(_l=pl.Series([o[0] for o in ordre]), _n=pl.Series([o[1] for o in ordre]))
        .sort(["_l", "_n"]).drop("_l", "_n")
    )


def par_famille(dico: pl.DataFrame) -> list[tuple[str, list[dict]]]:
    """(family, its indicators in order), families in order."""
    familles: dict[str, list[dict]] = {}
    for fiche in trier_dictionnaire(dico).to_dicts():
        familles.setdefault(fiche.get("famille") or "Autres", []).append(fiche)
    return list(familles.items())


def libelles_ventilations(ventilations: str | None) -> str:
    """« origine, procedure » → « Origine du contrôle, Procédure »; none → « aucune »."""
    noms = [v.strip() for v in (ventilations or "").split(",") if v.strip()]
    return ", ".join(fmt.libelle_dimension(v) for v in noms) if noms else "aucune"


def choix_en_liste(choix: str | None) -> list[str]:
    """The dictionary's choices, one per line."""
    return [ligne.strip() for ligne in (choix or "").splitlines() if ligne.strip()]


def tableau_dictionnaire(dico: pl.DataFrame) -> pl.DataFrame:
    """The dictionary as downloaded: French headers, contract order."""
    if dico.height == 0:
        return pl.DataFrame(schema=[(v, pl.String) for v in COLONNES_DICTIONNAIRE.values()])
    presentes = [c for c in COLONNES_DICTIONNAIRE if c in dico.columns]
    return trier_dictionnaire(dico).select(presentes).rename({c: COLONNES_DICTIONNAIRE[c] for c in presentes})


def tableau_qualite(resultats: pl.DataFrame, avec_details: bool = False) -> pl.DataFrame:
    """Quality checks as displayed: failed first, blocking before warnings, French headers.

    ``details`` quotes rows of the internal table (values before secret, of any territory) and the
    counts span every territory: only with ``avec_details`` (the national view,
    ``data.resultats_qualite``)."""
    colonnes = ["Résultat", "Sévérité", "Suite", "Cible", "Contrôle", "Description", "Lignes", "Anomalies", "Détails"]
    if not avec_details:
        colonnes = colonnes[:-3]
    if resultats.height == 0:
        return pl.DataFrame(schema=[(c, pl.String) for c in colonnes])
    ordre = resultats.with_columns(
        _echec=~pl.col("succes").fill_null(False), _bloquant=pl.col("severite") == "bloquant"
    ).sort(["_echec", "_bloquant"], descending=True, maintain_order=True)
    lignes = []
    for r in ordre.to_dicts():
        lignes.append([
            "réussi" if r.get("succes") else "échec", str(r.get("severite") or fmt.VIDE), str(r.get("suite") or ""),
            str(r.get("cible") or ""), str(r.get("controle") or ""), str(r.get("description") or ""),
        ] + ([fmt.format_nombre(r.get("lignes")), fmt.format_nombre(r.get("anomalies")), str(r.get("details") or "")]
             if avec_details else []))
    return pl.DataFrame(lignes, schema=[(c, pl.String) for c in colonnes], orient="row")


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


@lru_cache(maxsize=2)
def charger_geojson(chemin: str) -> dict:
    """The départements' polygons (read once per process: the file does not change)."""
    with open(chemin, encoding="utf-8") as f:
        return json.load(f)


LIBELLES_NIVEAUX_PLURIEL = {
    "REGION": "Régions",
    "DEPARTEMENT": "Départements",
    "BASSIN": "Bassins d'emploi",
    "AGENCE": "Agences",
}


def indicateurs_du_dictionnaire(dico: Mapping[str, Mapping]) -> list[str]:
    """Indicator codes of the dictionary in the contract's order (A1 … E4)."""
    return sorted(dico, key=lambda code: _numero_tri((dico[code] or {}).get("numero")))


def texte_horodatage(horodatage) -> str:
    """``2026-12-01 23:35:10`` → « 1er décembre 2026 à 23 h 35 »."""
    if horodatage is None:
        return fmt.VIDE
    texte = fmt.format_date(horodatage)
    if hasattr(horodatage, "hour"):
        texte += f" à {horodatage.hour} h {horodatage.minute:02d}"
    return texte


def texte_regle_secret(seuil: int) -> str:
    """The disclosure rule in French, with the threshold of the published version."""
    s = seuil - 1
    return (
        f"« s » remplace toute donnée couverte par le secret statistique. Un effectif compris entre 1 et "
        f"{s} est secret ; un taux l'est quand son dénominateur est inférieur à {seuil} ou son numérateur "
        f"compris entre 1 et {s} (le numérateur se retrouverait en multipliant) ; une médiane, quand sa "
        f"population compte moins de {seuil} personnes. Le seuil ne descend jamais sous 11 pour les "
        "indicateurs de contrôle (D) et de détournement de finalité (E). **Secret secondaire** : les "
        "modalités d'une ventilation s'additionnent, comme les territoires qui composent leur parent "
        "(départements d'une région, agences d'un département ou d'un bassin) ; quand une seule case d'un "
        "tel ensemble serait secrète, une autre est masquée aussi, pour qu'aucune valeur ne se retrouve par "
        "différence. Une cellule secrète garde sa ligne, sans valeur, numérateur ni dénominateur. Sur les "
        "pages Contrôle et Détournement de finalité, un cumul de plusieurs mois reste « s » dès qu'un de ses "
        "mois l'est, sauf si la version publiée donne elle-même le total de la période (cumul 12 mois, "
        "trimestre civil), protégé avec ses mois."
    )


# ---------------------------------------------------------------------------------------------
# Utility of the published view (Méthodologie): what the secret hides


def tableau_part_secret(part: pl.DataFrame) -> pl.DataFrame:
    """Secret monthly cells by level (:func:`pipelines.secret.utilite.calculer_part_secret`):
    one row per level, its counts and share, then the share of each family (A … E)."""
    from pipelines.secret.utilite import ENSEMBLE

    colonnes_fixes = ["Niveau", "Cellules mensuelles", "Secrètes", "Part secrète"]
    if part.height == 0:
        return pl.DataFrame(schema=[(c, pl.String) for c in colonnes_fixes])
    familles = sorted({f for f in part["famille"].to_list() if f != ENSEMBLE})
    lignes = []
    for (niveau,), g in part.group_by("niveau", maintain_order=True):
        par_famille = {r["famille"]: r for r in g.to_dicts()}
        e = par_famille[ENSEMBLE]
        lignes.append([
            fmt.libelle_niveau(niveau), fmt.format_nombre(e["cellules"]), fmt.format_nombre(e["secretes"]),
            fmt.format_taux(e["part_secret"]),
            *(fmt.format_taux(par_famille[f]["part_secret"]) if f in par_famille else fmt.VIDE for f in familles),
        ])
    colonnes = colonnes_fixes + [f"Famille {f}" for f in familles]
    return pl.DataFrame(lignes, schema=[(c, pl.String) for c in colonnes], orient="row")


def tableau_visibilite_comites(synthese: pl.DataFrame) -> pl.DataFrame:
    """Committees' visibility on 12 months, one row per level of perimeters (départements,
    bassins): how many, median and minimum share of visible indicators, how many reach the
    target, and the share of all the level's 12-month indicator cells that are visible."""
    from pipelines.secret.utilite import CIBLE_VISIBILITE, LIBELLES_COMITES

    cible = fmt.format_taux(CIBLE_VISIBILITE, 0)
    colonnes = ["Périmètres", "Nombre", "Médiane", "Minimum", f"À {cible} ou plus", "Indicateurs visibles (tous)"]
    lignes = [[
        LIBELLES_COMITES.get(r["niveau"], r["niveau"]), fmt.format_nombre(r["perimetres"]),
        fmt.format_taux(r["mediane"]), fmt.format_taux(r["minimum"]),
        f"{fmt.format_nombre(r['au_moins_cible'])} ({fmt.format_taux(r['part_au_moins_cible'])})",
        f"{fmt.format_taux(r['part_visible'])} ({fmt.format_nombre(r['visibles'])} sur {fmt.format_nombre(r['indicateurs'])})",
    ] for r in synthese.to_dicts()]
    return pl.DataFrame(lignes, schema=[(c, pl.String) for c in colonnes], orient="row")


def tableau_visibilite_perimetres(perimetres: pl.DataFrame, territoires: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per committee perimeter (level, territory with its label from the frame of
    :func:`dashboards.data.territoires` when there, indicators, visible ones, share), least
    visible first."""
    colonnes = ["Niveau", "Territoire", "Indicateurs sur 12 mois", "Visibles", "Part visible"]
    if perimetres.height == 0:
        return pl.DataFrame(schema=[(c, pl.String) for c in colonnes])
    libelles = {}
    if territoires is not None and territoires.height:
        libelles = {(n, c): lib for n, c, lib in territoires.select("niveau", "code", "libelle").iter_rows()}
    ordre = perimetres.sort(pl.col("part_visible").fill_null(-1.0), "niveau", "territoire", maintain_order=True)
    lignes = [[
        fmt.libelle_niveau(r["niveau"]),
        fmt.libelle_territoire(r["niveau"], r["territoire"], libelles.get((r["niveau"], r["territoire"]))),
        fmt.format_nombre(r["indicateurs"]), fmt.format_nombre(r["visibles"]), fmt.format_taux(r["part_visible"]),
    ] for r in ordre.to_dicts()]
    return pl.DataFrame(lignes, schema=[(c, pl.String) for c in colonnes], orient="row")


def texte_visibilite_departements(periode: date | None, synthese: pl.DataFrame) -> str:
    """The issue's target in one sentence: share of the départements' 12-month indicators
    visible on the latest 12-month period, against ``CIBLE_VISIBILITE``."""
    from pipelines.secret.utilite import CIBLE_VISIBILITE, atteint_cible

    if periode is None:
        return "Aucun cumul sur 12 mois dans la version publiée : la visibilité des comités sur 12 mois n'est pas mesurée."
    cible = fmt.format_taux(CIBLE_VISIBILITE, 0)
    dep = synthese.filter(pl.col("niveau") == "DEPARTEMENT")
    debut = f"Cumul sur 12 mois se terminant en {fmt.format_mois_long(periode)} : "
    if dep.height == 0 or not dep["indicateurs"][0]:
        return debut + "aucun indicateur départemental publié."
    r = dep.row(0, named=True)
    atteint = "atteint" if atteint_cible(r["visibles"], r["indicateurs"]) else "non atteint"
    return (
        debut + f"{fmt.format_taux(r['part_visible'])} des indicateurs départementaux sont visibles "
        f"({fmt.format_nombre(r['visibles'])} sur {fmt.format_nombre(r['indicateurs'])} ; objectif de {cible} "
        f"{atteint}). Un indicateur est visible quand sa valeur « ensemble » du territoire n'est pas secrète."
    )
