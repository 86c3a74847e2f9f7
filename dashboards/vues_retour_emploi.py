"""Display pieces of the Retour à l'emploi page: the cohort shown by default, the return to
employment of RSA beneficiaries against the published reference values (pure functions, like
``dashboards.vues_parcours`` whose bars and months the page also uses)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import plotly.graph_objects as go
import polars as pl

from dashboards import vues
from dashboards.vues_parcours import dernier_definitif
from pipelines.core import formats as fmt

# ---------------------------------------------------------------------------------------------
# Months


def cohorte_par_defaut(serie: pl.DataFrame, mois: date) -> date | None:
    """The cohort month to show by default: the latest final month up to ``mois`` (a rate whose
    6-month window is still open is understated), else the latest month up to ``mois``."""
    jusqu_a = serie.filter(pl.col("periode") <= mois)
    cellule = dernier_definitif(jusqu_a)
    if cellule is not None:
        return cellule["periode"]
    return jusqu_a["periode"].max() if jusqu_a.height else None


def premier_mois_provisoire(serie: pl.DataFrame) -> date | None:
    provisoires = serie.filter(pl.col("provisoire"))
    return provisoires["periode"].min() if provisoires.height else None


# ---------------------------------------------------------------------------------------------
# Return to employment of RSA beneficiaries and the published reference values


def references_rsa(refs: pl.DataFrame, indicateur: str, dimension: str = "ensemble",
                   modalite: str = "ensemble") -> list[dict]:
    """The published reference values of a return-to-employment rate of RSA beneficiaries in
    renewed accompaniment (by default the whole population; ``parcours``/``EMPLOI`` for the
    professional paths), whatever the territory shown: the pilot region's first, then France's;
    most recent year first."""
    if refs.height == 0:
        return []
    choisies = refs.filter((pl.col("indicateur") == indicateur) & (pl.col("dimension") == dimension)
                           & (pl.col("modalite") == modalite))
    return sorted(choisies.to_dicts(), key=lambda r: (r["territoire"] == "FR", -int(r["annee"])))


def lieu_reference(r: Mapping) -> str:
    if r["territoire"] == "FR":
        return "France"
    return "région pilote" if "pilote" in (r.get("commentaire") or "").lower() else f"région {r['territoire']}"


def libelle_reference(r: Mapping) -> str:
    """Short label of a reference line: « 24 % – région pilote (2024) »."""
    return f"{fmt.format_taux(r['valeur'], 0)} – {lieu_reference(r)} ({r['annee']})"


def tableau_rsa(cellules: pl.DataFrame, refs: pl.DataFrame, indicateurs: Sequence[str], nom_territoire: str,
                dico: Mapping | None = None) -> pl.DataFrame:
    """RSA beneficiaries of the territory, everyone of the territory, and the reference values,
    one column per rate. ``cellules``: the cohort's cells (``ensemble`` and ``allocation``)."""
    def valeur(indicateur: str, dimension: str, modalite: str) -> str:
        c = cellules.filter((pl.col("indicateur") == indicateur) & (pl.col("dimension") == dimension)
                            & (pl.col("modalite") == modalite))
        if c.height == 0:
            return fmt.VIDE
        ligne = c.row(0, named=True)
        texte = vues.texte_cellule(ligne)
        if ligne.get("secret") or fmt.est_vide(ligne.get("denominateur")):
            return texte
        return f"{texte} ({fmt.format_nombre(ligne['numerateur'])} sur {fmt.format_nombre(ligne['denominateur'])})"

    mois = fmt.format_mois(cellules["periode"].max()) if cellules.height else fmt.VIDE
    lignes = [
        [f"Bénéficiaires du RSA – {nom_territoire}"] + [valeur(i, "allocation", "RSA") for i in indicateurs]
        + [f"Socle, cohorte de {mois}"],
        [f"Toutes les personnes accompagnées – {nom_territoire}"]
        + [valeur(i, "ensemble", "ensemble") for i in indicateurs] + [f"Socle, cohorte de {mois}"],
    ]
    par_lieu: dict[tuple[str, int], dict[str, dict]] = {}
    for indicateur in indicateurs:
        for r in references_rsa(refs, indicateur):
            par_lieu.setdefault((r["territoire"], int(r["annee"])), {})[indicateur] = r
    for (_, annee), par_indicateur in sorted(par_lieu.items(), key=lambda kv: (kv[0][0] == "FR", -kv[0][1])):
        r = next(iter(par_indicateur.values()))
        lignes.append(
            [f"bRSA en accompagnement rénové – {lieu_reference(r)} (référence {annee})"]
            + [fmt.format_taux(par_indicateur[i]["valeur"], 0) if i in par_indicateur else fmt.VIDE
               for i in indicateurs]
            + [r["source"]]
        )
    colonnes = ["Population"] + [fmt.libelle_indicateur(i, dico, avec_numero=True) for i in indicateurs] + ["Source"]
    return pl.DataFrame(lignes, schema=[(c, pl.String) for c in colonnes], orient="row")


def ajouter_references(fig: go.Figure, references: Sequence[tuple[float, str]]) -> go.Figure:
    """Horizontal lines of published reference values (several: a pilot region, France)."""
    tirets = ("dash", "dot", "dashdot", "longdash")
    # Shapes and annotations set at once: ``add_hline`` re-validates the figure at each call.
    fig.update_layout(
        shapes=list(fig.layout.shapes) + [
            {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": v, "y1": v,
             "line": {"color": "#555555", "dash": tirets[rang % len(tirets)], "width": 1}}
            for rang, (v, _) in enumerate(references)
        ],
        annotations=list(fig.layout.annotations) + [
            {"xref": "paper", "x": 0, "y": v, "text": libelle, "showarrow": False, "xanchor": "left",
             "yanchor": "bottom" if rang % 2 == 0 else "top", "font": {"size": 11, "color": "#555555"}}
            for rang, (v, libelle) in enumerate(references)
        ],
    )
    return fig
