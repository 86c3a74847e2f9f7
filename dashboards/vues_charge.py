"""What the « Charge des conseillers » page shows, as plain functions (tested without Streamlit):
which indicators, how a metric's change reads, and the platforms' table of H6."""

from __future__ import annotations

import polars as pl

from dashboards import vues
from pipelines.core import formats as fmt
from pipelines.core.indicateurs import H1, H2, H3, H4, H5

PORTEFEUILLES = (H1, H2)
ENTRETIENS = (H3, H4, H5)
#: A metric's change and how it reads: more interviews held is neither good nor bad in itself;
#: fewer no-shows and fewer portfolios over 70 are.
SENS = {H1: "neutre", H2: "baisse_favorable", H3: "neutre", H4: "baisse_favorable", H5: "neutre"}

PLATEFORMES_NATIONALES = (
    "Les plateformes de contrôle de la recherche d'emploi (CRE) servent plusieurs territoires : leurs "
    "chiffres (H6) ne sont affichés qu'au niveau national. Le total national de H6 est celui des "
    "contrôles décidés (D1)."
)
LECTURE_PORTEFEUILLES = (
    "Portefeuille : les accompagnements en cours le dernier jour du mois tenus par un conseiller référent, "
    "rattachés à l'agence de l'accompagnement. Un conseiller qui suit des personnes dans deux agences compte "
    "dans chacune, une seule fois au-dessus : la moyenne d'un département n'est donc pas la moyenne de ses "
    "agences. Aucune cellule ne nomme un conseiller ; moins de conseillers que le seuil du secret : « s »."
)


def tableau_plateformes(mois: pl.DataFrame, cumul: pl.DataFrame) -> pl.DataFrame:
    """One row per CRE platform: its controls of the month and of the 12 months ending with it
    (« s » when secret, « – » when absent), platforms by decreasing 12-month total."""
    total = {c["territoire"]: c for c in cumul.to_dicts()}
    du_mois = {c["territoire"]: c for c in mois.to_dicts()}
    codes = sorted(set(total) | set(du_mois),
                   key=lambda t: (-(total.get(t, {}).get("valeur") or 0), t))
    colonnes = ["Plateforme", "Contrôles du mois", "Contrôles sur 12 mois"]
    lignes = [
        [t,
         vues.texte_cellule(du_mois[t]) if t in du_mois else fmt.VIDE,
         vues.texte_cellule(total[t]) if t in total else fmt.VIDE]
        for t in codes
    ]
    return pl.DataFrame(lignes, schema=[(c, pl.String) for c in colonnes], orient="row")

