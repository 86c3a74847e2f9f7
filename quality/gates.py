"""The quality gate of a build: delivery suites, mart suites, results stored in the warehouse.

``controler`` runs between the statistical disclosure control and the publication. Its results go
into the schema ``qualite`` of the warehouse being built, so the published file carries its own
quality status (``socle qualite`` reads it back); the GX validation results and the Data Docs
(static HTML) go under ``<data_dir>/qualite/``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from pathlib import Path

import duckdb

from pipelines.core import lecture
from pipelines.core.warehouse import connect
from quality import cibles, regles
from quality.moteur import Resultat

#: Above this many loaded rows for one export (a first build with years of history), the row
#: checks run on a reproducible sample; key uniqueness and volumes always see everything.
MAX_LIGNES_PAR_EXPORT = 20_000
#: GX validation results kept (one JSON per quality run)
VALIDATIONS_GARDEES = 20

SUITE_LIVRAISON = "livraison"
SUITE_VOLUMES = "volumes"
SUITE_SCHEMA = "schema"
SUITE_MARTS = "marts"

DDL = (
    "create schema if not exists qualite",
    """create table if not exists qualite.executions (
        horodatage timestamp primary key,   -- one quality run (one build)
        chargements bigint[],               -- loads checked (raw._fichiers.id_chargement)
        statut varchar not null,            -- OK, AVERTISSEMENTS, BLOQUE
        bloquants integer not null,
        avertissements integer not null,
        controles integer not null,
        data_docs varchar                   -- index.html of the GX Data Docs
    )""",
    """create table if not exists qualite.resultats (
        horodatage timestamp not null,      -- the run (qualite.executions)
        suite varchar not null,             -- livraison, volumes, schema, marts
        cible varchar not null,             -- export (files) or table checked
        controle varchar not null,          -- expectation, named after its column and rule
        description varchar not null,       -- what is expected, in French
        severite varchar not null,          -- bloquant, avertissement
        succes boolean not null,
        details varchar,                    -- what was observed, in French
        lignes bigint,                      -- rows checked
        anomalies bigint                    -- rows in breach
    )""",
    # Loads whose checks passed in a run without blocking failure: not checked again.
    """create table if not exists qualite.chargements_controles (
        id_chargement bigint primary key,
        horodatage timestamp not null
    )""",
)


@dataclass
class RapportQualite:
    horodatage: datetime
    resultats: list[Resultat] = field(default_factory=list)
    data_docs: Path | None = None
    chargements: list[int] = field(default_factory=list)

    @property
    def bloquants(self) -> list[Resultat]:
        return [r for r in self.resultats if not r.succes and r.severite == regles.BLOQUANT]

    @property
    def avertissements(self) -> list[Resultat]:
        return [r for r in self.resultats if not r.succes and r.severite == regles.AVERTISSEMENT]

    @property
    def statut(self) -> str:
        return lecture.statut(len(self.bloquants), len(self.avertissements))

    def message_blocage(self) -> str:
        """Which blocking checks failed, and on what (the message of the failed build)."""
        lignes = [f"{len(self.bloquants)} contrôle(s) bloquant(s) en échec, rien n'est publié :"]
        lignes += [f"  - {r.controle} sur {r.cible} ({r.suite}) : {r.description} — {r.details}" for r in self.bloquants]
        if self.data_docs:
            lignes.append(f"  Rapport détaillé (Data Docs) : {self.data_docs}")
        return "\n".join(lignes)

    def resume(self) -> str:
        libelle = {"OK": "conforme", "AVERTISSEMENTS": "publiable, avec avertissements",
                   "BLOQUE": "BLOQUÉ (publication refusée)"}[self.statut]
        ok = sum(r.succes for r in self.resultats)
        lignes = [
            f"Contrôles qualité du {self.horodatage:%d/%m/%Y à %H:%M:%S} : {libelle}",
            f"{len(self.resultats)} contrôles, {ok} réussis, {len(self.bloquants)} bloquant(s) en échec, "
            f"{len(self.avertissements)} avertissement(s) ; {len(self.chargements)} fichier(s) chargé(s) contrôlé(s).",
        ]
        for titre, liste in (("Bloquants en échec", self.bloquants), ("Avertissements", self.avertissements)):
            if liste:
                lignes.append(f"{titre} :")
                lignes += [f"  - [{r.suite}] {r.cible} · {r.controle} : {r.description} — {r.details}" for r in liste]
        if self.data_docs:
            lignes.append(f"Data Docs : {self.data_docs}")
        return "\n".join(lignes)


def chargements_a_controler(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Loads not yet validated by a run that passed: those of the current build, plus those of a
    build stopped by the gate (still in the raw layer, and still to be merged)."""
    return [r[0] for r in con.execute(
        """select id_chargement from raw._fichiers
           where statut = 'CHARGE'
             and id_chargement not in (select id_chargement from qualite.chargements_controles)
           order by id_chargement"""
    ).fetchall()]


def _suites_livraisons(con, v, chargements: list[int], max_lignes: int | None) -> list[Resultat]:
    resultats: list[Resultat] = []
    par_export = cibles.chargements_par_export(con, chargements)
    if not par_export:
        return resultats
    resultats += v.valider(SUITE_SCHEMA, "raw", cibles.schema_brut(con, list(par_export)), regles.suite_schema())
    for export, ids in par_export.items():
        suite = regles.suite_livraison(export)
        df, total = cibles.lignes_chargees(con, export, ids, max_lignes)
        cible = f"{export} ({len(ids)} fichier(s), {total} ligne(s)"
        cible += f", échantillon de {len(df)})" if len(df) < total else ")"
        unicite = [c for c in suite if c.expectation == "ExpectCompoundColumnsToBeUnique"]
        lignes = [c for c in suite if c not in unicite]
        resultats += v.valider(SUITE_LIVRAISON, cible, df, lignes)
        if unicite:
            complet = df if len(df) == total else cibles.cles_chargees(con, export, ids)
            resultats += v.valider(SUITE_LIVRAISON, cible, complet, unicite)
    resultats += v.valider(SUITE_VOLUMES, "raw._fichiers", cibles.volumes(con, chargements), regles.suite_volumes())
    return resultats


def _suites_marts(con, v) -> list[Resultat]:
    s = regles.suite_marts()
    return [
        *v.valider(SUITE_MARTS, "marts.indicateurs", cibles.taux(con), s["taux"]),
        *v.valider(SUITE_MARTS, "marts.indicateurs (grille A1)", cibles.grille_a1(con), s["grille_a1"]),
        *v.valider(SUITE_MARTS, "marts.indicateurs (évolutions)", cibles.sauts(con), s["sauts"]),
        *v.valider(SUITE_MARTS, "marts.indicateurs (références)", cibles.references(con), s["references"]),
        *v.valider(SUITE_MARTS, "publication.indicateurs", cibles.comptes_publication(con), s["publication"][:1]),
        *v.valider(SUITE_MARTS, "publication.indicateurs (secret)", cibles.cellules_secretes(con), s["publication"][1:]),
    ]


def controler(
    work_warehouse: Path,
    chargements: list[int] | None = None,
    data_dir: Path | None = None,
    *,
    marts: bool = True,
    max_lignes: int | None = MAX_LIGNES_PAR_EXPORT,
    config: dict[str, str] | None = None,
) -> RapportQualite:
    """Run the delivery suites on ``chargements`` (default: the loads not yet validated) and the
    mart suites; store the results in ``qualite`` of ``work_warehouse``; write the GX validation
    results and the Data Docs under ``data_dir/qualite/`` (no Data Docs when ``data_dir`` is None).
    """
    from quality.moteur import Validateur

    horodatage = datetime.now().replace(microsecond=0)
    docs_dir = None
    if data_dir is not None:
        docs_dir = Path(data_dir) / "qualite" / "data_docs"
        # The site shows the last quality run: pages of earlier runs would not be in its index.
        shutil.rmtree(docs_dir, ignore_errors=True)
    v = Validateur(docs_dir)
    with connect(work_warehouse, config=config) as con:
        for ddl in DDL:
            con.execute(ddl)
        if chargements is None:
            chargements = chargements_a_controler(con)
        rapport = RapportQualite(horodatage, chargements=list(chargements))
        rapport.resultats += _suites_livraisons(con, v, list(chargements), max_lignes)
        if marts:
            rapport.resultats += _suites_marts(con, v)
        if docs_dir is not None:
            index_gx = v.construire_data_docs()
            rapport.data_docs = ecrire_sommaire(docs_dir, rapport, index_gx)
            _garder_validations(v, Path(data_dir) / "qualite" / "validations", horodatage)
        _enregistrer(con, rapport)
    return rapport


def ecrire_sommaire(docs_dir: Path, rapport: RapportQualite, index_gx: Path | None) -> Path:
    """A self-contained French summary page beside the GX Data Docs. GX's index fills its lists
    with scripts and styles from public CDNs, so it shows nothing on a network without internet;
    this page needs none and links every GX validation page."""
    docs_dir.mkdir(parents=True, exist_ok=True)
    pages = sorted(p.relative_to(docs_dir).as_posix() for p in (docs_dir / "validations").rglob("*.html"))
    lignes = "\n".join(
        "<tr class='{cls}'><td>{suite}</td><td>{cible}</td><td>{controle}</td><td>{sev}</td>"
        "<td>{statut}</td><td>{details}</td></tr>".format(
            cls="ok" if r.succes else ("bloquant" if r.severite == "bloquant" else "avert"),
            suite=escape(r.suite), cible=escape(r.cible), controle=escape(r.controle),
            sev=escape(r.severite), statut="réussi" if r.succes else "en échec", details=escape(r.details or ""),
        )
        for r in sorted(rapport.resultats, key=lambda r: (r.succes, r.severite != "bloquant", r.libelle))
    )
    liens = "\n".join(f"<li><a href='{escape(p)}'>{escape(p)}</a></li>" for p in pages)
    gx = (
        f"<p><a href='{escape(index_gx.name)}'>Index Great Expectations</a> (nécessite internet pour sa mise en forme)</p>"
        if index_gx else ""
    )
    html = f"""<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>Contrôles qualité — {rapport.horodatage:%d/%m/%Y %H:%M}</title>
<style>body{{font-family:sans-serif;margin:2em;color:#1d1d1d}} table{{border-collapse:collapse;width:100%}}
td,th{{border:1px solid #ccc;padding:4px 6px;font-size:13px;vertical-align:top}} th{{background:#eee}}
tr.bloquant td{{background:#fbe3e3}} tr.avert td{{background:#fff4d6}}</style></head><body>
<h1>Contrôles qualité du {rapport.horodatage:%d/%m/%Y à %H:%M}</h1>
<p><strong>{escape(rapport.statut)}</strong> — {len(rapport.resultats)} contrôles, {len(rapport.bloquants)} bloquant(s) en échec,
{len(rapport.avertissements)} avertissement(s) ; {len(rapport.chargements)} fichier(s) chargé(s) contrôlé(s).</p>
{gx}
<table><tr><th>Suite</th><th>Cible</th><th>Contrôle</th><th>Sévérité</th><th>Statut</th><th>Détails</th></tr>
{lignes}</table>
<h2>Résultats détaillés de Great Expectations</h2><ul>{liens}</ul></body></html>"""
    sommaire = docs_dir / "sommaire.html"
    sommaire.write_text(html, encoding="utf-8")
    return sommaire


def _garder_validations(v, dossier: Path, horodatage: datetime) -> None:
    v.enregistrer_validations(dossier / f"validation_{horodatage:%Y%m%dT%H%M%S}.json")
    for old in sorted(dossier.glob("validation_*.json"))[:-VALIDATIONS_GARDEES]:
        old.unlink(missing_ok=True)


def _enregistrer(con: duckdb.DuckDBPyConnection, rapport: RapportQualite) -> None:
    h = rapport.horodatage
    con.execute("begin")
    con.execute("delete from qualite.resultats where horodatage = ?", [h])
    con.execute("delete from qualite.executions where horodatage = ?", [h])
    con.execute(
        "insert into qualite.executions values (?, ?, ?, ?, ?, ?, ?)",
        [
            h,
            rapport.chargements,
            rapport.statut,
            len(rapport.bloquants),
            len(rapport.avertissements),
            len(rapport.resultats),
            str(rapport.data_docs) if rapport.data_docs else None,
        ],
    )
    if rapport.resultats:
        con.executemany(
            "insert into qualite.resultats values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [h, r.suite, r.cible, r.controle, r.description, r.severite, r.succes, r.details, r.lignes, r.anomalies]
                for r in rapport.resultats
            ],
        )
    if not rapport.bloquants and rapport.chargements:
        con.execute(
            "insert or ignore into qualite.chargements_controles select unnest(?::bigint[]), ?",
            [rapport.chargements, h],
        )
    con.execute("commit")


def lire_statut(warehouse: Path) -> RapportQualite | None:
    """The last quality run recorded in a (published) warehouse, read-only; None if there is none."""
    with lecture.ouvrir(warehouse) as con:
        statut = lecture.statut_qualite(con)
        if statut is None or statut.horodatage is None:
            return None
        resultats = lecture.resultats_qualite(con, statut.horodatage)
    return RapportQualite(statut.horodatage, [Resultat(*r) for r in resultats.iter_rows()],
                          Path(statut.data_docs) if statut.data_docs else None, statut.chargements)
