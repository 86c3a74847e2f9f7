"""How a figure of a report reads: French formats (``pipelines.core.formats``), « s » for a secret cell,
« – » for no figure, a « p » mark for a provisional one; labels of modalities and of territories."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipelines.core.formats import LIBELLES_MODALITES_CALCULEES, SECRET, VIDE, format_evolution, format_valeur
from pipelines.core.formats import libelle_modalite as format_modalite
from pipelines.rapports.agregation import Valeur

#: Mark of a provisional figure (its observation window is not over at the date d'arrêté).
PROVISOIRE = "p"


@dataclass(frozen=True)
class Affiche:
    """A figure as shown in a table cell: its text, and whether it is provisional or secret."""

    texte: str
    provisoire: bool = False
    secret: bool = False

    def __str__(self) -> str:
        return f"{self.texte} ({PROVISOIRE})" if self.provisoire else self.texte


def afficher(v: Valeur) -> Affiche:
    if v.secret:
        return Affiche(SECRET, secret=True)
    if not v.present or v.valeur is None:
        # A provisional median not reached yet keeps its mark: it may still come.
        return Affiche(VIDE, provisoire=v.present and v.provisoire)
    return Affiche(format_valeur(v.valeur, v.unite), provisoire=v.provisoire)


def afficher_evolution(actuelle: Valeur, ancienne: Valeur) -> Affiche:
    """The change between two figures, on unrounded values; « s » when either is secret (the
    change would give the secret one away)."""
    if actuelle.secret or ancienne.secret:
        return Affiche(SECRET, secret=True)
    if actuelle.chiffre is None or ancienne.chiffre is None:
        return Affiche(VIDE)
    return Affiche(format_evolution(actuelle.chiffre - ancienne.chiffre, actuelle.unite),
                   provisoire=actuelle.provisoire or ancienne.provisoire)


_CAMPAGNE = re.compile(r"^(\d{4})-V(\d+)$")


def libelle_modalite(dimension: str, code: str, libelles_codes: dict[tuple[str, str], str]) -> str:
    """French label of a modality (``pipelines.core.formats.libelle_modalite``: the models' own
    modalities, then the export code lists); a campaign code ``2024-V1`` reads as words."""
    libelle = format_modalite(dimension, code, libelles_codes)
    if libelle == code and dimension == "campagne" and (m := _CAMPAGNE.match(code)):
        return f"Campagne {m.group(1)}, vague {m.group(2)}"
    return libelle


def ordonner_modalites(dimension: str, codes: list[str], libelles_codes: dict[tuple[str, str], str]) -> list[str]:
    """Modalities in the order of their code list (France Travail, Mission Locale, Cap emploi,
    conseil départemental…; model 1, model 2, témoin), unknown codes last, by code."""
    rangs = {cle: i for i, cle in enumerate(LIBELLES_MODALITES_CALCULEES)}
    rangs.update({cle: len(rangs) + i for i, cle in enumerate(libelles_codes)})
    return sorted(codes, key=lambda c: (rangs.get((dimension, c), len(rangs)), c))
