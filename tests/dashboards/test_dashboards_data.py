"""Data access of the dashboards on a hand-made warehouse."""

from __future__ import annotations

import hashlib
import os
from datetime import date

import duckdb
import polars as pl
import pytest

from dashboards import data, data_connexion, data_metadonnees, data_territoires
from dashboards.acces import Utilisateur
from pipelines.core.indicateurs import A1, B1, INDICATEURS

from .conftest import DATE_ARRETE, DEPARTEMENTS_AVEC_DONNEES, MOIS, construire_entrepot

#: These tests are about the queries themselves: read as a national user (everything, internal).
NAT = Utilisateur("national", "National", "national", "NATIONAL", "FR").perimetre


def _empreinte(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_date_arrete(entrepot):
    assert data.date_arrete(entrepot.path) == DATE_ARRETE


def test_territoires_presents_seulement(entrepot):
    df = data.territoires(entrepot.path, NAT)
    assert df.filter(pl.col("niveau") == "REGION")["code"].to_list() == sorted(DEPARTEMENTS_AVEC_DONNEES)
    assert df["niveau"].unique(maintain_order=True).to_list() == ["NATIONAL", "REGION", "DEPARTEMENT", "BASSIN"]
    ligne = df.filter(pl.col("code") == "31").row(0, named=True)
    assert (ligne["libelle"], ligne["parent_niveau"], ligne["parent_code"]) == ("Haute-Garonne", "REGION", "76")
    # Bassin 7601 straddles 31 and 34 (both in 76): its parent is the region; 7602 lies in 31.
    parents = dict(zip(df["code"], zip(df["parent_niveau"], df["parent_code"])))
    assert parents["7601"] == ("REGION", "76") and parents["7602"] == ("DEPARTEMENT", "31")


def test_extraire(entrepot):
    df = data.extraire(entrepot.path, NAT, [A1, B1], "DEPARTEMENT", ["31", "34"], periode=MOIS[1])
    assert df.select("indicateur", "territoire").rows() == sorted([(A1, "31"), (A1, "34"), (B1, "31"), (B1, "34")])
    assert df.filter(pl.col("indicateur") == A1)["valeur"].to_list() == [
        entrepot.valeur(A1, "DEPARTEMENT", d, MOIS[1]) for d in ("31", "34")
    ]
    assert set(df["libelle"]) == {"Haute-Garonne", "Hérault"}
    # Breakdowns: only « ensemble » by default, a named one, or all.
    assert data.extraire(entrepot.path, NAT, [A1], "REGION", ["76"], dimension="sexe")["modalite"].unique().to_list() == ["F"]
    tout = data.extraire(entrepot.path, NAT, [A1], "REGION", ["76"], dimension=None)
    assert set(tout["dimension"]) == {"ensemble", "sexe"}
    depuis = data.extraire(entrepot.path, NAT, [A1], "REGION", ["76"], depuis=MOIS[2])
    assert depuis["periode"].to_list() == MOIS[2:]
    # Every territory of a level when no code is given; none for an empty list.
    assert set(data.extraire(entrepot.path, NAT, [A1], "DEPARTEMENT")["territoire"]) == {"31", "34", "69"}
    assert data.extraire(entrepot.path, NAT, [A1], "DEPARTEMENT", []).height == 0
    # Months only, unless a period type is asked: then only that type (``periode``: its last month).
    assert 9_876 not in data.extraire(entrepot.path, NAT, ["entrees"], "DEPARTEMENT", ["31"])["valeur"].to_list()
    annee = data.extraire(entrepot.path, NAT, ["entrees"], "DEPARTEMENT", ["31"], type_periode="cumul_12_mois")
    assert annee.select("periode", "valeur").rows() == [(MOIS[3], 9_876)]
    with pytest.raises(ValueError, match="Type de période"):
        data.extraire(entrepot.path, NAT, ["entrees"], "DEPARTEMENT", ["31"], type_periode="semestre")


def test_codes_inferieurs(entrepot):
    assert data_territoires.codes_inferieurs(entrepot.path, "REGION", "76") == ["31", "34"]
    assert data_territoires.codes_inferieurs(entrepot.path, "DEPARTEMENT", "31") == ["31001", "31002"]
    assert data_territoires.codes_inferieurs(entrepot.path, "BASSIN", "7601") == ["31001", "34001"]
    assert data_territoires.codes_inferieurs(entrepot.path, "REGION", "76", "AGENCE") == ["31001", "31002", "34001"]
    assert data_territoires.codes_inferieurs(entrepot.path, "NATIONAL", "FR") == ["11", "76", "84"]
    assert data_territoires.codes_inferieurs(entrepot.path, "AGENCE", "31001") == []


def test_dictionnaire_et_libelles(entrepot):
    dico = data_metadonnees.dictionnaire(entrepot.path)
    assert dico.height == len(INDICATEURS) and dico["numero"].to_list()[0] == "A1"
    assert dico.filter(pl.col("indicateur") == B1)["unite"].item() == "jours"
    listes = data_metadonnees.libelles_modalites(entrepot.path)
    assert listes[("operateur_retenu", "FT")] == "France Travail"
    assert listes[("sexe", "1")] == "Homme"


def test_etat_publication(entrepot):
    etat = data_metadonnees.etat_publication(entrepot.path)
    # The hand-made warehouse has no quality tables: the state says nothing, it does not fail.
    assert etat["date_arrete"] == DATE_ARRETE and etat["statut_qualite"] is None


def test_lecture_seule_le_fichier_n_est_pas_modifie(entrepot):
    avant = _empreinte(entrepot.path), os.stat(entrepot.path).st_mtime_ns
    data.date_arrete(entrepot.path)
    data.territoires(entrepot.path, NAT)
    data.extraire(entrepot.path, NAT, [A1, B1], "REGION", ["76"])
    assert (_empreinte(entrepot.path), os.stat(entrepot.path).st_mtime_ns) == avant
    assert not entrepot.path.with_suffix(".duckdb.wal").exists()


def test_une_connexion_par_version_publiee(entrepot, tmp_path, monkeypatch):
    nouveau = tmp_path / "nouveau.duckdb"
    construire_entrepot(nouveau)
    ouvertes = []
    vrai_connect = duckdb.connect
    monkeypatch.setattr(data_connexion.duckdb, "connect", lambda *a, **k: ouvertes.append(k.get("read_only")) or vrai_connect(*a, **k))
    data.territoires(entrepot.path, NAT)
    data.extraire(entrepot.path, NAT, [A1], "REGION", ["76"])
    assert ouvertes == [True]  # one read-only connection for every query of this version
    # A publication replaces the file: the old connection is closed, the new version opened.
    os.replace(nouveau, entrepot.path)
    data.extraire(entrepot.path, NAT, [A1], "REGION", ["84"])
    assert ouvertes == [True, True]
    data_connexion.fermer_connexions()
    # Nothing is held any more: a writer of this process can open the file.
    vrai_connect(str(entrepot.path)).close()


def test_une_connexion_en_lecture_seule_refuse_d_ecrire(entrepot, monkeypatch):
    ouvertes = []
    vrai_connect = duckdb.connect

    def espion(path, *args, **kwargs):
        ouvertes.append(kwargs.get("read_only"))
        return vrai_connect(path, *args, **kwargs)

    monkeypatch.setattr(data_connexion.duckdb, "connect", espion)
    data.date_arrete(entrepot.path)
    assert ouvertes == [True]
    with pytest.raises(duckdb.InvalidInputException, match="read-only"):
        data_connexion.requete(entrepot.path, "create table marts.intrus (x int)")


def test_entrepot_absent(tmp_path):
    absent = tmp_path / "rien.duckdb"
    with pytest.raises(data_connexion.EntrepotIndisponible, match="Aucun entrepôt publié : lancez `socle construire`"):
        data.territoires(absent, NAT)
    assert not absent.exists()  # read-only: nothing created


def test_entrepot_incomplet(tmp_path):
    vide = tmp_path / "vide.duckdb"
    duckdb.connect(str(vide)).close()
    with pytest.raises(data_connexion.EntrepotIndisponible, match="socle construire"):
        data.territoires(vide, NAT)


def test_une_nouvelle_publication_est_lue_sans_redemarrer(entrepot, tmp_path):
    assert data.date_arrete(entrepot.path) == DATE_ARRETE
    # A build publishes by replacing the file atomically.
    nouveau = tmp_path / "nouveau" / "socle.duckdb"
    nouveau.parent.mkdir()
    construire_entrepot(nouveau)
    con = duckdb.connect(str(nouveau))
    con.execute("update marts.arrete set date_arrete = date '2025-05-15'")
    con.close()
    os.replace(nouveau, entrepot.path)
    assert data.date_arrete(entrepot.path) == date(2025, 5, 15)


def test_le_cache_evite_de_rouvrir_le_fichier(entrepot, monkeypatch):
    data.territoires(entrepot.path, NAT)
    compteur = []
    vrai_connect = duckdb.connect
    monkeypatch.setattr(data_connexion.duckdb, "connect", lambda *a, **k: compteur.append(1) or vrai_connect(*a, **k))
    data.territoires(entrepot.path, NAT)
    assert compteur == []


def test_chemin_entrepot(monkeypatch, tmp_path):
    monkeypatch.setenv("SOCLE_WAREHOUSE", str(tmp_path / "x.duckdb"))
    assert data_connexion.chemin_entrepot() == tmp_path / "x.duckdb"
    monkeypatch.delenv("SOCLE_WAREHOUSE")
    monkeypatch.setenv("SOCLE_DATA_DIR", str(tmp_path / "d"))
    assert data_connexion.chemin_entrepot() == tmp_path / "d" / "socle.duckdb"


def test_utilite_du_secret_et_perimetre(entrepot):
    u = data_metadonnees.utilite_secret(entrepot.path, NAT)
    # the published view's monthly cells: A1 of agency 31002 and of bassin 7602 (7) are secret
    assert u.total() == aide_requete(entrepot.path, "select count(*), count(*) filter (where secret) "
                                                    "from publication.indicateurs where type_periode = 'mois'")
    assert u.total()[1] == 2 * len(MOIS)
    v = u.comites
    assert v.periode == MOIS[3]
    # every département shows its two 12-month indicators; the bassins have no 12-month cell
    assert v.part_departements == 1.0
    assert set(v.perimetres["territoire"]) == {"31", "34", "69", "7601", "7602", "8401"}
    assert v.niveau("BASSIN")["sans_indicateur"] == 3
    # a committee's rows are its perimeter's territories; the aggregates stay those of the view
    comite = Utilisateur("comite31", "Comité 31", "comite", "DEPARTEMENT", "31").perimetre
    u31 = data_metadonnees.utilite_secret(entrepot.path, comite)
    assert u31.comites.perimetres.select("niveau", "territoire").rows() == [("DEPARTEMENT", "31"), ("BASSIN", "7602")]
    assert u31.comites.synthese.equals(v.synthese) and u31.part_secret.equals(u.part_secret)
    with pytest.raises(TypeError):
        data_metadonnees.utilite_secret(entrepot.path, None)


def aide_requete(path, sql):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return tuple(con.execute(sql).fetchone())
    finally:
        con.close()
