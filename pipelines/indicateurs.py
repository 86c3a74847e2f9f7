"""The indicators of the output contract (``indicators.md``), listed once.

Their definitions live in the dbt data dictionary (``meta.dictionnaire`` of ``marts.indicateurs``,
read with ``pipelines.dbt_runner.dictionnaire_indicateurs``); this module only holds what Python
needs without a manifest: each code and its reference number, cited in committees.
"""

from __future__ import annotations

#: The indicators of the contract, code → reference (A1…E4). The family is the first letter.
INDICATEURS: dict[str, str] = {
    "demandeurs_fin_de_mois": "A1",
    "entrees": "A2",
    "sorties": "A3",
    "delai_inscription_diagnostic_median": "B1",
    "taux_diagnostic_30j": "B2",
    "en_attente_diagnostic": "B3",
    "orientations_initiales": "B4",
    "repartition_orientation": "B5",
    "taux_ecart_algorithme": "B6",
    "taux_contrat_engagement_1_mois": "B7",
    "taux_entree_parcours_15j": "B8",
    "en_attente_parcours": "B9",
    "accompagnements_en_cours": "B10",
    "part_accompagnement_intensif": "B11",
    "reorientations": "B12",
    "taux_retour_emploi_6m": "C1",
    "taux_retour_emploi_durable_6m": "C2",
    "controles_decides": "D1",
    "taux_sanction_cre": "D2",
    "delai_controle_median": "D3",
    "taux_sanction_manquements": "D4",
    "alertes": "E1",
    "taux_faux_positifs": "E2",
    "taux_examen_alertes": "E3",
    "delai_traitement_alerte_median": "E4",
}


def famille(code: str) -> str | None:
    """The family letter (A…E) of an indicator code, None when the code is not in the contract."""
    numero = INDICATEURS.get(code)
    return numero[0] if numero else None
