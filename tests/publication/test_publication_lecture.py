"""The reader of the published file (``pipelines.core.lecture``) on a tiny hand-made warehouse."""

from __future__ import annotations

import json
from datetime import date, datetime

import duckdb
import pytest

from pipelines.core import lecture

MOIS = (date(2025, 1, 1), date(2025, 2, 1))
H1, H2 = datetime(2025, 3, 1, 6), datetime(2025, 3, 2, 6)


@pytest.fixture
def entrepot(tmp_path):
    path = tmp_path / "socle.duckdb"
    con = duckdb.connect(str(path))
    for schema in ("marts", "publication", "referentiel", "qualite"):
        con.execute(f"create schema {schema}")
    colonnes = ", ".join(f"{c} {t}" for c, t in (
        ("indicateur", "varchar"), ("periode", "date"), ("type_periode", "varchar"), ("niveau", "varchar"),
        ("territoire", "varchar"), ("dimension", "varchar"), ("modalite", "varchar"), ("numerateur", "double"),
        ("denominateur", "double"), ("valeur", "double"), ("unite", "varchar"), ("provisoire", "boolean")))
    con.execute(f"create table marts.indicateurs ({colonnes})")
    lignes = [(i, m, t, niveau, terr, "ensemble", "ensemble", v, None, v, "nombre", False)
              for i in ("entrees", "demandeurs_fin_de_mois") for m in MOIS
              for t in ("mois", "trimestre") for niveau, terr, v in (("REGION", "76", 40.0), ("REGION", "93", 3.0),
                                                                      ("NATIONAL", "FR", 43.0))]
    con.executemany(f"insert into marts.indicateurs values ({', '.join('?' * 12)})", lignes)
    con.execute("""create table publication.indicateurs as
                   select * replace (case when valeur < 11 then null else valeur end as valeur,
                                     case when valeur < 11 then null else numerateur end as numerateur),
                          valeur < 11 as secret, case when valeur < 11 then 'primaire' end as motif_secret
                   from marts.indicateurs""")
    con.execute("create table marts.arrete as select date '2025-02-20' as date_arrete")
    con.execute("create table marts.dictionnaire (indicateur varchar, numero varchar, libelle varchar)")
    con.execute("insert into marts.dictionnaire values ('entrees', 'A2', 'Entrées'), "
                "('demandeurs_fin_de_mois', 'A1', 'Demandeurs')")
    con.execute("create table referentiel.valeurs_reference (indicateur varchar, niveau varchar, territoire varchar, "
                "annee integer, valeur double)")
    con.execute("insert into referentiel.valeurs_reference values ('entrees', 'NATIONAL', 'FR', 2024, 0.5)")
    con.execute("create table referentiel.listes_codes (export varchar, colonne varchar, code varchar, libelle varchar)")
    con.execute("insert into referentiel.listes_codes values ('b', 'sexe', '1', 'H'), ('a', 'sexe', '1', 'Homme')")
    con.execute("create table publication.journal (id varchar, horodatage timestamp, qualite json, seuil_secret integer)")
    con.execute("insert into publication.journal values ('v1', ?, ?, 11), ('v2', ?, ?, 12)",
                [H1, json.dumps({"statut": "OK"}), H2, json.dumps({"statut": "AVERTISSEMENTS"})])
    from quality.gates import DDL

    for ddl in DDL:
        con.execute(ddl)
    con.execute("insert into qualite.executions values (?, [1], 'BLOQUE', 1, 0, 3, null), "
                "(?, [2, 3], 'AVERTISSEMENTS', 0, 1, 3, '/docs/index.html')", [H1, H2])
    con.executemany("insert into qualite.resultats values (?, 'marts', 'marts.indicateurs', ?, 'd', ?, ?, ?, 10, 1)", [
        [H1, "a", "bloquant", False, "ancien"], [H2, "b", "bloquant", True, None],
        [H2, "c", "avertissement", False, "écart"], [H2, "a", "avertissement", True, None]])
    con.close()
    return path


def test_les_cellules_filtrees_en_parametres(entrepot):
    with lecture.ouvrir(entrepot) as con:
        tout = lecture.cellules(con)
        assert tout.height == 24 and tout.columns == [*lecture.COLONNES_CELLULE, "secret"]
        # the published view: secret cells have no value; motif_secret is never read
        secret = tout.filter(tout["secret"])
        assert secret.height == 8 and secret["valeur"].null_count() == 8
        f = lecture.cellules(con, indicateurs=["entrees"], niveaux=["REGION"], territoires=["76"],
                             types_periode=["mois"], depuis=MOIS[1])
        assert f.select("indicateur", "periode", "territoire", "valeur").rows() == [("entrees", MOIS[1], "76", 40.0)]
        # a filter value is a parameter, never SQL
        assert lecture.cellules(con, territoires=["76' or true or '"]).height == 0
        interne = lecture.cellules(con, publie=False, territoires=["93"], types_periode=["mois"])
        assert "secret" not in interne.columns and set(interne["valeur"]) == {3.0}
        # ordered: indicator, months before quarters, period, level, territory
        ordre = lecture.cellules(con, indicateurs=["entrees"])
        assert ordre["type_periode"].to_list()[:6] == ["mois"] * 6
        assert ordre.select("periode", "niveau", "territoire").rows()[:3] == [
            (MOIS[0], "NATIONAL", "FR"), (MOIS[0], "REGION", "76"), (MOIS[0], "REGION", "93")]


def test_dictionnaire_references_arrete_journal(entrepot):
    with lecture.ouvrir(entrepot) as con:
        assert lecture.dictionnaire(con)["numero"].to_list() == ["A1", "A2"]
        assert lecture.date_arrete(con) == date(2025, 2, 20)
        assert lecture.valeurs_reference(con).rows() == [("entrees", "NATIONAL", "FR", 2024, 0.5)]
        assert lecture.libelles_codes(con) == {("sexe", "1"): "Homme"}  # the first export's label
        assert lecture.journal(con)["id"].to_list() == ["v1", "v2"]
        derniere = lecture.derniere_publication(con)
        assert derniere["id"] == "v2" and derniere["qualite"] == {"statut": "AVERTISSEMENTS"}
        assert derniere["seuil_secret"] == 12
        assert lecture.table_existe(con, "marts.arrete") and not lecture.table_existe(con, "marts.absente")


def test_statut_qualite_du_dernier_controle(entrepot):
    with lecture.ouvrir(entrepot) as con:
        s = lecture.statut_qualite(con)
        assert (s.statut, s.controles, s.bloquants, s.avertissements) == ("AVERTISSEMENTS", 3, 0, 1)
        assert s.horodatage == H2 and s.chargements == [2, 3] and s.data_docs == "/docs/index.html"
        assert s.resume()["horodatage"] == H2.isoformat()
        resultats = lecture.resultats_qualite(con, s.horodatage)
        assert resultats.select("controle", "succes").rows() == [("a", True), ("b", True), ("c", False)]
    assert [lecture.statut(b, a) for b, a in ((1, 0), (1, 5), (0, 2), (0, 0))] == [
        "BLOQUE", "BLOQUE", "AVERTISSEMENTS", "OK"]


def test_un_entrepot_sans_ces_tables(tmp_path):
    vide = tmp_path / "vide.duckdb"
    duckdb.connect(str(vide)).close()
    with lecture.ouvrir(vide) as con:
        assert lecture.statut_qualite(con) is None and lecture.date_arrete(con) is None
        assert lecture.dictionnaire(con) is None and lecture.journal(con) is None
        assert lecture.derniere_publication(con) is None and lecture.valeurs_reference(con) is None
        assert lecture.resultats_qualite(con, None).height == 0
    absent = tmp_path / "absent.duckdb"
    with pytest.raises(lecture.EntrepotIndisponible, match="socle construire"):
        lecture.connexion(absent)
    assert not absent.exists()  # read-only: nothing created


def test_lecture_seule(entrepot):
    with lecture.ouvrir(entrepot) as con, pytest.raises(duckdb.Error, match="read-only"):
        con.execute("create table marts.x (a int)")
