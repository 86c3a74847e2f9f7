"""When the monthly report of a month can go out: once the published warehouse covers the whole
month, i.e. its date d'arrêté (the latest extraction loaded) is after the month's last day.

The Dagster schedule asks every morning; the first publication that covers last month triggers the
reports (one run per region, deduplicated by Dagster on its run key), later mornings ask again for
the same month and Dagster does not run it twice.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from pipelines.core import lecture
from pipelines.core.formats import format_date, format_mois_long
from pipelines.rapports.periodes import MENSUELLE, Periode, ajouter_mois


def mois_echu(instant: datetime | date) -> date:
    """First day of the month before ``instant``: the month whose report is due."""
    return ajouter_mois(date(instant.year, instant.month, 1), -1)


def date_arrete_publiee(warehouse: Path) -> date | None:
    if not Path(warehouse).exists():
        return None
    with lecture.ouvrir(warehouse) as con:
        return lecture.date_arrete(con)


def publication_couvre(warehouse: Path, mois: date) -> tuple[bool, str]:
    """Whether the published warehouse covers the whole ``mois``, and why not (French)."""
    arrete = date_arrete_publiee(warehouse)
    fin = Periode(MENSUELLE, mois).fin
    if arrete is None:
        return False, f"Aucun entrepôt publié lisible en {warehouse} : pas de rapport."
    if arrete <= fin:
        return False, (f"La publication (arrêté au {format_date(arrete)}) ne couvre pas encore tout "
                       f"{format_mois_long(mois)} : rapports reportés à la prochaine publication.")
    return True, f"Publication arrêtée au {format_date(arrete)} : rapports de {format_mois_long(mois)}."
