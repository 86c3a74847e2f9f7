"""What the CSE report shows, section by section: a plain description read by ``contenu``.

The choice follows what the staff representatives asked for in the CSE minutes (regular follow-up
of the Loi plein emploi: orientations by operator, delays, intensity of accompaniment, waiting
lists, job-search control and list management, equity of treatment between agencies, audits of
data misuse and their false positives, the MSA experiment) and the indicators of the contract.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.core.indicateurs import (
    A1,
    A2,
    B1,
    B2,
    B3,
    B4,
    B5,
    B7,
    B8,
    B9,
    B10,
    B11,
    B12,
    C1,
    C2,
    D1,
    D2,
    D3,
    D4,
    D5,
    D6,
    D7,
    E1,
    E2,
    E3,
    E4,
    F1,
    F2,
    F3,
    F4,
    F5,
    F6,
    F7,
    F8,
    G1,
    H1,
    H2,
    H3,
    H4,
    H5,
)

#: Not an indicator of the contract: the complement of D4 among breaches with a known outcome
#: (the « 80 % des GL n'aboutissent pas sur une sanction » of the CSE minutes).
SANS_SANCTION = "manquements_sans_sanction"

#: Short labels for table headers and chart legends (the full label and definition are in the
#: annex, from the data dictionary).
COURTS: dict[str, str] = {
    A1: "Demandeurs en fin de mois",
    A2: "Entrées",
    B1: "Délai médian inscription → diagnostic",
    B2: "Diagnostiqués sous 30 jours",
    B3: "En attente de diagnostic",
    B4: "Orientations initiales",
    B5: "Part des orientations",
    B7: "Contrat d'engagement sous 1 mois",
    B8: "Entrée en parcours sous 15 jours",
    B9: "Diagnostiqués en attente de parcours",
    B10: "Accompagnements en cours",
    B11: "Part d'accompagnement intensif",
    B12: "Réorientations",
    C1: "Retour à l'emploi à 6 mois",
    C2: "Retour à l'emploi durable à 6 mois",
    D1: "Contrôles décidés",
    D2: "Taux de sanction (CRE)",
    D3: "Délai médian d'un contrôle",
    D4: "Manquements sanctionnés",
    SANS_SANCTION: "Manquements sans sanction",
    D5: "Sanctions prononcées",
    D6: "Sanctions avec recours",
    D7: "RAPO acceptés",
    F1: "Accès à l'emploi à 6 mois",
    F2: "Accès à l'emploi durable à 6 mois",
    F3: "En emploi à 6 mois",
    F4: "Délai médian jusqu'à l'accompagnement",
    F5: "Couverture du diagnostic",
    F6: "Diagnostic actualisé (6 mois)",
    F7: "Diagnostics avec freins",
    F8: "Ruptures d'accompagnement",
    G1: "Contrat d'engagement signé (stock)",
    H1: "Portefeuille moyen",
    H2: "Portefeuilles de plus de 70",
    H3: "Entretiens réalisés",
    H4: "Absence aux entretiens",
    H5: "Durée moyenne d'un entretien (min)",
    E1: "Alertes",
    E2: "Faux positifs (non avérées)",
    E3: "Alertes examinées",
    E4: "Délai médian de traitement",
}


@dataclass(frozen=True)
class Repartition:
    """A table of one breakdown at the region level: a row per modality, a column per indicator
    (``transposee``: a row per indicator, a column per modality)."""

    titre: str
    dimension: str
    indicateurs: tuple[str, ...]
    transposee: bool = False


@dataclass(frozen=True)
class Graphique:
    """``tendance``: monthly lines of the indicators (same unit) at the region level;
    ``barres``: the first indicator by ``dimension``; ``reference``: B5 by operator against the
    reference values; ``groupes``: indicators by ``dimension`` side by side; ``entonnoir``: the
    equity funnel plot of D2 by agency."""

    sorte: str
    titre: str
    indicateurs: tuple[str, ...] = ()
    dimension: str | None = None
    demi: bool = False


@dataclass(frozen=True)
class Section:
    ident: str
    titre: str
    intro: str
    departements: tuple[str, ...]
    #: Tables by département of one indicator across the modalities of a breakdown.
    departements_modalites: tuple[tuple[str, str], ...] = ()
    repartitions: tuple[Repartition, ...] = ()
    graphiques: tuple[Graphique, ...] = ()
    notes: tuple[str, ...] = ()


SECTIONS: tuple[Section, ...] = (
    Section(
        "inscriptions", "Inscriptions et orientations",
        "Qui s'inscrit et vers quel organisme référent chacun est orienté depuis la loi pour le plein "
        "emploi (inscription automatique des allocataires du RSA et des jeunes en CEJ depuis janvier 2025).",
        departements=(A1, A2, B4, B12),
        departements_modalites=((B5, "operateur_retenu"),),
        repartitions=(
            Repartition("Entrées par canal d'inscription", "canal_inscription", (A2,)),
            Repartition("Orientations initiales par organisme référent", "operateur_retenu", (B4, B5)),
            Repartition("Orientations initiales par parcours", "parcours_retenu", (B4, B5)),
            Repartition("Réorientations par motif (dont cordes de rappel)", "motif_reorientation", (B12,)),
        ),
        graphiques=(
            Graphique("tendance", "Entrées et orientations initiales, par mois", (A2, B4)),
            Graphique("reference", "Part des orientations par organisme, et valeur de référence (trait noir)",
                      (B5,), "operateur_retenu", demi=True),
            Graphique("barres", "Réorientations par motif", (B12,), "motif_reorientation", demi=True),
        ),
    ),
    Section(
        "delais", "Délais",
        "Du premier contact au parcours : délai jusqu'au diagnostic, signature du contrat d'engagement "
        "dans le mois de l'orientation (délai légal) et entrée en parcours après le diagnostic.",
        departements=(B1, B2, B7, B8),
        repartitions=(
            Repartition("Délai et diagnostic sous 30 jours par canal d'inscription", "canal_inscription", (B1, B2)),
            Repartition("Contrat d'engagement sous 1 mois par organisme", "operateur_retenu", (B7,)),
            Repartition("Entrée en parcours sous 15 jours, par parcours", "parcours", (B8,)),
        ),
        graphiques=(
            Graphique("tendance", "Diagnostic sous 30 jours, contrat sous 1 mois, parcours sous 15 jours", (B2, B7, B8)),
            Graphique("tendance", "Délai médian entre l'inscription et le diagnostic (jours)", (B1,)),
        ),
    ),
    Section(
        "accompagnement", "Accompagnement",
        "Accompagnements en cours et leur intensité (15 heures d'activité par semaine ou plus), et les "
        "listes d'attente : inscrits sans diagnostic, diagnostiqués sans parcours.",
        departements=(B10, B11, B9, B3),
        repartitions=(
            Repartition("Accompagnements en cours par organisme", "operateur", (B10, B11)),
            Repartition("Accompagnements en cours par modalité", "modalite", (B10,)),
            Repartition("En attente de diagnostic, par ancienneté de l'inscription", "attente", (B3,)),
        ),
        graphiques=(
            Graphique("barres", "Accompagnements en cours par modalité", (B10,), "modalite", demi=True),
            Graphique("barres", "En attente de diagnostic, par ancienneté", (B3,), "attente", demi=True),
            Graphique("tendance", "Listes d'attente en fin de mois", (B3, B9)),
        ),
    ),
    Section(
        "emploi", "Retour à l'emploi",
        "Part des personnes entrées en accompagnement qui ont repris un emploi, et un emploi durable "
        "(CDI, CDD ou mission de 6 mois et plus, création d'entreprise), dans les 6 mois.",
        departements=(C1, C2),
        repartitions=(
            Repartition("Par parcours", "parcours", (C1, C2)),
            Repartition("Par organisme", "operateur", (C1, C2)),
            Repartition("Par allocation", "allocation", (C1, C2)),
        ),
        graphiques=(
            Graphique("tendance", "Retour à l'emploi et à l'emploi durable dans les 6 mois, par mois d'entrée", (C1, C2)),
        ),
        notes=(
            "La fenêtre d'observation est de 6 mois : les cohortes des six derniers mois sont provisoires "
            "et leur taux ne peut que monter.",
            "Les valeurs de référence publiées (accompagnement rénové des bénéficiaires du RSA) portent sur "
            "une population différente de l'ensemble des accompagnés : elles situent un ordre de grandeur.",
        ),
    ),
    Section(
        "controle", "Contrôle de la recherche d'emploi et gestion de la liste",
        "Contrôles décidés et leur issue, par origine et par procédure ; suites des manquements "
        "(gestion de la liste) ; équité de traitement entre agences.",
        departements=(D1, D2, D3, D4, SANS_SANCTION),
        repartitions=(
            Repartition("Par origine du contrôle", "origine", (D1, D2)),
            Repartition("Par procédure", "procedure", (D1, D2)),
            Repartition("Contrôles décidés par issue", "issue", (D1,)),
            Repartition("Manquements par type", "type_manquement", (D4, SANS_SANCTION)),
        ),
        graphiques=(
            Graphique("barres", "Taux de sanction par origine du contrôle", (D2,), "origine", demi=True),
            Graphique("tendance", "Taux de sanction des contrôles, par mois", (D2,), demi=True),
            Graphique("entonnoir", "Équité de traitement : taux de sanction par agence (entonnoir)", (D2,)),
        ),
    ),
    Section(
        "sanctions", "Barème des sanctions (2025) et recours",
        "Sanctions prononcées à l'issue des contrôles, par type et par durée (barème de "
        "suspension-remobilisation de 2025), part des sanctions contestées et part des recours "
        "préalables (RAPO) acceptés.",
        departements=(D5, D6, D7),
        repartitions=(
            Repartition("Sanctions par type", "sanction", (D5,)),
            Repartition("Sanctions par durée", "duree", (D5,)),
        ),
        graphiques=(
            Graphique("tendance", "Sanctions prononcées, par mois", (D5,), demi=True),
            Graphique("tendance", "Part des sanctions avec recours, par mois", (D6,), demi=True),
        ),
        notes=(
            "Recours et RAPO sont comptés au mois de la décision de sanction : la part d'un mois passé "
            "monte encore quand des recours sont formés ou tranchés.",
        ),
    ),
    Section(
        "rpe", "Réseau pour l'emploi et échéances de la loi",
        "Les indicateurs de la liste du Comité national pour l'emploi (arrêté du 14 mars 2025) que les "
        "exports permettent de calculer, et la progression vers l'échéance du contrat d'engagement pour "
        "tous les inscrits au 1er janvier 2027.",
        departements=(F1, F2, F3, F4, F5, F6, F8, G1),
        repartitions=(
            Repartition("Freins identifiés au dernier diagnostic", "frein", (F7,)),
            Repartition("Ruptures d'accompagnement par organisme", "operateur", (F8,)),
            Repartition("Contrat d'engagement signé, par allocation", "allocation", (G1,)),
        ),
        graphiques=(
            Graphique("tendance", "Accès et présence en emploi à 6 mois, par mois de cohorte", (F1, F2, F3), demi=True),
            Graphique("tendance", "Contrat d'engagement signé dans le stock, par mois", (G1,), demi=True),
        ),
        notes=(
            "Les taux à 6 mois (F1 à F3) portent sur la cohorte des inscrits d'un mois et ne sont définitifs "
            "que 6 mois plus tard : les derniers mois sont provisoires et sous-estimés.",
            "Une personne compte dans chaque frein de son dernier diagnostic : les freins ne s'additionnent "
            "pas.",
            "Les indicateurs de la liste qui demandent d'autres sources (satisfaction, offres d'emploi, "
            "formation, services aux entreprises, fiches actions) ne sont pas calculés.",
        ),
    ),
    Section(
        "charge", "Charge des conseillers",
        "Taille des portefeuilles des conseillers référents et part de ceux qui dépassent 70 "
        "accompagnements, entretiens réalisés, absences aux rendez-vous et durée des entretiens : la "
        "question de la charge de travail, la plus posée en CSE.",
        departements=(H1, H2, H3, H4, H5),
        repartitions=(
            Repartition("Portefeuilles par modalité d'accompagnement", "modalite", (H1,)),
            Repartition("Entretiens par type", "type_entretien", (H3, H4, H5)),
            Repartition("Entretiens par modalité de contact", "modalite_contact", (H3,)),
        ),
        graphiques=(
            Graphique("tendance", "Portefeuille moyen, par mois", (H1,), demi=True),
            Graphique("tendance", "Taux d'absence aux entretiens, par mois", (H4,), demi=True),
        ),
        notes=(
            "Un portefeuille est lu le dernier jour du mois, à l'agence de l'accompagnement ; un "
            "conseiller qui suit des personnes dans deux agences compte dans chacune, une seule fois "
            "au-dessus : la moyenne de la région n'est pas la moyenne de ses départements. Aucun "
            "chiffre ne nomme un conseiller.",
            "Les contrôles par plateforme de contrôle de la recherche d'emploi (H6) sont suivis au "
            "niveau national (tableau de bord, page « Charge des conseillers ») : une plateforme sert "
            "plusieurs régions, son chiffre ne peut pas être publié dans un rapport régional.",
        ),
    ),
    Section(
        "alertes", "Alertes de détournement de finalité",
        "Alertes sur des consultations de dossiers (agents, anciens agents, élus ou candidats, hors "
        "horaires), part examinée, part de faux positifs et délai de conclusion.",
        departements=(E1, E3, E2, E4),
        repartitions=(
            Repartition("Par situation", "situation", (E1, E2)),
            Repartition("Par type d'examen", "examen", (E1, E3, E2)),
        ),
        graphiques=(
            Graphique("tendance", "Alertes par mois", (E1,), demi=True),
            Graphique("barres", "Part de faux positifs par situation", (E2,), "situation", demi=True),
        ),
        notes=(
            "Une alerte d'une entité nationale (DG, DSI, PES) ne compte qu'au niveau national ; une alerte "
            "rattachée à la direction régionale sans agence compte pour la région mais pour aucun département.",
        ),
    ),
    Section(
        "msa", "Expérimentation MSA",
        "Les agences de l'expérimentation des modalités de suivi et d'accompagnement : modèle 1 "
        "(segmentation par besoins), modèle 2 (alliance de travail), comparées aux autres agences.",
        departements=(),
        departements_modalites=((A1, "groupe_experimentation"),),
        repartitions=(
            Repartition("Indicateurs par groupe d'agences", "groupe_experimentation",
                        (A1, B1, B2, B8, C1, C2, D2), transposee=True),
        ),
        graphiques=(
            Graphique("groupes", "Taux par groupe d'agences", (B2, B8, C1, C2, D2), "groupe_experimentation"),
        ),
    ),
)

#: The headline indicators of the one-page summary, in order.
SYNTHESE: tuple[str, ...] = (B1, B5, C2, D2, E2)


def ventilations_utilisees() -> set[tuple[str, str]]:
    """(indicator, breakdown) pairs the report shows besides the ``ensemble`` cells: the only
    breakdowns read from the warehouse."""
    paires = {(i, dim) for sec in SECTIONS for i, dim in sec.departements_modalites}
    paires |= {(i, r.dimension) for sec in SECTIONS for r in sec.repartitions for i in r.indicateurs}
    paires |= {(i, g.dimension) for sec in SECTIONS for g in sec.graphiques if g.dimension for i in g.indicateurs}
    paires.add((B5, "operateur_retenu"))  # the summary's orientation split
    return {(D4 if i == SANS_SANCTION else i, dim) for i, dim in paires}
