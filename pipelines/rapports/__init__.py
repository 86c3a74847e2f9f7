"""Periodic KPI reports for the CSE: a French PDF per region and period, from the published view.

- :func:`produire_rapport` — the PDF of one region and period (``socle rapport``);
- :func:`pipelines.rapports.diffusion.diffuser` — quality gate, archive under
  ``<data dir>/rapports/<region>/<période>.pdf``, e-mail to the region's CSE list, sending record
  (the Dagster schedule, ``socle rapport --envoyer``).

The same delivery machinery (archive, sending record, lock, SMTP) sends each establishment its
misuse alerts, read from the internal warehouse, never from the published view nor to the CSE:
``alertes_etablissement`` (selection, file) and ``diffusion_alertes`` (dispatch; ``socle alertes``,
Dagster job ``alertes_etablissements``).

Documentation: ``docs/rapports.md``; the alerts: ``docs/exploitation.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pipelines.rapports.erreurs import AlertesError, EnvoiError, QualiteBloquante, RapportError, ReglagesError
from pipelines.rapports.periodes import ANNUELLE, EDITIONS, MENSUELLE, TRIMESTRIELLE, Periode, periode


@dataclass(frozen=True)
class RapportProduit:
    pdf: bytes
    region: str
    libelle_region: str
    periode: Periode
    date_arrete: date | None
    qualite: str  # the quality status in words
    version: str | None  # id of the published version (publication.journal)

    @property
    def nom_fichier(self) -> str:
        return f"socle-cse-{self.region}-{self.periode.cle}.pdf"


def produire_rapport(warehouse: Path, region: str, periode_: Periode) -> RapportProduit:
    """The report of ``region`` for ``periode_``, read from the published warehouse (read-only).

    Raises :class:`QualiteBloquante` when the publication's blocking checks failed, and
    :class:`RapportError` (French message) for an unknown region or a period without data."""
    from pipelines.rapports import contenu, rendu
    from pipelines.rapports.donnees import lire_donnees

    donnees = lire_donnees(Path(warehouse), region, periode_)
    rapport = contenu.construire(donnees)
    document = rendu.pdf(rendu.html(rapport, donnees))
    return RapportProduit(document, donnees.region, donnees.libelle_region, periode_, donnees.date_arrete,
                          donnees.qualite.libelle, (donnees.publication or {}).get("id"))


__all__ = [
    "ANNUELLE", "AlertesError", "EDITIONS", "MENSUELLE", "TRIMESTRIELLE", "EnvoiError", "Periode", "QualiteBloquante",
    "RapportError", "RapportProduit", "ReglagesError", "periode", "produire_rapport",
]
