"""A tiny hand-made warehouse (no dbt): the tables the dashboards read, a few rows.

Two regions with data (76: départements 31 and 34; 84: département 69), one region of the
referential without data (11), four months, the last one provisional for A1 and the last two for
B1. Expected figures are looked up in ``Entrepot.cellules``, never retyped in the tests. Beside
the monthly cells, a quarter and a 12-month total of B1 and of the entries, which share periode
with their last month: the dashboards show months and must never read them.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pytest

from .aide_pages import entrepot_marque  # noqa: F401 - fixture of the page suites, shared here

A1 = "demandeurs_fin_de_mois"
B1 = "delai_inscription_diagnostic_median"
MOIS = [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1)]
DATE_ARRETE = date(2025, 4, 15)
REGIONS = [("76", "Occitanie"), ("84", "Auvergne-Rhône-Alpes"), ("11", "Île-de-France")]
DEPARTEMENTS = [
    ("31", "Haute-Garonne", "76"),
    ("34", "Hérault", "76"),
    ("69", "Rhône", "84"),
    ("75", "Paris", "11"),
]
DEPARTEMENTS_AVEC_DONNEES = {"76": ["31", "34"], "84": ["69"]}
#: (code_agence, code_departement, code_region, code_ze2020): bassin 7601 straddles 31 and 34,
#: bassin 7602 lies inside 31, bassin 8401 inside 69.
AGENCES = [
    ("31001", "31", "76", "7601"),
    ("31002", "31", "76", "7602"),
    ("34001", "34", "76", "7601"),
    ("69001", "69", "84", "8401"),
    ("75001", "75", "11", "1101"),
]
#: Agency cells of A1: one of them small enough to be secret in the published view.
A1_AGENCES = {"31001": 1_500.0, "31002": 7.0, "34001": 2_400.0, "69001": 3_100.0}
SEUIL_SECRET = 11


@dataclass
class Entrepot:
    path: Path
    # (indicateur, niveau, territoire, periode) -> (valeur, provisoire)
    cellules: dict[tuple[str, str, str, date], tuple[float | None, bool]] = field(default_factory=dict)

    def valeur(self, indicateur: str, niveau: str, territoire: str, periode: date):
        return self.cellules[(indicateur, niveau, territoire, periode)][0]

    def provisoire(self, indicateur: str, niveau: str, territoire: str, periode: date) -> bool:
        return self.cellules[(indicateur, niveau, territoire, periode)][1]


def _lignes() -> list[tuple]:
    """Monthly rows of marts.indicateurs: (indicateur, periode, niveau, territoire, dimension,
    modalite, numerateur, denominateur, valeur, unite, provisoire)."""
    rows = []
    for m_idx, mois in enumerate(MOIS):
        a1_prov = m_idx == 3
        b1_prov = m_idx >= 2
        total_national = 0
        for r_idx, (region, deps) in enumerate(DEPARTEMENTS_AVEC_DONNEES.items()):
            total_region = 0
            for d_idx, dep in enumerate(deps):
                # Distinct, thousands-sized figures per territory and month.
                a1 = 10_000 * (r_idx + 1) + 1_000 * d_idx + 137 * (m_idx + 1) + 5
                total_region += a1
                rows.append((A1, mois, "DEPARTEMENT", dep, "ensemble", "ensemble",
                             a1, None, a1, "nombre", a1_prov))
                b1 = None if (dep == "34" and m_idx == 0) else float(15 + 3 * r_idx + 2 * d_idx + m_idx)
                rows.append((B1, mois, "DEPARTEMENT", dep, "ensemble", "ensemble",
                             40, 60, b1, "jours", b1_prov))
            total_national += total_region
            rows.append((A1, mois, "REGION", region, "ensemble", "ensemble",
                         total_region, None, total_region, "nombre", a1_prov))
            rows.append((B1, mois, "REGION", region, "ensemble", "ensemble",
                         80, 120, float(18 + 4 * r_idx + (m_idx % 2) * 3 + m_idx), "jours", b1_prov))
            # Noise the dashboards must filter out: a breakdown, a bassin, another indicator.
            rows.append((A1, mois, "REGION", region, "sexe", "F",
                         total_region // 2, None, total_region // 2, "nombre", a1_prov))
            rows.append((A1, mois, "BASSIN", f"{region}01", "ensemble", "ensemble",
                         999, None, 999, "nombre", a1_prov))
            rows.append(("entrees", mois, "REGION", region, "ensemble", "ensemble",
                         321, None, 321, "nombre", False))
        rows.append((A1, mois, "NATIONAL", "FR", "ensemble", "ensemble",
                     total_national, None, total_national, "nombre", a1_prov))
        # Agencies and the bassin inside 31 (the perimeters reach them).
        for agence, a1 in A1_AGENCES.items():
            rows.append((A1, mois, "AGENCE", agence, "ensemble", "ensemble",
                         a1, None, a1, "nombre", a1_prov))
        rows.append((A1, mois, "BASSIN", "7602", "ensemble", "ensemble",
                     A1_AGENCES["31002"], None, A1_AGENCES["31002"], "nombre", a1_prov))
    return rows


def _lignes_plusieurs_mois() -> list[tuple]:
    """Cells of several months (same columns, then type_periode), with values no monthly cell has."""
    rows = []
    for type_periode, periode in (("trimestre", MOIS[2]), ("cumul_12_mois", MOIS[3])):
        for niveau, territoire in (("NATIONAL", "FR"), ("REGION", "76"), ("REGION", "84"), ("DEPARTEMENT", "31"),
                                   ("DEPARTEMENT", "34"), ("DEPARTEMENT", "69"), ("AGENCE", "31001")):
            rows.append((B1, periode, niveau, territoire, "ensemble", "ensemble", 400, 700, 777.0, "jours", True,
                         type_periode))
            rows.append(("entrees", periode, niveau, territoire, "ensemble", "ensemble", 9_876, None, 9_876,
                         "nombre", False, type_periode))
    return rows


SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
MARTS_YML = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "marts" / "_marts.yml"


@functools.cache
def fiches_dictionnaire() -> dict[str, dict]:
    """The data dictionary as written in the dbt project (the source of ``marts.dictionnaire``).
    Read once per process: the YAML file is large and PyYAML slow. Read-only for its users."""
    import yaml

    modeles = yaml.load(MARTS_YML.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))["models"]
    return next(m for m in modeles if m["name"] == "indicateurs")["config"]["meta"]["dictionnaire"]


def ecrire_dictionnaire(con) -> None:
    """``marts.dictionnaire`` as the dbt model writes it (lists joined as the model does)."""
    con.execute(
        "create table marts.dictionnaire (indicateur varchar, numero varchar, famille varchar, "
        "libelle varchar, unite varchar, statut varchar, definition varchar, population varchar, "
        "fenetre varchar, ventilations varchar, types_periode varchar, exports_sources varchar, "
        "territoire varchar, choix varchar)"
    )
    for code, f in fiches_dictionnaire().items():
        con.execute(
            "insert into marts.dictionnaire values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [code, f.get("numero"), f.get("famille"), f.get("libelle"), f.get("unite"), f.get("statut"),
             f.get("definition"), f.get("population"), f.get("fenetre"),
             ", ".join(f.get("ventilations") or []), ", ".join(f.get("types_periode") or []),
             ", ".join(f.get("exports_sources") or []), f.get("territoire"), "\n".join(f.get("choix") or [])],
        )


def construire_entrepot(path: Path) -> Entrepot:
    """The hand-made warehouse at ``path``: a copy of the one built at the process's first call
    (the warehouse is the same every time; each test gets its own file to write in)."""
    shutil.copyfile(_modele(), path)
    entrepot = Entrepot(path)
    for ind, periode, niveau, terr, dim, _mod, _n, _d, val, _u, prov in _lignes():
        if dim == "ensemble":
            entrepot.cellules[(ind, niveau, terr, periode)] = (val, prov)
    return entrepot


@functools.cache
def _modele() -> Path:
    """The warehouse :func:`construire_entrepot` copies, built once in this process."""
    modele = Path(tempfile.mkdtemp(prefix="socle-entrepot-modele-")) / "socle.duckdb"
    _remplir(modele)
    return modele


def _remplir(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema marts")
        con.execute("create schema referentiel")
        con.execute(
            """
            create table marts.indicateurs (
                indicateur varchar, periode date, type_periode varchar, niveau varchar, territoire varchar,
                dimension varchar, modalite varchar, numerateur double, denominateur double,
                valeur double, unite varchar, provisoire boolean
            )
            """
        )
        rows = _lignes()
        colonnes = ("indicateur, periode, niveau, territoire, dimension, modalite, numerateur, denominateur, "
                    "valeur, unite, provisoire, type_periode")
        con.executemany(f"insert into marts.indicateurs ({colonnes}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [(*r, "mois") for r in rows] + _lignes_plusieurs_mois())
        # Published view: same rows, small counts secret (values null), as the contract says.
        con.execute("create schema publication")
        con.execute(
            """
            create table publication.indicateurs as
            select * exclude (numerateur, denominateur, valeur),
                   case when s then null else numerateur end as numerateur,
                   case when s then null else denominateur end as denominateur,
                   case when s then null else valeur end as valeur,
                   s as secret,
                   case when s then 'seuil' end as motif_secret
            from (
                select *, coalesce(unite = 'nombre' and valeur between 1 and ? - 1, false) as s
                from marts.indicateurs
            )
            """,
            [SEUIL_SECRET],
        )
        con.execute("create table marts.arrete (date_arrete date)")
        con.execute("insert into marts.arrete values (?)", [DATE_ARRETE])
        con.execute("create table referentiel.regions (code_region varchar, libelle_region varchar)")
        con.executemany("insert into referentiel.regions values (?, ?)", REGIONS)
        con.execute(
            "create table referentiel.departements "
            "(code_departement varchar, libelle_departement varchar, code_region varchar)"
        )
        con.executemany("insert into referentiel.departements values (?, ?, ?)", DEPARTEMENTS)
        con.execute(
            "create table referentiel.agences (code_agence varchar, code_departement varchar, "
            "code_region varchar, code_ze2020 varchar)"
        )
        con.executemany("insert into referentiel.agences values (?, ?, ?, ?)", AGENCES)
        # Labels as the seeds carry them (the pages read them; the perimeter tests do not).
        con.execute("alter table referentiel.agences add column libelle_agence varchar")
        con.execute("alter table referentiel.agences add column libelle_ze2020 varchar")
        con.execute("update referentiel.agences set libelle_agence = 'Agence ' || code_agence, "
                    "libelle_ze2020 = 'Bassin ' || code_ze2020")
        for seed in ("nomenclatures/listes_codes", "nomenclatures/valeurs_reference", "referentiel/experimentations"):
            nom = seed.split("/")[1]
            con.execute(f"create table referentiel.{nom} as select * from read_csv(?, all_varchar = true)",
                        [str(SEEDS / f"{seed}.csv")])
        con.execute("alter table referentiel.valeurs_reference alter valeur type double")
        con.execute("alter table referentiel.experimentations alter date_debut type date")
        ecrire_dictionnaire(con)
    finally:
        con.close()


@pytest.fixture
def entrepot(tmp_path) -> Entrepot:
    return construire_entrepot(tmp_path / "socle.duckdb")


@pytest.fixture(autouse=True)
def fichiers_locaux(tmp_path, monkeypatch):
    """Users file and access log in the test's tmp dir, never under the project's ``data/``; no
    failed sign-in of another test counted (the limiter lives as long as the process)."""
    from dashboards import acces

    monkeypatch.setenv("SOCLE_UTILISATEURS", str(tmp_path / "utilisateurs.toml"))
    monkeypatch.setenv("SOCLE_JOURNAL_ACCES", str(tmp_path / "journal_acces.jsonl"))
    monkeypatch.delenv("SOCLE_AUTH", raising=False)
    monkeypatch.setattr(acces, "LIMITEUR", acces.Limiteur())


@pytest.fixture
def national():
    from dashboards.acces import Utilisateur

    return Utilisateur("national", "National", "national", "NATIONAL", "FR")


@pytest.fixture
def perimetre_national(national):
    return national.perimetre


@pytest.fixture(autouse=True)
def cache_vide():
    """``st.cache_data`` lives as long as the process: every test starts from an empty cache."""
    import streamlit as st

    from dashboards import data_connexion

    st.cache_data.clear()
    data_connexion.fermer_connexions()
    yield
    st.cache_data.clear()
    data_connexion.fermer_connexions()


@pytest.fixture(autouse=True, scope="session")
def composants_streamlit_recenses_une_fois():
    """AppTest looks for Streamlit components in the metadata of every installed distribution at
    each run (0.3 s of CPU, some 150 runs in the suite); what is installed does not change during
    the session: the first scan serves them all."""
    from streamlit.components.v2 import manifest_scanner

    origine = manifest_scanner.scan_component_manifests
    manifest_scanner.scan_component_manifests = functools.cache(origine)
    yield
    manifest_scanner.scan_component_manifests = origine
