"""Utility figures of the published view (pipelines.secret.utilite) on a hand-made published
view: secret monthly cells by level and family, committees' visibility on the latest 12-month
period, the French summary, and ``socle qualite`` printing it."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.secret import utilite

_spec = importlib.util.spec_from_file_location("aide_secret", Path(__file__).with_name("aide_secret.py"))
aide = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(aide)

NOV, JAN, FEV, MAR = date(2025, 11, 1), date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
HIER = aide.hierarchie({"06001": ("0601", "06", "93"), "31001": ("0602", "31", "76")})
#: Ten indicator codes of the contract (all of département 31's 12-month indicators).
DIX = ["entrees", "sorties", "taux_diagnostic_30j", "orientations_initiales", "taux_ecart_algorithme",
       "reorientations", "taux_retour_emploi_6m", "controles_decides", "alertes", "taux_faux_positifs"]


def _ligne(indicateur, niveau, territoire, secret, *, periode=JAN, type_periode="mois", dimension="ensemble",
           modalite="ensemble") -> dict:
    return {"indicateur": indicateur, "periode": periode, "type_periode": type_periode, "niveau": niveau,
            "territoire": territoire, "dimension": dimension, "modalite": modalite, "numerateur": 100.0,
            "denominateur": None, "valeur": 100.0, "unite": "nombre", "provisoire": False, "secret": secret}


def _vue() -> pl.DataFrame:
    """Monthly cells (counted in the shares) and 12-month cells (the committees' visibility)."""
    A1, A2, D1 = "demandeurs_fin_de_mois", "entrees", "controles_decides"
    mois = [
        # NATIONAL: 3 cells, 1 secret (A 0/2, D 1/1)
        _ligne(A1, "NATIONAL", "FR", False), _ligne(A2, "NATIONAL", "FR", False), _ligne(D1, "NATIONAL", "FR", True),
        # DEPARTEMENT: 06 (A 1/3 with a breakdown, D 1/1) and 31 (A 1/1, a later month)
        _ligne(A1, "DEPARTEMENT", "06", False), _ligne(A1, "DEPARTEMENT", "06", True, dimension="sexe", modalite="F"),
        _ligne(A1, "DEPARTEMENT", "06", False, dimension="sexe", modalite="H"), _ligne(D1, "DEPARTEMENT", "06", True),
        _ligne(A1, "DEPARTEMENT", "31", True, periode=FEV),
        # BASSIN: 0601 (A 0/1, an indicator outside the contract 1/1), 0602 only monthly cells (A 0/1)
        _ligne(A1, "BASSIN", "0601", False), _ligne("hors_liste", "BASSIN", "0601", True),
        _ligne(A1, "BASSIN", "0602", False),
        # AGENCE: 2 cells, both secret
        _ligne(A1, "AGENCE", "06001", True), _ligne(D1, "AGENCE", "06001", True),
    ]
    douze = [
        # the latest 12-month period (JAN): 06 shows 3 of its 4 indicators (breakdowns do not count)
        *(_ligne(c, "DEPARTEMENT", "06", s, type_periode="cumul_12_mois")
          for c, s in [("entrees", False), ("sorties", False), ("taux_diagnostic_30j", False), ("controles_decides", True)]),
        _ligne("entrees", "DEPARTEMENT", "06", True, type_periode="cumul_12_mois", dimension="sexe", modalite="F"),
        # 31 shows 9 of 10: exactly the 90 % target
        *(_ligne(c, "DEPARTEMENT", "31", c == "alertes", type_periode="cumul_12_mois") for c in DIX),
        # bassin 0601: 1 of 2; bassin 0602 has no 12-month cell; agencies are not committees
        _ligne("entrees", "BASSIN", "0601", True, type_periode="cumul_12_mois"),
        _ligne("sorties", "BASSIN", "0601", False, type_periode="cumul_12_mois"),
        _ligne("entrees", "AGENCE", "06001", False, type_periode="cumul_12_mois"),
        # an older 12-month period, everything visible there: never the one measured
        *(_ligne(c, "DEPARTEMENT", "06", False, periode=NOV, type_periode="cumul_12_mois") for c in DIX),
        _ligne("entrees", "BASSIN", "0601", False, periode=NOV, type_periode="cumul_12_mois"),
        # a later quarter: not a 12-month period
        _ligne("entrees", "DEPARTEMENT", "06", True, periode=MAR, type_periode="trimestre"),
        _ligne("entrees", "DEPARTEMENT", "06", True, periode=MAR, type_periode="trimestre", dimension="sexe", modalite="F"),
    ]
    return pl.DataFrame(mois + douze, schema_overrides={"denominateur": pl.Float64})


def _entrepot(tmp_path, vue: pl.DataFrame) -> Path:
    return aide.entrepot(tmp_path / "w.duckdb", vue.drop("secret"), HIER, vue)


@pytest.fixture
def mesure(tmp_path) -> utilite.Utilite:
    chemin = _entrepot(tmp_path, _vue())
    con = duckdb.connect(str(chemin), read_only=True)
    try:
        return utilite.mesurer(con)
    finally:
        con.close()


def _part(u, niveau, famille):
    r = u.part_secret.filter((pl.col("niveau") == niveau) & (pl.col("famille") == famille)).row(0, named=True)
    return r["cellules"], r["secretes"], r["part_secret"]


def test_part_des_cellules_mensuelles_secretes_par_niveau_et_famille(mesure):
    u = mesure
    assert u.part_secret["niveau"].unique(maintain_order=True).to_list() == ["NATIONAL", "DEPARTEMENT", "BASSIN", "AGENCE"]
    # each level's overall row first, then the families
    assert u.part_secret.filter(pl.col("niveau") == "BASSIN")["famille"].to_list() == ["ensemble", "A", "hors contrat"]
    assert _part(u, "NATIONAL", "ensemble") == (3, 1, pytest.approx(1 / 3))
    assert _part(u, "NATIONAL", "A") == (2, 0, 0.0)
    assert _part(u, "NATIONAL", "D") == (1, 1, 1.0)
    # breakdowns count, months all count (31's is in February), quarters and 12-month cells do not
    assert _part(u, "DEPARTEMENT", "ensemble") == (5, 3, 0.6)
    assert _part(u, "DEPARTEMENT", "A") == (4, 2, 0.5)
    assert _part(u, "BASSIN", "ensemble") == (3, 1, pytest.approx(1 / 3))
    assert _part(u, "BASSIN", "hors contrat") == (1, 1, 1.0)
    assert _part(u, "AGENCE", "ensemble") == (2, 2, 1.0)
    assert u.total() == (13, 7)


def test_visibilite_des_comites_sur_le_dernier_cumul_12_mois(mesure):
    v = mesure.comites
    assert v.periode == JAN  # the latest 12-month period, not the later quarter nor the older period
    par = {(r["niveau"], r["territoire"]): r for r in v.perimetres.to_dicts()}
    assert set(par) == {("DEPARTEMENT", "06"), ("DEPARTEMENT", "31"), ("BASSIN", "0601"), ("BASSIN", "0602")}
    assert (par[("DEPARTEMENT", "06")]["indicateurs"], par[("DEPARTEMENT", "06")]["visibles"]) == (4, 3)
    assert (par[("DEPARTEMENT", "31")]["indicateurs"], par[("DEPARTEMENT", "31")]["visibles"]) == (10, 9)
    assert par[("BASSIN", "0601")]["part_visible"] == 0.5
    assert par[("BASSIN", "0602")]["indicateurs"] == 0 and par[("BASSIN", "0602")]["part_visible"] is None

    dep = v.niveau("DEPARTEMENT")
    assert (dep["perimetres"], dep["sans_indicateur"]) == (2, 0)
    assert dep["mediane"] == pytest.approx((0.75 + 0.9) / 2) and dep["minimum"] == 0.75
    assert (dep["au_moins_cible"], dep["part_au_moins_cible"]) == (1, 0.5)  # 9 of 10 reaches 90 %
    assert (dep["indicateurs"], dep["visibles"]) == (14, 12)
    assert v.part_departements == pytest.approx(12 / 14)
    bassin = v.niveau("BASSIN")
    # a bassin without 12-month cells: no share, but a perimeter that does not reach the target
    assert (bassin["perimetres"], bassin["sans_indicateur"], bassin["mediane"], bassin["minimum"]) == (2, 1, 0.5, 0.5)
    assert (bassin["au_moins_cible"], bassin["part_au_moins_cible"]) == (0, 0.0)
    assert v.synthese["niveau"].to_list() == ["DEPARTEMENT", "BASSIN"]


def test_le_dernier_cumul_12_mois_complet_finit_sur_un_mois_definitif():
    """A 12-month period ending on a month whose registrants' stock is provisional (the partial
    month of the date d'arrêté) is not the one measured: the latest complete one is."""
    fevrier = [_ligne(c, "DEPARTEMENT", "31", False, periode=FEV, type_periode="cumul_12_mois") for c in DIX]
    vue = pl.concat([_vue(), pl.DataFrame(fevrier, schema_overrides={"denominateur": pl.Float64})])
    assert utilite.mesurer(vue).comites.periode == FEV  # February's stock is definitive, no quarter's end
    provisoire = (pl.col("indicateur") == "demandeurs_fin_de_mois") & (pl.col("periode") == FEV)
    vue = vue.with_columns(provisoire=pl.when(provisoire).then(True).otherwise(pl.col("provisoire")))
    assert utilite.mesurer(vue).comites.periode == JAN
    # a quarter's end with a definitive stock comes first (12-month periods ending a quarter)
    decembre = [_ligne(c, "DEPARTEMENT", "31", False, periode=date(2025, 12, 1), type_periode=t)
                for c, t in (("entrees", "cumul_12_mois"), ("demandeurs_fin_de_mois", "mois"))]
    vue = pl.concat([vue, pl.DataFrame(decembre, schema_overrides={"denominateur": pl.Float64})])
    assert utilite.mesurer(vue).comites.periode == date(2025, 12, 1)


def test_meme_mesure_sur_un_cadre_polars(mesure):
    u = utilite.mesurer(_vue())
    assert u.part_secret.equals(mesure.part_secret)
    assert u.comites.perimetres.equals(mesure.comites.perimetres)
    assert utilite.part_secret(_vue()).equals(mesure.part_secret)
    assert utilite.visibilite_comites(_vue()).synthese.equals(mesure.comites.synthese)


def test_resume_en_francais(mesure):
    texte = utilite.resume_utilite(mesure)
    lignes = texte.splitlines()
    assert len(lignes) >= 6
    assert "Cellules mensuelles secrètes : 53,8\u00a0% (7 sur 13)." in texte
    assert "Département : 60,0\u00a0% (3 sur 5) — familles A 50,0\u00a0% · D 100,0\u00a0%" in texte
    assert "cumul 12 mois se terminant en janvier 2026" in texte
    assert "Départements (2) : médiane 82,5\u00a0%, minimum 75,0\u00a0% ; 1 sur 2 à 90\u00a0% ou plus (50,0\u00a0%)." in texte
    assert "Bassins d'emploi (2, 1 sans cellule sur 12 mois)" in texte
    assert "Indicateurs départementaux sur 12 mois visibles : 85,7\u00a0% (12 sur 14) — cible 90\u00a0% : non atteinte." in texte


def test_vue_vide_et_vue_sans_cumul_12_mois(tmp_path):
    vue = _vue()
    vide = utilite.mesurer(vue.clear())
    assert vide.vide and vide.part_secret.height == 0 and vide.comites.periode is None
    assert vide.comites.part_departements is None
    assert "Vue publiée vide : aucune cellule à mesurer." in utilite.resume_utilite(vide)

    mensuelle = vue.filter(pl.col("type_periode") == "mois")
    chemin = _entrepot(tmp_path, mensuelle)
    con = duckdb.connect(str(chemin), read_only=True)
    try:
        u = utilite.mesurer(con)
    finally:
        con.close()
    assert not u.vide and u.comites.periode is None and u.comites.synthese.height == 0
    texte = utilite.resume_utilite(u)
    assert "Cellules mensuelles secrètes" in texte
    assert "Aucune cellule cumul 12 mois dans la vue publiée" in texte


def test_socle_qualite_affiche_l_utilite(tmp_path):
    from typer.testing import CliRunner

    from pipelines.cli import app

    chemin = _entrepot(tmp_path, _vue())
    res = CliRunner().invoke(app, ["qualite", "--entrepot", str(chemin)])
    # no quality results in a hand-made warehouse: exit 1 as before, the figures still printed
    assert res.exit_code == 1
    # rich wraps at the terminal's width: where depends on the length of tmp_path
    assert "aucun résultat de contrôle qualité" in " ".join(res.output.split())
    assert "Utilité de la vue publiée (secret statistique) :" in res.output
    assert "Indicateurs départementaux sur 12 mois visibles : 85,7\u00a0%" in res.output

    sans_vue = tmp_path / "sans_vue.duckdb"
    duckdb.connect(str(sans_vue)).close()
    res = CliRunner().invoke(app, ["qualite", "--entrepot", str(sans_vue)])
    assert res.exit_code == 1 and "Utilité de la vue publiée non mesurée" in res.output
