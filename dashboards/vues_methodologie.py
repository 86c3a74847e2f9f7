"""Pure shapes of the Méthodologie page: the data dictionary, the quality checks, the disclosure
rule, the utility of the published view (no Streamlit, like ``dashboards.vues``)."""

from __future__ import annotations

from datetime import date

import polars as pl

from dashboards import vues
from pipelines.core import formats as fmt
from pipelines.core.indicateurs import RPE_NON_CALCULES

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


def trier_dictionnaire(dico: pl.DataFrame) -> pl.DataFrame:
    """Rows in the contract's order (A1, A2, …, B10 after B9)."""
    if dico.height == 0 or "numero" not in dico.columns:
        return dico
    ordre = [vues.cle_numero(n) for n in dico["numero"].to_list()]
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
    ``data_metadonnees.resultats_qualite``)."""
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


#: period types, as the plan names them, in reading order
LIBELLES_PERIODES = {"mois": "mois", "trimestre": "trimestre", "cumul_12_mois": "12 mois glissants"}


def tableau_non_diffuses(plan: pl.DataFrame, dico: pl.DataFrame) -> pl.DataFrame:
    """Tables not published (:func:`dashboards.data_metadonnees.tableaux_non_diffuses`), one row
    per indicator and breakdown: the levels and periods it is not published at. Ordered by the
    indicators' numbers; an indicator missing from the dictionary reads as its code."""
    colonnes = ["Indicateur", "Ventilation", "Non diffusé pour", "Périodes"]
    if plan.height == 0:
        return pl.DataFrame(schema=[(c, pl.String) for c in colonnes])
    libelles = {r["indicateur"]: (r.get("numero") or "", f"{r.get('numero')} – {r.get('libelle')}") for r in dico.to_dicts()}
    rang_niveau = {n: i for i, n in enumerate(fmt.LIBELLES_NIVEAUX)}
    rang_periode = {p: i for i, p in enumerate(LIBELLES_PERIODES)}
    lignes = []
    for (indicateur, dimension), g in plan.group_by("indicateur", "dimension"):
        niveaux = sorted(set(g["niveau"].to_list()), key=lambda n: rang_niveau.get(n, len(rang_niveau)))
        periodes = sorted(set(g["type_periode"].to_list()), key=lambda p: rang_periode.get(p, len(rang_periode)))
        numero, libelle = libelles.get(indicateur, ("", indicateur))
        lignes.append((
            numero, indicateur, dimension, libelle,
            "ensemble" if dimension == "ensemble" else fmt.libelle_dimension(dimension),
            ", ".join(fmt.libelle_niveau(n) for n in niveaux),
            ", ".join(LIBELLES_PERIODES.get(p, p) for p in periodes),
        ))
    lignes.sort(key=lambda r: (r[0] == "", len(r[0]), r[0], r[1], r[2] != "ensemble", r[2]))
    return pl.DataFrame([r[3:] for r in lignes], schema=[(c, pl.String) for c in colonnes], orient="row")


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


def tableau_rpe_non_calcules() -> pl.DataFrame:
    """The réseau pour l'emploi indicators the exports cannot support, with the source each needs."""
    lignes = [[libelle, "non calculé : source non livrée", source] for libelle, source in RPE_NON_CALCULES]
    colonnes = ["Indicateur de la liste du réseau pour l'emploi", "Statut", "Source nécessaire"]
    return pl.DataFrame(lignes, schema=[(c, pl.String) for c in colonnes], orient="row")
