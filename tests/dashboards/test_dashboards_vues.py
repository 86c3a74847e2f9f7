"""Tables and figures of the pages (no Streamlit)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from dashboards import data, data_metadonnees, vues
from pipelines.core.indicateurs import A1, B1, C2

from .conftest import MOIS

NBSP = "\u00a0"


def _cellule(**kw) -> dict:
    base = {"indicateur": B1, "periode": MOIS[0], "niveau": "REGION", "territoire": "76", "libelle": "Occitanie",
            "dimension": "ensemble", "modalite": "ensemble", "numerateur": 40.0, "denominateur": 60.0,
            "valeur": 21.0, "unite": "jours", "provisoire": False, "secret": False}
    return base | kw


def test_tableau_territoires_cellule_absente_provisoire_et_secrete(entrepot, perimetre_national):
    cellules = data.extraire(entrepot.path, perimetre_national, [A1, B1], "DEPARTEMENT", ["31", "34"], periode=MOIS[0])
    tableau = vues.tableau_territoires(cellules, [A1, B1])
    lignes = {r["Territoire"]: r for r in tableau.to_dicts()}
    # The fixture's B1 of département 34 in January is null (median not reached).
    assert entrepot.valeur(B1, "DEPARTEMENT", "34", MOIS[0]) is None
    assert lignes["34 – Hérault"][B1] == "–"  # no dictionary given: the code is the header
    assert list(lignes) == ["31 – Haute-Garonne", "34 – Hérault"]
    secret = pl.DataFrame([_cellule(secret=True, valeur=None, numerateur=None, denominateur=None)])
    assert vues.tableau_territoires(secret, [B1]).row(0, named=True)[B1] == "s"


def test_tableau_detail_et_survol():
    lignes = pl.DataFrame([
        _cellule(),
        _cellule(periode=MOIS[1], valeur=None, numerateur=None, denominateur=None, secret=True),
        _cellule(indicateur="taux_sanction_cre", unite="taux", valeur=0.25, numerateur=5.0, denominateur=20.0),
    ])
    detail = vues.tableau_detail(lignes)
    assert detail.columns == ["Indicateur", "Territoire", "Mois", "Ventilation", "Modalité", "Valeur",
                              "Numérateur", "Dénominateur"]
    assert detail.row(0) [2:] == ("janv. 2025", "Ensemble", "Ensemble", f"21{NBSP}j", "40", "60")
    assert detail.row(1)[5:] == ("s", "s", "s")
    survol = vues.texte_survol("Occitanie", lignes.row(2, named=True))
    assert f"25,0{NBSP}%" in survol and "5 sur 20" in survol
    assert "sur" not in vues.texte_survol("Occitanie", lignes.row(1, named=True))  # nothing of a secret


def test_figure_points_provisoires_et_secrets(entrepot, perimetre_national):
    series = data.extraire(entrepot.path, perimetre_national, [B1], "REGION", ["84"])
    fig = vues.figure_serie(series)
    pleine, pointillee = fig.data
    assert pleine.line.dash is None and pointillee.line.dash == "dot"
    definitifs = [m for m in MOIS if not entrepot.provisoire(B1, "REGION", "84", m)]
    attendu = [entrepot.valeur(B1, "REGION", "84", m) if m in definitifs else None for m in MOIS]
    assert list(pleine.y) == attendu
    # The dotted part starts at the last final month so that the line stays continuous.
    assert [m for m, y in zip(pointillee.x, pointillee.y) if y is not None] == definitifs[-1:] + [
        m for m in MOIS if m not in definitifs
    ]
    assert all("provisoire" in t for t, m in zip(pointillee.text, MOIS) if m not in definitifs)
    assert list(fig.layout.xaxis.ticktext) == ["janv. 2025", "févr. 2025", "mars 2025", "avr. 2025"]
    # A secret month is a gap: no value drawn, the hover says « s ».
    secret = series.with_columns(
        secret=pl.col("periode") == MOIS[0], valeur=pl.when(pl.col("periode") == MOIS[0]).then(None).otherwise(pl.col("valeur"))
    )
    fig = vues.figure_serie(secret)
    assert fig.data[0].y[0] is None and ": s" in fig.data[0].text[0]


def test_figure_plusieurs_territoires(entrepot, perimetre_national):
    series = data.extraire(entrepot.path, perimetre_national, [A1], "DEPARTEMENT", ["31", "34"])
    fig = vues.figure_serie(series)
    noms = {t.name for t in fig.data if t.showlegend is not False}
    assert noms == {"31 – Haute-Garonne", "34 – Hérault"}


def test_graduations_limitees_garde_le_dernier_mois():
    periodes = [date(2023 + (i // 12), i % 12 + 1, 1) for i in range(30)]
    valeurs, libelles = vues._graduations(periodes)
    assert len(valeurs) <= 12 and valeurs[-1] == periodes[-1]
    assert libelles[-1] == "juin 2025"


def test_evolution_et_mois_decale():
    serie = pl.DataFrame([_cellule(periode=date(2024, 1, 1), valeur=30.0), _cellule(periode=date(2025, 1, 1), valeur=21.0),
                          _cellule(periode=date(2024, 12, 1), valeur=None, secret=True)])
    assert vues.mois_decale(date(2025, 1, 1), 1) == date(2024, 12, 1)
    assert vues.mois_decale(date(2025, 3, 1), 14) == date(2024, 1, 1)
    assert vues.evolution(serie, date(2025, 1, 1), 12)[0] == -9.0
    ecart, avant = vues.evolution(serie, date(2025, 1, 1), 1)
    assert ecart is None and avant["secret"]  # never a change computed around a secret


def test_references_du_territoire_puis_nationales(entrepot):
    refs = data_metadonnees.valeurs_reference(entrepot.path)
    r = vues.references(refs, "taux_sanction_cre", "76")
    assert r and all(x["territoire"] == "FR" for x in r) and r[0]["annee"] >= r[-1]["annee"]
    propres = vues.references(refs, "taux_retour_emploi_durable_6m", "93")
    assert [x["territoire"] for x in propres] == ["93", "FR"]
    assert "24" in vues.texte_reference(propres[0]) and "région 93" in vues.texte_reference(propres[0])


def test_derniere_definitive():
    serie = pl.DataFrame([_cellule(periode=MOIS[0], valeur=30.0), _cellule(periode=MOIS[1], valeur=25.0),
                          _cellule(periode=MOIS[2], valeur=None, provisoire=True)])
    assert vues.derniere_definitive(serie)["valeur"] == 25.0
    assert vues.derniere_definitive(serie.filter(pl.col("provisoire"))) is None


def test_l_axe_d_un_taux_reste_entre_0_et_100():
    """With no point to draw, Plotly's own range ran to 400 %: a rate's axis is 0–100 %, or just
    above the highest value."""
    vide = pl.DataFrame([_cellule(indicateur=C2, unite="taux", periode=m, valeur=None, secret=True) for m in MOIS])
    assert tuple(vues.figure_serie(vide).layout.yaxis.range) == (0, 1.0)
    serie = pl.DataFrame([_cellule(indicateur=C2, unite="taux", periode=m, valeur=v) for m, v in zip(MOIS, [0.1, 0.2, 0.15, 0.12])])
    bas, haut = vues.figure_serie(serie).layout.yaxis.range
    assert bas == 0 and haut == pytest.approx(0.23)


def test_petits_effectifs_graduations_entieres():
    serie = pl.DataFrame([_cellule(indicateur=A1, unite="nombre", periode=m, valeur=float(v), denominateur=None)
                          for m, v in zip(MOIS, [0, 1, 0, 1])])
    fig = vues.figure_serie(serie)
    assert fig.layout.yaxis.dtick == 1 and fig.layout.yaxis.tickformat == ",d"
    grand = serie.with_columns(valeur=pl.col("valeur") * 1000)
    assert vues.figure_serie(grand).layout.yaxis.dtick is None


def test_un_mois_provisoire_censure_n_est_jamais_le_chiffre_phare():
    """C2 (6-month window): the chosen month is provisional, its 0 % is not a result; the headline
    is the latest final month. A1 (no window) keeps its provisional month. No final month: none."""
    serie = pl.DataFrame([_cellule(indicateur=C2, unite="taux", periode=MOIS[0], valeur=0.31),
                          _cellule(indicateur=C2, unite="taux", periode=MOIS[1], valeur=0.30),
                          _cellule(indicateur=C2, unite="taux", periode=MOIS[2], valeur=0.0, provisoire=True)])
    phare, censure = vues.cellule_phare(serie, MOIS[2], C2)
    assert phare["periode"] == MOIS[1] and censure["periode"] == MOIS[2]
    assert "ce n'est pas un résultat" in vues.texte_provisoire_censure(censure)
    assert vues.cellule_phare(serie, MOIS[1], C2) == (serie.row(1, named=True), None)
    stock = serie.with_columns(indicateur=pl.lit(A1))
    assert vues.cellule_phare(stock, MOIS[2], A1)[0]["periode"] == MOIS[2]
    assert vues.cellule_phare(serie.filter(pl.col("provisoire")), MOIS[2], C2)[0] is None


def _ruptures(fig) -> tuple[list, list]:
    return ([s for s in fig.layout.shapes if s.name == "rupture_serie"],
            [a for a in fig.layout.annotations if a.name == "rupture_serie"])


def test_rupture_de_serie_marquee_quand_les_mois_la_traversent():
    from pipelines.core.indicateurs import LIBELLE_RUPTURE, NOTE_RUPTURE, RUPTURE_SERIE

    traverse = pl.DataFrame([_cellule(periode=date(2024, 11, 1)), _cellule(periode=date(2024, 12, 1)),
                             _cellule(periode=RUPTURE_SERIE), _cellule(periode=date(2025, 2, 1))])
    (ligne,), (etiquette,) = _ruptures(vues.figure_serie(traverse))
    # between the December and January points, labelled, the note on hover
    assert date(2024, 12, 1) < date.fromisoformat(str(ligne.x0)[:10]) < RUPTURE_SERIE and ligne.x0 == ligne.x1
    assert etiquette.text == LIBELLE_RUPTURE == "Rupture de série : janvier 2025"
    assert etiquette.hovertext == NOTE_RUPTURE
    # every chart over months: stacked bars too
    from dashboards import vues_parcours

    assert _ruptures(vues_parcours.figure_empilee(traverse))[0]
    # months on one side only: no line (it would only stretch the axis)
    for periodes in ([date(2024, 11, 1), date(2024, 12, 1)], [RUPTURE_SERIE, date(2025, 2, 1)]):
        un_cote = traverse.filter(pl.col("periode").is_in(periodes))
        assert _ruptures(vues.figure_serie(un_cote)) == ([], [])


def test_note_de_rupture_sous_les_mois_qui_la_traversent():
    from pipelines.core.indicateurs import NOTE_RUPTURE

    assert vues.note_rupture([date(2024, 12, 1), date(2025, 1, 1)]) == NOTE_RUPTURE
    assert vues.note_rupture([date(2025, 1, 1), date(2025, 6, 1)]) is None
    assert vues.note_rupture([date(2023, 1, 1), date(2024, 12, 1)]) is None
    assert vues.note_rupture([]) is None
    # 12-month values ending in 2025: their windows hold months of both sides, even on an axis after the break
    douze = vues.note_rupture([date(2025, 3, 1), date(2025, 6, 1)], fenetre=12)
    assert douze.startswith(NOTE_RUPTURE) and "entre janvier et novembre 2025 réunit des mois d'avant" in douze
    assert vues.note_rupture([date(2025, 12, 1), date(2026, 6, 1)], fenetre=12) is None
    # the same month a year before, compared across the break
    n1 = vues.note_rupture([date(2025, 3, 1)], annee_precedente=True)
    assert "entre janvier et décembre 2025, la comparaison au même mois un an plus tôt" in n1
    assert vues.note_rupture([date(2026, 1, 1)], annee_precedente=True) is None
    assert vues.croise_rupture([date(2025, 11, 1)], recul=11) and not vues.croise_rupture([date(2025, 12, 1)], recul=11)
