"""Helpers of the AppTest runs of the Contrôle, Détournement, Territoires and Méthodologie pages
on the real demo warehouse (``entrepot_demo``, tests/conftest.py).

The leak check uses a *marked* copy of that warehouse: every cell that is secret in
``publication.indicateurs`` gets, in ``marts.indicateurs``, values no real cell has (the
``MARQUES``). A published-view user must never meet one of them, whatever the page shows: figure
specs, tables, captions, metrics. An internal user does meet them (the check is not blind).
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import acces

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
TIMEOUT = 60
#: the demo accounts, but for the committee a test one of Haute-Garonne: the test warehouse
#: (``entrepot_demo``: whole regions, 6 000 people) is far sparser than the demo, and its densest
#: département, not the demo committee's Ariège, has the series the committee pages draw
UTILISATEURS = {u.identifiant: u for u in acces.UTILISATEURS_DEMO if u.role != acces.COMITE}
UTILISATEURS["comite31"] = acces.Utilisateur("comite31", "Test – comité Haute-Garonne", acces.COMITE, "DEPARTEMENT", "31")
PUBLIES = [i for i, u in UTILISATEURS.items() if u.perimetre.publie]
INTERNES = [i for i, u in UTILISATEURS.items() if not u.perimetre.publie]

#: Values written into the internal cells that are secret once published (never real figures).
NOMBRE_MARQUE, NUM_MARQUE, DEN_MARQUE, TAUX_MARQUE, JOURS_MARQUE = 987654.0, 987653.0, 987655.0, 0.4321987654, 8765.0
#: How they read: raw in the Plotly specs, formatted in French in the tables and captions.
MARQUES = ("98765", "0.432198", "987\u202f65", "8\u202f765")


def marquer(source: Path, cible: Path) -> Path:
    """A copy of the warehouse whose internal values of published-secret cells are the marks."""
    shutil.copyfile(source, cible)
    con = duckdb.connect(str(cible))
    try:
        con.execute(
            f"""
            update marts.indicateurs m set
                numerateur = case m.unite when 'nombre' then {NOMBRE_MARQUE} when 'taux' then {NUM_MARQUE}
                                          else {DEN_MARQUE} end,
                denominateur = case m.unite when 'nombre' then null else {DEN_MARQUE} end,
                valeur = case m.unite when 'nombre' then {NOMBRE_MARQUE} when 'taux' then {TAUX_MARQUE}
                                      else {JOURS_MARQUE} end
            from publication.indicateurs p
            where p.secret and p.indicateur = m.indicateur and p.periode = m.periode
              and p.type_periode = m.type_periode and p.niveau = m.niveau
              and p.territoire = m.territoire and p.dimension = m.dimension and p.modalite = m.modalite
            """
        )
    finally:
        con.close()
    return cible


@pytest.fixture(scope="session")
def entrepot_marque(entrepot_demo, tmp_path_factory) -> Path:
    """The demo warehouse, marked (:func:`marquer`), once for the four pages' tests."""
    return marquer(entrepot_demo, tmp_path_factory.mktemp("entrepot_marque") / "socle.duckdb")


def ouvrir(monkeypatch, warehouse: Path, identifiant: str, page: str, mois: date | None = None) -> AppTest:
    """The app signed in as a demo user, on ``ecrans/<page>.py``, its first territory and
    ``mois`` (default :func:`mois_de_test`) chosen in the sidebar, after a full run."""
    monkeypatch.setenv("SOCLE_WAREHOUSE", str(warehouse))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state["utilisateur"] = UTILISATEURS[identifiant]
    at.run()
    at.switch_page(f"ecrans/{page}.py")
    at.run()
    verifier_sans_erreur(at)
    choisir_mois(at, mois or mois_de_test(warehouse, identifiant))
    return at


def choisir_mois(at: AppTest, mois: date) -> None:
    """Choose the month in the sidebar (found by its label: the widget keys are the sidebar's)."""
    selecteur = next(s for s in at.sidebar.selectbox if s.label == "Mois")
    selecteur.set_value(mois).run()
    verifier_sans_erreur(at)
    assert mois_affiche(at) == mois


def mois_de_test(path: Path, identifiant: str) -> date:
    """The month the page tests choose: the latest final month of the user's region (Occitanie
    for national), where every indicator has cells (the month of the date d'arrêté may not)."""
    u = UTILISATEURS[identifiant]
    region = u.territoire_code if u.territoire_niveau == "REGION" else "76"
    return dernier_mois_definitif(path, region)


def verifier_sans_erreur(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def figures(at: AppTest) -> list[dict]:
    return [json.loads(n.proto.spec) for n in at.get("plotly_chart")]


def cles_graphiques(at: AppTest) -> set[str]:
    return {n.key for n in at.get("plotly_chart")}


def series_ou_pourquoi(at: AppTest, cles: set[str]) -> set[str]:
    """The series of ``cles`` not drawn; each must have said why instead (every month secret, or
    nothing observable yet), never drawn empty axes. Returns them."""
    from dashboards import blocs_parcours

    manquantes = cles - cles_graphiques(at)
    raisons = (blocs_parcours.TOUT_SECRET, blocs_parcours.RIEN_A_TRACER)
    pourquoi = [i for i in at.info if i.value in raisons or "Aucune donnée" in i.value]
    assert len(pourquoi) >= len(manquantes), manquantes
    return manquantes


def textes(at: AppTest) -> list[str]:
    """Everything the page writes: texts, tables' cells and headers, metrics, charts' specs."""
    morceaux = [e.value for e in (*at.title, *at.subheader, *at.caption, *at.markdown, *at.info)]
    morceaux += [f"{m.label} {m.value}" for m in at.metric]
    for df in at.dataframe:
        valeur = df.value
        morceaux += [str(c) for c in valeur.columns] + [str(v) for v in valeur.astype(str).to_numpy().ravel()]
    morceaux += [n.proto.spec for n in at.get("plotly_chart")]
    return morceaux


def marques_vues(at: AppTest) -> list[str]:
    return [m for m in MARQUES for t in textes(at) if m in t]


def barres_coherentes(at: AppTest) -> int:
    """Every bar labelled « s » has no length (a secret is a gap, never a value); the number of
    « s » bars."""
    secrets = 0
    for fig in figures(at):
        for trace in fig["data"]:
            if trace.get("type") != "bar":
                continue
            longueurs = trace.get("x") if trace.get("orientation") == "h" else trace.get("y")
            for texte, longueur in zip(trace.get("text") or [], longueurs or []):
                if texte == "s":
                    secrets += 1
                    assert longueur is None, trace
                else:
                    assert longueur is not None, trace
    return secrets


def tableaux(at: AppTest) -> list:
    return [d.value for d in at.dataframe]


def cellules(path: Path, table: str, **egal) -> pl.DataFrame:
    """Rows of ``table`` (``marts.indicateurs`` / ``publication.indicateurs``) with the given
    column values, read directly (not through the dashboards' data layer); monthly cells unless
    ``type_periode`` says otherwise (the pages show months)."""
    egal = {"type_periode": "mois", **egal}
    filtres = " and ".join(f"{c} = ?" for c in egal)
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.sql(f"select * from {table} where {filtres}", params=list(egal.values())).pl()
    finally:
        con.close()


def requete(path: Path, sql: str, params: list | None = None) -> pl.DataFrame:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.sql(sql, params=params or []).pl()
    finally:
        con.close()


def mois_affiche(at: AppTest) -> date:
    """The month the page shows, read from its header (« **Occitanie** · novembre 2026 · … »)."""
    import re

    from pipelines.core.formats import MOIS_LONGS

    entete = at.caption[0].value
    m = re.search(r"· (" + "|".join(MOIS_LONGS) + r") (\d{4})", entete)
    assert m, entete
    return date(int(m.group(2)), MOIS_LONGS.index(m.group(1)) + 1, 1)


def dernier_mois_definitif(path: Path, region: str) -> date:
    """Latest month whose A1 of the region is final (the month the tests pin in the address)."""
    df = requete(path, "select max(periode) as m from marts.indicateurs where indicateur = "
                       "'demandeurs_fin_de_mois' and type_periode = 'mois' and niveau = 'REGION' and "
                       "territoire = ? and dimension = 'ensemble' and not provisoire", [region])
    return df["m"][0]
