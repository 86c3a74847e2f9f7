"""What a report reads from the published warehouse, in one read-only connection.

Figures come from **``publication.indicateurs`` only** (the view after statistical disclosure
control; ``motif_secret`` is never read: telling primary from secondary secret would say which
hidden cells are small). Around them: the date d'arrêté (``marts.arrete``), the data dictionary
(``marts.dictionnaire``, public metadata), labels and reference values (``referentiel.*``), the
publication record (``publication.journal``) and its quality status (``qualite.*``).

A report reads the monthly cells (``type_periode = 'mois'``) and makes its quarters and years
itself (``agregation``); it reads the view's quarter and 12-month cells ending with the period (and
with the same period a year before) only to show them where its own sum is « s ».
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from pipelines.core import lecture
from pipelines.core.formats import format_mois
from pipelines.core.indicateurs import D2
from pipelines.rapports.agregation import Cellules
from pipelines.rapports.erreurs import RapportError
from pipelines.rapports.periodes import Periode, ajouter_mois
from pipelines.rapports.qualite import EtatQualite, lire_etat_qualite, verifier_qualite
from pipelines.rapports.sections import ventilations_utilisees

#: Months of history read before the period: the trend charts and the same period a year before.
MOIS_HISTORIQUE = 24
#: The only agency cells a report needs: the CRE sanction rate, for the equity funnel plot.
INDICATEUR_ENTONNOIR = D2


@dataclass
class Donnees:
    region: str
    libelle_region: str
    periode: Periode
    date_arrete: date | None
    cellules: Cellules
    departements: list[tuple[str, str]]  # (code, libellé) of the region, by code
    agences: dict[str, str]  # code SAFIR -> libellé, agencies of the region
    premier_mois: date | None  # first and last month of the region in the published view
    dernier_mois: date | None
    qualite: EtatQualite
    dictionnaire: list[dict] = field(default_factory=list)  # empty: table absent
    dictionnaire_present: bool = False
    libelles_codes: dict[tuple[str, str], str] = field(default_factory=dict)  # (colonne, code)
    references: list[dict] = field(default_factory=list)
    publication: dict = field(default_factory=dict)  # last publication.journal entry

    @property
    def seuil_secret(self) -> int:
        return int(self.publication.get("seuil_secret") or 11)

    @property
    def mois_couverts(self) -> list[date]:
        """Months of the period for which the region has published cells."""
        return [m for m in self.periode.mois if self.cellules.a_des_cellules("REGION", self.region, [m])]


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _verifier_region(con, region: str) -> str:
    row = _premiere(con, "select libelle_region from referentiel.regions where code_region = ?", [region])
    if row:
        return row[0]
    publiees = _rows(con, """
        select r.code_region, r.libelle_region from referentiel.regions r
        where exists (select 1 from publication.indicateurs p
                      where p.niveau = 'REGION' and p.territoire = r.code_region)
        order by 1""")
    liste = ", ".join(f"{r['code_region']} ({r['libelle_region']})" for r in publiees) or "aucune"
    raise RapportError(f"Région inconnue « {region} » : code région INSEE attendu ; régions publiées : {liste}.")


def _premiere(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> tuple | None:
    # fetchall, not fetchone: DuckDB keeps a partly fetched result open on the connection.
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def _cellules(con, region: str, debut: date, fin: date) -> list[dict]:
    # Every value is null when the cell is secret, whatever the view holds: a defect upstream
    # must never turn into a figure in a document that leaves the direction.
    return _rows(
        con,
        """
        with territoires as (
            select 'REGION' as niveau, ?::varchar as territoire
            union all
            select 'DEPARTEMENT', code_departement from referentiel.departements where code_region = ?
            union all
            select 'AGENCE', code_agence from referentiel.agences where code_region = ?
        )
        select p.indicateur, p.type_periode, p.periode, p.niveau, p.territoire, p.dimension, p.modalite, p.unite,
               p.provisoire, coalesce(p.secret, false) as secret,
               case when p.secret then null else p.numerateur end as numerateur,
               case when p.secret then null else p.denominateur end as denominateur,
               case when p.secret then null else p.valeur end as valeur
        from publication.indicateurs p
        join territoires t on t.niveau = p.niveau and t.territoire = p.territoire
        where ((p.type_periode = 'mois' and p.periode between ? and ?)
               or (p.type_periode in ('trimestre', 'cumul_12_mois') and p.periode in (?, ?)))
          and (p.niveau <> 'AGENCE' or (p.indicateur = ? and p.dimension = 'ensemble'))
          and (p.dimension = 'ensemble' or list_contains(?::varchar[], p.indicateur || '|' || p.dimension))
        """,
        [region, region, region, debut, fin, fin, ajouter_mois(fin, -12), INDICATEUR_ENTONNOIR,
         sorted(f"{i}|{dim}" for i, dim in ventilations_utilisees())],
    )


def lire_donnees(warehouse: Path, region: str, periode: Periode) -> Donnees:
    """Read everything a report needs; French errors for a missing warehouse, an unknown region or
    a period without published data."""
    warehouse = Path(warehouse)
    if not warehouse.exists():
        raise RapportError(f"Aucun entrepôt publié en {warehouse} : lancez d'abord « socle construire ».")
    region = region.strip()
    try:
        con = lecture.connexion(warehouse)
    except lecture.EntrepotIndisponible as exc:
        raise RapportError(f"Entrepôt illisible ({warehouse}) : {exc}") from None
    try:
        if not lecture.table_existe(con, lecture.TABLE_PUBLIEE):
            raise RapportError(f"L'entrepôt {warehouse} n'a pas de vue publiée (publication.indicateurs).")
        # The gate first: nothing is read, let alone produced, from a blocked publication.
        qualite = lire_etat_qualite(con)
        verifier_qualite(qualite, f"Rapport CSE de la région {region}, {periode.libelle}")
        libelle_region = _verifier_region(con, region)
        etendue = _premiere(
            con, "select min(periode), max(periode) from publication.indicateurs "
                 "where type_periode = 'mois' and niveau = 'REGION' and territoire = ?",
            [region],
        )
        premier, dernier = etendue if etendue else (None, None)
        debut = ajouter_mois(periode.debut, -MOIS_HISTORIQUE)
        cellules = _cellules(con, region, debut, periode.dernier_mois)
        arrete = lecture.date_arrete(con)
        departements = [(r["code_departement"], r["libelle_departement"]) for r in _rows(
            con, "select code_departement, libelle_departement from referentiel.departements "
                 "where code_region = ? order by 1", [region])]
        agences = {r["code_agence"]: r["libelle_agence"] for r in _rows(
            con, "select code_agence, libelle_agence from referentiel.agences where code_region = ?", [region])}
        dico = lecture.dictionnaire(con)
        references = lecture.valeurs_reference(con)
        libelles = lecture.libelles_codes(con) or {}
        publication = lecture.derniere_publication(con) or {}
    finally:
        con.close()
    donnees = Donnees(
        region=region, libelle_region=libelle_region, periode=periode, date_arrete=arrete,
        cellules=Cellules(cellules), departements=departements, agences=agences,
        premier_mois=premier, dernier_mois=dernier, qualite=qualite,
        dictionnaire=dico.to_dicts() if dico is not None else [], dictionnaire_present=dico is not None,
        libelles_codes=libelles, references=references.to_dicts() if references is not None else [],
        publication=publication,
    )
    if not donnees.mois_couverts:
        couverture = (f"la vue publiée couvre {libelle_region} de {format_mois(premier)} à {format_mois(dernier)}"
                      if premier else f"la vue publiée n'a aucune cellule pour {libelle_region}")
        raise RapportError(
            f"Aucune donnée publiée pour {libelle_region} ({region}) sur la période {periode.libelle} : {couverture}."
        )
    return donnees
