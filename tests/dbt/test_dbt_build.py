"""dbt build on an empty warehouse (runs the dbt unit tests); dbt_runner errors and parses."""

from __future__ import annotations

import uuid

import pytest

from pipelines.dbt_runner import DbtError, dbt_args, run_dbt

# a dbt build (~20 s) behind these tests
pytestmark = pytest.mark.slow


def test_dbt_build_entrepot_vide(entrepot_construit):
    # the fixture ran `dbt build` and raised if any model, seed or unit test failed
    tables = {r[0] for r in entrepot_construit.requete(
        "select table_schema || '.' || table_name from information_schema.tables")}
    assert {"marts.indicateurs", "marts.arrete", "referentiel.agences",
            "referentiel.listes_codes", "referentiel.valeurs_reference",
            "staging.stg_inscriptions", "intermediate.int_episodes__chronologie",
            "marts.alertes_generees", "marts.precision_regles", "marts.simulation_seuils",
            "marts.equite_jugement_alertes", "parametres.seuils_alertes"} <= tables
    # an empty warehouse is still dated (today) and has no cell
    assert len(entrepot_construit.requete("select * from marts.arrete")) == 1
    assert entrepot_construit.requete("select count(*) from marts.indicateurs") == [(0,)]
    # without the optional exports (consultations, agents, personnes_exposees): no alert, and a
    # simulation row per situation and candidate threshold, raising nothing
    assert entrepot_construit.requete("select count(*) from marts.alertes_generees") == [(0,)]
    assert entrepot_construit.requete(
        "select count(*), sum(coalesce(alertes_par_mois, 0)) from marts.simulation_seuils") == [(4 * 30, 0)]


def test_dbt_codes_gardent_leurs_zeros(entrepot_construit):
    rows = entrepot_construit.requete(
        """select code_agence, code_departement, code_region, code_bassin
           from intermediate.int_territoires__agences where code_agence in ('09115', '01004')
           order by code_agence""")
    assert rows == [("01004", "01", "84", "8434"), ("09115", "09", "76", "7612")]
    types = {r[0] for r in entrepot_construit.requete(
        """select data_type from information_schema.columns
           where table_schema = 'referentiel' and column_name like 'code%'""")}
    assert types == {"VARCHAR"}


def test_dbt_runner_erreur_nomme_le_noeud(entrepot_vide):
    # a date d'arrêté that is not a date: dbt fails and the French message says so
    with pytest.raises(DbtError) as exc:
        entrepot_vide.dbt(["run", "--select", "int_arrete__date"], vars={"date_arrete": "31/03/2025"})
    assert "date_arrete invalide" in str(exc.value)
    assert "a échoué" in str(exc.value)


def test_dbt_runner_date_arrete_par_variable(entrepot_vide, capsys):
    from datetime import date

    faits = []
    run_dbt(["run", "--select", "int_arrete__date", "arrete"], entrepot_vide.path, vars={"date_arrete": date(2025, 2, 28)},
            target_path=entrepot_vide.target, log_path=entrepot_vide.target / "logs",
            progression=lambda fait, total: faits.append((fait, total)))
    assert entrepot_vide.requete("select date_arrete from marts.arrete") == [(date(2025, 2, 28),)]
    # each node done is told (the CLI's progress bar); dbt's own lines (English) are not printed
    assert sorted(faits) == [(1, 2), (2, 2)]
    assert "OK created" not in capsys.readouterr().out


def test_dbt_args_pointent_sur_le_projet(tmp_path):
    args = dbt_args(["parse"], {"date_arrete": "2025-01-31"}, target_path=tmp_path)
    assert args[:1] == ["parse"]
    assert args[args.index("--project-dir") + 1].endswith("dbt_project")
    assert args[args.index("--profiles-dir") + 1].endswith("dbt_project")
    assert '"date_arrete": "2025-01-31"' in args[args.index("--vars") + 1]


def test_dbt_parse_sans_base(tmp_path):
    # Dagster builds its manifest with `dbt parse`: it must not need (nor create) the warehouse.
    absent = tmp_path / "absent" / "socle.duckdb"
    run_dbt(["parse"], absent, target_path=tmp_path / "target", log_path=tmp_path / "logs")
    assert (tmp_path / "target" / "manifest.json").exists()
    assert not absent.parent.exists()


def test_une_construction_reprend_l_analyse_d_une_autre(tmp_path, monkeypatch):
    """Two warehouses (two paths, two temp folders, two target folders) of the same project and
    vars: the second one reuses the first one's parse, and so does a third one with another date
    d'arrêté (handed to dbt through the environment: only the files reading it are parsed
    again); other vars still parse in full."""
    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", "debug")  # dbt tells how it parsed in its log file
    def analyser(dossier: str, vars: dict) -> str:
        base = tmp_path / dossier / "socle.duckdb"
        base.parent.mkdir()
        cible = tmp_path / dossier / "target"
        run_dbt(["parse", "--quiet"], base, vars=vars, target_path=cible, log_path=cible / "logs",
                duckdb_config={"temp_directory": f"{base}.tmp"})
        return (cible / "logs" / "dbt.log").read_text(encoding="utf-8")

    # a var no earlier run used: its parse is not among the shared ones
    unique = {"date_arrete": "2031-01-31", "test_analyse": uuid.uuid4().hex}
    assert "Starting full parse" in analyser("a", unique)
    deuxieme = analyser("b", unique)
    assert "Starting full parse" not in deuxieme and "skipping partial parsing" in deuxieme
    autre_date = analyser("c", unique | {"date_arrete": "2031-02-28"})
    assert "Starting full parse" not in autre_date and "Partial parsing enabled" in autre_date
    assert "Starting full parse" in analyser("d", unique | {"test_analyse": uuid.uuid4().hex})
