"""Metadata of the publication beside its cells: the data dictionary and the code lists' labels
(every page's labels), the reference values, the state and quality checks of the publication (the
pages' headers, Méthodologie), the experiments' agencies, the threshold and utility of
statistical secret (Méthodologie).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from dashboards.acces import Perimetre
from dashboards.data import cellules_visibles, date_arrete, exiger_perimetre
from dashboards.data_connexion import EntrepotIndisponible, entrepot_incomplet, lire, requete


def dictionnaire(path: Path | str) -> pl.DataFrame:
    """The data dictionary (``marts.dictionnaire``: one row per indicator); public metadata.

    A warehouse built before the dictionary was a table gives an empty frame."""
    dico = lire(path, "dictionnaire")
    if dico is None:
        return pl.DataFrame(schema={"indicateur": pl.String, "numero": pl.String, "libelle": pl.String})
    return dico


def libelles_modalites(path: Path | str) -> dict[tuple[str, str], str]:
    """Labels of the export code lists (``referentiel.listes_codes``), by (column, code): a
    breakdown named after an export column (``operateur_retenu``, ``origine``...) reads them."""
    libelles = lire(path, "libelles_codes")
    if libelles is None:
        raise entrepot_incomplet(Path(path), "referentiel.listes_codes absente")
    return libelles


def valeurs_reference(path: Path | str) -> pl.DataFrame:
    """Published reference values (``referentiel.valeurs_reference``), with their source."""
    refs = lire(path, "valeurs_reference")
    if refs is None:
        raise entrepot_incomplet(Path(path), "referentiel.valeurs_reference absente")
    return refs


def etat_publication(path: Path | str) -> dict:
    """Date d'arrêté, version and quality status of the published warehouse (for the pages'
    headers and the methodology page). Missing tables give None values, not an error."""
    etat = {"date_arrete": date_arrete(path), "version": None, "publie_le": None,
            "statut_qualite": None, "avertissements": None, "bloquants": None, "controles": None}
    publication = lire(path, "derniere_publication")
    if publication:
        etat["version"], etat["publie_le"] = publication.get("id"), publication.get("horodatage")
    qualite = lire(path, "statut_qualite")
    if qualite is not None:
        etat.update(statut_qualite=qualite.statut, avertissements=qualite.avertissements,
                    bloquants=qualite.bloquants, controles=qualite.controles)
    return etat


def resultats_qualite(path: Path | str, perimetre: Perimetre) -> pl.DataFrame:
    """Results of the quality checks of the published build (failed first).

    ``details`` quotes rows of the internal table (values before secret, of any territory) and
    ``lignes`` / ``anomalies`` count rows of every territory; no column ties a result to a
    territory, so they cannot be scoped: national users read them, the others get them null
    (the checks and their verdicts stay)."""
    exiger_perimetre(perimetre)
    valeurs = (
        "details, lignes, anomalies" if perimetre.tout
        else "null::varchar as details, null::bigint as lignes, null::bigint as anomalies"
    )
    try:
        return requete(
            path,
            f"select suite, cible, controle, description, severite, succes, {valeurs} "
            "from qualite.resultats order by succes, severite, suite, cible, controle",
        )
    except EntrepotIndisponible:
        return pl.DataFrame()


def experimentations(path: Path | str) -> pl.DataFrame:
    """Agencies of the experiments (``referentiel.experimentations``) with their région,
    département and bassin: ``code_agence, libelle_agence, experimentation, modalite,
    date_debut, code_region, code_departement, code_ze2020``. Referential only (public: the CSE
    notes name these agencies), no indicator cell: not filtered by perimeter. A warehouse
    without the table gives an empty frame."""
    try:
        return requete(
            path,
            """
            select e.code_agence, e.libelle_agence,
                   e.experimentation, e.modalite, e.date_debut,
                   a.code_region, a.code_departement, a.code_ze2020
            from referentiel.experimentations e
            left join referentiel.agences a on a.code_agence = e.code_agence
            order by e.experimentation, e.modalite, e.code_agence
            """,
        )
    except EntrepotIndisponible:
        return pl.DataFrame(schema={
            "code_agence": pl.String, "libelle_agence": pl.String, "experimentation": pl.String,
            "modalite": pl.String, "date_debut": pl.Date, "code_region": pl.String,
            "code_departement": pl.String, "code_ze2020": pl.String,
        })


def tableaux_non_diffuses(path: Path | str) -> pl.DataFrame:
    """Tables the publication does not publish at all (indicator, breakdown, level, period type),
    the same for every reader; empty for a version published before the plan."""
    plan = lire(path, "tableaux_non_diffuses")
    if plan is None:
        return pl.DataFrame(schema={c: pl.String for c in ("indicateur", "dimension", "niveau", "type_periode")})
    return plan


def seuil_secret_publie(path: Path | str) -> int | None:
    """Threshold of statistical secret applied to the published version (the latest row of
    ``publication.journal``), for the methodology page; None when the journal does not say."""
    publication = lire(path, "derniere_publication") or {}  # a journal written before the column: None
    return None if publication.get("seuil_secret") is None else int(publication["seuil_secret"])


def utilite_secret(path: Path | str, perimetre: Perimetre):
    """Utility figures of the published view (:mod:`pipelines.secret.utilite`): share of secret
    monthly cells by level and family, committees' visibility on the latest 12-month period.

    Aggregates of the published view (what leaves the direction anyway), the same for every
    reader; the per-territory rows (``comites.perimetres``) are only those of the perimeter's
    territories (all for a national reader). None when the warehouse has no published view."""
    from dataclasses import replace

    from dashboards.acces import TABLE_PUBLIEE
    from pipelines.secret import utilite

    exiger_perimetre(perimetre)
    try:
        u = utilite.depuis_comptes(
            requete(path, utilite.sql_comptes_mensuels(TABLE_PUBLIEE)),
            requete(path, utilite.sql_visibilite_12_mois(TABLE_PUBLIEE)),
        )
    except EntrepotIndisponible:
        return None
    if perimetre.tout:
        return u
    cte, params = cellules_visibles(perimetre)
    # the CTE reads its table only in ``cellules``, which is not queried here: the territories only
    visibles = requete(path, f"with {cte} select distinct niveau, territoire from visibles", params)
    perimetres = u.comites.perimetres.join(visibles, on=["niveau", "territoire"], how="semi")
    return replace(u, comites=replace(u.comites, perimetres=perimetres))
