"""The quality gate of a report: nothing goes out of a publication whose blocking checks failed.

The published file carries its own quality status: the last quality run (``qualite.executions``,
read by :func:`pipelines.core.lecture.statut_qualite`) and the record of its publication
(``publication.journal``, whose ``qualite`` column is the status at publication). Either one saying
``BLOQUE`` stops the report, with the failed checks named (``qualite.resultats``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import polars as pl

from pipelines.core import lecture
from pipelines.rapports.erreurs import QualiteBloquante

BLOQUE = lecture.BLOQUE


@dataclass
class EtatQualite:
    statut: str | None  # OK, AVERTISSEMENTS, BLOQUE; None: the gates never ran on this file
    horodatage: datetime | None = None
    controles: int | None = None
    bloquants: int = 0
    avertissements: int = 0
    echecs_bloquants: list[str] = field(default_factory=list)
    avertissements_detail: list[str] = field(default_factory=list)

    @property
    def bloque(self) -> bool:
        return self.statut == BLOQUE or self.bloquants > 0

    @property
    def libelle(self) -> str:
        """The status in words, for the cover and the e-mail."""
        if self.statut is None:
            return "non évaluée (entrepôt construit avant les contrôles qualité)"
        if self.bloque:
            return f"bloquée : {self.bloquants} contrôle(s) bloquant(s) en échec"
        if self.statut == "AVERTISSEMENTS" or self.avertissements:
            return (f"conforme, avec {self.avertissements} avertissement(s) : aucun contrôle bloquant "
                    f"en échec sur {self.controles or 0} contrôles")
        return f"conforme : les {self.controles or 0} contrôles qualité sont passés"


def _echecs(resultats: pl.DataFrame, severite: str) -> list[str]:
    return [f"{controle} sur {cible}" + (f" ({details})" if details else "")
            for controle, cible, details in resultats.filter(~pl.col("succes") & (pl.col("severite") == severite))
            .select("controle", "cible", "details").iter_rows()]


def lire_etat_qualite(con: duckdb.DuckDBPyConnection) -> EtatQualite:
    statut = lecture.statut_qualite(con)
    etat = EtatQualite(statut=None) if statut is None else EtatQualite(
        statut=statut.statut,
        horodatage=statut.horodatage,
        controles=statut.controles,
        bloquants=int(statut.bloquants or 0),
        avertissements=int(statut.avertissements or 0),
    )
    publiee = (lecture.derniere_publication(con) or {}).get("qualite")
    if isinstance(publiee, dict) and publiee.get("statut") == BLOQUE:
        etat.statut = BLOQUE
        etat.bloquants = max(etat.bloquants, int(publiee.get("bloquants") or 1))
    resultats = lecture.resultats_qualite(con, etat.horodatage)
    if resultats.height:
        etat.echecs_bloquants = _echecs(resultats, lecture.SEVERITE_BLOQUANT)
        etat.avertissements_detail = _echecs(resultats, lecture.SEVERITE_AVERTISSEMENT)
    return etat


def verifier_qualite(etat: EtatQualite, quoi: str) -> None:
    """Raise :class:`QualiteBloquante` naming the failed checks when the publication is blocked."""
    if not etat.bloque:
        return
    quand = f" du {etat.horodatage:%d/%m/%Y à %H:%M}" if etat.horodatage else ""
    detail = "".join(f"\n  - {e}" for e in etat.echecs_bloquants) or "\n  - (détail absent de qualite.resultats)"
    raise QualiteBloquante(
        f"{quoi} : rien n'est produit ni envoyé, les contrôles qualité bloquants de la publication"
        f"{quand} sont en échec ({etat.bloquants}) :{detail}\n"
        "Corrigez la livraison et relancez « socle construire », ou revenez à une version saine (« socle restaurer »)."
    )


def controler_publication(warehouse, quoi: str) -> EtatQualite:
    """Open the published file read-only and apply the gate (before anything is produced)."""
    with lecture.ouvrir(warehouse) as con:
        etat = lire_etat_qualite(con)
    verifier_qualite(etat, quoi)
    return etat
