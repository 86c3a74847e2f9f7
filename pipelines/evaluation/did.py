"""Difference-in-differences of an MSA model against the witness agencies.

Two-way fixed effects, agency and month: ``y[a, t] = α[a] + λ[t] + β · traité[a] · après[t] + ε``,
weighted by the people behind each cell (a rate's denominator: the fit pools agencies as the rate
of their sum would), standard errors clustered by agency (statsmodels, CR1, Student's law with
G − 1 degrees of freedom for G agencies). The event study replaces β by one effect per month
relative to the start (the month before it is the reference, months further than the window are
pooled at its ends): the months before the start read the pre-trends. The minimum detectable
effect is the true effect the design would detect 8 times out of 10 at the 5 % level:
``(t(0.975) + t(0.80)) × standard error``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from pipelines.core import formats as fmt
from pipelines.evaluation.panel import unite_effectif

NIVEAU = 0.95
PUISSANCE = 0.80
#: Event-study window, in months relative to the start: before (the last bin pools earlier
#: months) and after.
AVANT, APRES = 12, 24
#: Below this many agencies in a group, no estimate: a clustered standard error needs clusters.
MIN_AGENCES = 2
#: Below this many treated agencies, the interval is said to be indicative (few treated clusters:
#: clustered errors are then often too small).
PEU_TRAITEES = 10


@dataclass(frozen=True)
class Estimation:
    indicateur: str
    modele: str
    unite: str
    effet: float | None = None
    erreur_type: float | None = None
    ic_bas: float | None = None
    ic_haut: float | None = None
    p_valeur: float | None = None
    ecart_detectable: float | None = None
    agences_traitees: int = 0
    agences_temoins: int = 0
    mois_avant: int = 0
    mois_apres: int = 0
    effectif_traite: float = 0.0  # people (or person-months) behind the treated cells since the start
    effectif: float = 0.0  # behind every cell of the fit
    p_tendances: float | None = None  # joint test of the pre-start event-study effects
    motif: str | None = None  # why there is no estimate

    @property
    def significatif(self) -> bool:
        return self.ic_bas is not None and (self.ic_bas > 0 or self.ic_haut < 0)


def _index(valeurs: np.ndarray) -> tuple[np.ndarray, int]:
    uniques, inverse = np.unique(valeurs, return_inverse=True)
    return inverse, len(uniques)


def _mois_relatif(periode: pl.Series, debut: date) -> np.ndarray:
    p = periode.cast(pl.Date)
    return ((p.dt.year() - debut.year) * 12 + (p.dt.month() - debut.month)).to_numpy()


def _echantillon(panel: pl.DataFrame, modele: str) -> pl.DataFrame:
    return panel.filter(pl.col("groupe").is_in([modele, "TEMOIN"]))


def _sans_effets_fixes(v: np.ndarray, w: np.ndarray, a: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``v`` minus its weighted agency and month means, alternated until stable: the same
    coefficients as dummies for both effects (Frisch–Waugh), without their 150 columns."""
    x = v.astype(float).copy()
    wa, wm = np.bincount(a, w), np.bincount(m, w)
    for _ in range(1000):
        avant = x.copy()
        x -= (np.bincount(a, w * x) / wa)[a]
        x -= (np.bincount(m, w * x) / wm)[m]
        if np.max(np.abs(x - avant)) < 1e-11 * (1.0 + np.max(np.abs(x))):
            break
    return x


def _ajuster(y, w, traitement: np.ndarray, agence: np.ndarray, mois: np.ndarray):
    """WLS of y on the treatment columns with agency and month fixed effects (partialled out),
    errors clustered by agency. The agency effects are nested in the clusters and are not
    counted in the small-sample correction (as Stata's ``xtreg`` and R's ``fixest`` do)."""
    import statsmodels.api as sm

    a, _ = _index(agence)
    m, _ = _index(mois)
    yt = _sans_effets_fixes(y, w, a, m)
    Xt = np.column_stack([_sans_effets_fixes(traitement[:, j], w, a, m) for j in range(traitement.shape[1])])
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore")
        fit = sm.WLS(yt, Xt, weights=w).fit(cov_type="cluster", cov_kwds={"groups": a}, use_t=True)
        fit.bse, fit.pvalues  # noqa: B018  (cached here, where a singular covariance stays quiet)
    return fit


def _ddl(fit) -> float:
    """Degrees of freedom of the fit's t tests: G − 1 for G agencies (clustered errors)."""
    return float(fit.df_resid_inference) if getattr(fit, "df_resid_inference", None) else float(fit.df_resid)


def estimer(panel: pl.DataFrame, debut: date, modele: str) -> Estimation:
    """β for ``modele`` against the witnesses, on the panel of one indicator."""
    from scipy import stats

    indicateur = panel["indicateur"][0] if panel.height else ""
    unite = panel["unite"][0] if panel.height else "taux"
    e = _echantillon(panel, modele)
    rel = _mois_relatif(e["periode"], debut)
    traite = (e["groupe"] == modele).to_numpy()
    apres = rel >= 0
    agences_t = int(e.filter(pl.col("groupe") == modele)["code_agence"].n_unique())
    agences_c = int(e.filter(pl.col("groupe") != modele)["code_agence"].n_unique())
    base = dict(indicateur=indicateur, modele=modele, unite=unite, agences_traitees=agences_t,
                agences_temoins=agences_c, mois_avant=int(len(np.unique(rel[~apres]))),
                mois_apres=int(len(np.unique(rel[apres]))))
    if agences_t < MIN_AGENCES or agences_c < MIN_AGENCES:
        return Estimation(**base, motif=f"trop peu d'agences avec des valeurs ({agences_t} du modèle, "
                          f"{agences_c} témoins ; {MIN_AGENCES} au moins de chaque côté)")
    if not (traite & apres).any() or not (traite & ~apres).any():
        return Estimation(**base, motif="aucun mois définitif avant ou depuis le lancement pour les agences du modèle")
    w = e["poids"].to_numpy()
    fit = _ajuster(e["y"].to_numpy(), w, (traite & apres).astype(float)[:, None],
                         e["code_agence"].to_numpy(), e["periode"].cast(pl.Date).to_numpy())
    b, se = float(fit.params[0]), float(fit.bse[0])
    if not (np.isfinite(b) and np.isfinite(se) and se > 0):
        return Estimation(**base, motif="valeurs sans variation entre agences ou entre mois : rien à comparer")
    df = _ddl(fit)
    t = stats.t.ppf(0.5 + NIVEAU / 2, df)
    mde = (t + stats.t.ppf(PUISSANCE, df)) * se
    p_tendances = tendance_avant(panel, debut, modele)
    return Estimation(
        **base, effet=b, erreur_type=se, ic_bas=b - t * se, ic_haut=b + t * se, p_valeur=float(fit.pvalues[0]),
        ecart_detectable=float(mde), effectif_traite=float(w[traite & apres].sum()), effectif=float(w.sum()),
        p_tendances=p_tendances,
    )


def etude_evenement(panel: pl.DataFrame, debut: date, modele: str,
                    avant: int = AVANT, apres: int = APRES) -> pl.DataFrame:
    """Effects by month relative to the start (``relatif``, ``effet``, ``ic_bas``, ``ic_haut``;
    ``relatif`` −1 is the reference, 0): to be read, not tested month by month (see
    :func:`tendance_avant`)."""
    from scipy import stats

    vide = ETUDE_VIDE
    e = _echantillon(panel, modele)
    traite = (e["groupe"] == modele).to_numpy()
    if e.height == 0 or len(np.unique(e.filter(pl.col("groupe") == modele)["code_agence"])) < MIN_AGENCES \
            or len(np.unique(e.filter(pl.col("groupe") != modele)["code_agence"])) < MIN_AGENCES:
        return vide
    rel = np.clip(_mois_relatif(e["periode"], debut), -avant, apres)
    bins = [r for r in range(-avant, apres + 1) if r != -1 and (traite & (rel == r)).any()]
    if not bins:
        return vide
    T = np.column_stack([(traite & (rel == r)).astype(float) for r in bins])
    k = T.shape[1]
    fit = _ajuster(e["y"].to_numpy(), e["poids"].to_numpy(), T, e["code_agence"].to_numpy(),
                         e["periode"].cast(pl.Date).to_numpy())
    t = stats.t.ppf(0.5 + NIVEAU / 2, _ddl(fit))
    params, bse = np.asarray(fit.params[:k]), np.asarray(fit.bse[:k])
    effets = pl.DataFrame({
        "relatif": pl.Series([*bins, -1], dtype=pl.Int32),
        "effet": [*params.tolist(), 0.0],
        "ic_bas": [*(params - t * bse).tolist(), 0.0],
        "ic_haut": [*(params + t * bse).tolist(), 0.0],
    }).sort("relatif")
    # a month held by too few treated agencies can get no standard error: not drawn
    return effets.filter(pl.all_horizontal(pl.col("effet", "ic_bas", "ic_haut").is_finite()))


ETUDE_VIDE = pl.DataFrame(schema={"relatif": pl.Int32, "effet": pl.Float64, "ic_bas": pl.Float64,
                                   "ic_haut": pl.Float64})


def tendance_avant(panel: pl.DataFrame, debut: date, modele: str) -> float | None:
    """p-value of the test that, before the start, the gap between the model and the witnesses
    did not drift: the slope of the gap over the months before the start (one restriction).

    A joint test of the event study's dozen monthly effects is the textbook alternative, but its
    clustered covariance rests on a handful of treated agencies (4 in model 2): it has fewer
    independent pieces than restrictions and rejects parallel trends that hold (seen on planted
    panels). None when there are fewer than 3 months before the start."""
    from scipy import stats  # noqa: F401  (statsmodels' t test)

    e = _echantillon(panel, modele)
    rel = _mois_relatif(e["periode"], debut)
    avant = rel < 0
    traite = (e["groupe"] == modele).to_numpy()
    if len(np.unique(rel[avant])) < 3 or not (traite & avant).any() or not (~traite & avant).any():
        return None
    e = e.filter(pl.Series(avant))
    t, r = traite[avant], rel[avant]
    fit = _ajuster(e["y"].to_numpy(), e["poids"].to_numpy(), (t * r).astype(float)[:, None],
                         e["code_agence"].to_numpy(), e["periode"].cast(pl.Date).to_numpy())
    p = float(fit.pvalues[0])
    return p if np.isfinite(p) else None


def en_tableau(estimations: list[Estimation]) -> pl.DataFrame:
    """The estimates as a frame, one row each, the fields of :class:`Estimation` as columns."""
    from dataclasses import fields

    schema = {f.name: (pl.String if f.type in ("str", "str | None") else pl.Int64 if f.type == "int" else pl.Float64)
              for f in fields(Estimation)}
    return pl.DataFrame([{k: (float(v) if schema[k] == pl.Float64 and v is not None else v)
                          for k, v in vars(e).items()} for e in estimations], schema=schema)


def depuis_tableau(ligne: dict) -> Estimation:
    """An :class:`Estimation` back from a row of :func:`en_tableau`."""
    return Estimation(**ligne)


def estimer_tout(panel: pl.DataFrame, debut: date, indicateurs, modeles) -> list[Estimation]:
    """One estimate per indicator and model, in that order (an indicator without cells gets a
    reason)."""
    resultats = []
    for indicateur in indicateurs:
        p = panel.filter(pl.col("indicateur") == indicateur)
        for modele in modeles:
            if p.height == 0:
                resultats.append(Estimation(indicateur, modele, "taux", motif="aucune cellule définitive publiée"))
            else:
                resultats.append(estimer(p, debut, modele))
    return resultats


# ---------------------------------------------------------------------------------------------
# Reading, in French


def _montant(x: float, unite: str) -> str:
    return fmt.format_evolution(x, unite)


def _effectif(x: float) -> str:
    return fmt.format_nombre(x)


def lecture(e: Estimation, libelle_modele: str) -> str:
    """Plain-French reading: the estimated gap, its interval, what one can conclude."""
    if e.effet is None:
        return f"Pas d'estimation pour le {libelle_modele} : {e.motif}."
    textes = [
        f"Écart estimé du {libelle_modele} par rapport aux agences témoins : {_montant(e.effet, e.unite)} "
        f"(intervalle de confiance à 95 % : {_montant(e.ic_bas, e.unite)} à {_montant(e.ic_haut, e.unite)}), "
        f"sur {e.agences_traitees} agences du modèle et {e.agences_temoins} agences témoins "
        f"({_effectif(e.effectif_traite)} {unite_effectif(e.indicateur)} dans les agences du modèle depuis le lancement)."
    ]
    if e.significatif:
        sens = "plus élevé" if e.effet > 0 else "plus bas"
        textes.append(f"L'intervalle ne contient pas 0 : depuis le lancement, l'indicateur est {sens} dans les agences "
                      "du modèle que ne le laisserait attendre l'évolution des agences témoins.")
    else:
        textes.append("L'intervalle contient 0 : on ne peut pas conclure à un effet. Un effet plus petit que "
                      f"{_montant(abs(e.ecart_detectable), e.unite).lstrip('+')} (en plus ou en moins) aurait "
                      "probablement échappé à cette comparaison.")
    if e.p_tendances is not None and e.p_tendances < 0.05:
        textes.append(f"Attention : avant le lancement, l'écart aux témoins évoluait déjà (test des tendances "
                      f"parallèles : p = {fmt.format_nombre(e.p_tendances, 3)}) ; l'estimation en est fragilisée.")
    if e.agences_traitees < PEU_TRAITEES:
        textes.append(f"Seulement {e.agences_traitees} agences dans le modèle : l'intervalle est indicatif (avec peu "
                      "d'agences traitées, les erreurs types par agence sont souvent trop optimistes).")
    return " ".join(textes)
