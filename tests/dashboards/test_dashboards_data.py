"""Data access of the dashboards on a hand-made warehouse."""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import date

import duckdb
import polars as pl
import pytest

from dashboards import data
from dashboards.acces import Utilisateur
from dashboards.format import A1, B1

from .conftest import DATE_ARRETE, DEPARTEMENTS_AVEC_DONNEES, MOIS, construire_entrepot


#: These tests are about the queries themselves: read as a national user (everything, internal).
NAT = Utilisateur("national", "National", "national", "NATIONAL", "FR").perimetre


def _empreinte(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_date_arrete(entrepot):
    assert data.date_arrete(entrepot.path) == DATE_ARRETE


def test_regions_presentes_seulement(entrepot):
    regions = data.regions(entrepot.path, NAT)
    assert set(regions["code"]) == set(DEPARTEMENTS_AVEC_DONNEES)  # 11 has no data
    assert dict(zip(regions["code"], regions["libelle"]))["76"] == "Occitanie"
    assert regions["libelle"].to_list() == sorted(regions["libelle"].to_list())


def test_mois_disponibles_et_mois_par_defaut(entrepot):
    mois = data.mois_disponibles(entrepot.path, NAT, "76")
    assert mois["periode"].to_list() == sorted(MOIS, reverse=True)
    prov = dict(zip(mois["periode"], mois["provisoire"]))
    assert prov == {m: entrepot.provisoire(A1, "REGION", "76", m) for m in MOIS}
    # The latest month is provisional for A1: the default is the latest final one.
    attendu = max(m for m in MOIS if not entrepot.provisoire(A1, "REGION", "76", m))
    assert data.mois_par_defaut(mois) == attendu


def test_mois_par_defaut_cas_limites():
    schema = {"periode": pl.Date, "provisoire": pl.Boolean}
    assert data.mois_par_defaut(pl.DataFrame(schema=schema)) is None
    tous_provisoires = pl.DataFrame(
        {"periode": [date(2025, 2, 1), date(2025, 1, 1)], "provisoire": [True, True]}, schema=schema
    )
    assert data.mois_par_defaut(tous_provisoires) == date(2025, 2, 1)
    sans_reference = pl.DataFrame(
        {"periode": [date(2025, 2, 1), date(2025, 1, 1)], "provisoire": [None, False]}, schema=schema
    )
    # No reference cell in the latest month: the headline figure would be empty there.
    assert data.mois_par_defaut(sans_reference) == date(2025, 1, 1)


def test_indicateurs_territoires(entrepot):
    mois = MOIS[2]
    df = data.indicateurs_territoires(entrepot.path, NAT, "76", mois, [A1, B1])
    territoires = df.select("niveau", "territoire").unique(maintain_order=True).rows()
    assert territoires == [("REGION", "76")] + [("DEPARTEMENT", d) for d in DEPARTEMENTS_AVEC_DONNEES["76"]]
    assert df.height == 2 * len(territoires)  # ensemble only: no breakdown, no bassin
    assert set(df["periode"]) == {mois}
    for row in df.to_dicts():
        assert row["valeur"] == entrepot.valeur(row["indicateur"], row["niveau"], row["territoire"], mois)
        assert row["provisoire"] == entrepot.provisoire(row["indicateur"], row["niveau"], row["territoire"], mois)
    libelles = dict(zip(df["territoire"], df["libelle"]))
    assert libelles["76"] == "Occitanie" and libelles["31"] == "Haute-Garonne"


def test_indicateurs_territoires_filtre_les_indicateurs(entrepot):
    df = data.indicateurs_territoires(entrepot.path, NAT, "84", MOIS[0], [A1])
    assert set(df["indicateur"]) == {A1}
    assert set(df["territoire"]) == {"84", "69"}


def test_serie(entrepot):
    s = data.serie(entrepot.path, NAT, "REGION", "84", B1)
    assert s["periode"].to_list() == MOIS
    assert s["valeur"].to_list() == [entrepot.valeur(B1, "REGION", "84", m) for m in MOIS]
    assert s["provisoire"].to_list() == [entrepot.provisoire(B1, "REGION", "84", m) for m in MOIS]
    assert data.serie(entrepot.path, NAT, "REGION", "11", B1).height == 0


def test_series_region(entrepot):
    seule = data.series_region(entrepot.path, NAT, "76", A1)
    assert set(seule["territoire"]) == {"76"}
    avec = data.series_region(entrepot.path, NAT, "76", A1, avec_departements=True)
    assert set(avec["territoire"]) == {"76", "31", "34"}
    assert avec.height == 3 * len(MOIS)
    assert avec["territoire"][0] == "76"  # the region first


def test_valeur_du_mois(entrepot):
    s = data.serie(entrepot.path, NAT, "REGION", "76", A1)
    v = data.valeur_du_mois(s, MOIS[1])
    assert v.valeur == entrepot.valeur(A1, "REGION", "76", MOIS[1])
    assert v.precedente == entrepot.valeur(A1, "REGION", "76", MOIS[0])
    assert v.unite == "nombre" and v.presente
    premier = data.valeur_du_mois(s, MOIS[0])
    assert premier.precedente is None
    absent = data.valeur_du_mois(s, date(2030, 1, 1))
    assert absent.valeur is None and not absent.presente and not absent.provisoire


def test_mois_precedent():
    assert data.mois_precedent(date(2025, 1, 1)) == date(2024, 12, 1)
    assert data.mois_precedent(date(2025, 3, 1)) == date(2025, 2, 1)


def test_lecture_seule_le_fichier_n_est_pas_modifie(entrepot):
    avant = _empreinte(entrepot.path), os.stat(entrepot.path).st_mtime_ns
    data.date_arrete(entrepot.path)
    data.regions(entrepot.path, NAT)
    data.indicateurs_territoires(entrepot.path, NAT, "76", MOIS[0], [A1, B1])
    assert (_empreinte(entrepot.path), os.stat(entrepot.path).st_mtime_ns) == avant
    assert not entrepot.path.with_suffix(".duckdb.wal").exists()


def test_connexion_fermee_apres_chaque_requete(entrepot):
    data.regions(entrepot.path, NAT)
    # A read-write connection in this process would fail if a read-only one were still open.
    con = duckdb.connect(str(entrepot.path))
    con.close()


def test_une_connexion_en_lecture_seule_refuse_d_ecrire(entrepot, monkeypatch):
    ouvertes = []
    vrai_connect = duckdb.connect

    def espion(path, *args, **kwargs):
        ouvertes.append(kwargs.get("read_only"))
        return vrai_connect(path, *args, **kwargs)

    monkeypatch.setattr(data.duckdb, "connect", espion)
    data.date_arrete(entrepot.path)
    assert ouvertes == [True]
    with pytest.raises(duckdb.InvalidInputException, match="read-only"):
        data.requete(entrepot.path, "create table marts.intrus (x int)")


def test_entrepot_absent(tmp_path):
    absent = tmp_path / "rien.duckdb"
    with pytest.raises(data.EntrepotIndisponible, match="Aucun entrepôt publié : lancez `socle build`"):
        data.regions(absent, NAT)
    assert not absent.exists()  # read-only: nothing created


def test_entrepot_incomplet(tmp_path):
    vide = tmp_path / "vide.duckdb"
    duckdb.connect(str(vide)).close()
    with pytest.raises(data.EntrepotIndisponible, match="socle build"):
        data.regions(vide, NAT)


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
    data.regions(entrepot.path, NAT)
    compteur = []
    vrai_connect = duckdb.connect
    monkeypatch.setattr(data.duckdb, "connect", lambda *a, **k: compteur.append(1) or vrai_connect(*a, **k))
    data.regions(entrepot.path, NAT)
    assert compteur == []


def test_chemin_entrepot(monkeypatch, tmp_path):
    monkeypatch.setenv("SOCLE_WAREHOUSE", str(tmp_path / "x.duckdb"))
    assert data.chemin_entrepot() == tmp_path / "x.duckdb"
    monkeypatch.delenv("SOCLE_WAREHOUSE")
    monkeypatch.setenv("SOCLE_DATA_DIR", str(tmp_path / "d"))
    assert data.chemin_entrepot() == tmp_path / "d" / "socle.duckdb"
