"""HTML (Jinja2 template and CSS of ``modeles/``) to PDF (WeasyPrint).

The PDF's creation date is the date d'arrêté, not the time of rendering: the same publication
gives the same file, byte for byte, so its SHA-256 identifies what was sent.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from pipelines.core.formats import format_mois
from pipelines.core.indicateurs import NOTE_RUPTURE, traverse_rupture
from pipelines.rapports.contenu import Rapport, mois_tendance
from pipelines.rapports.donnees import Donnees
from pipelines.rapports.erreurs import RapportError

MODELES = Path(__file__).with_name("modeles")

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(MODELES),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def rendre(modele: str, **contexte) -> str:
    """A template of ``modeles/`` rendered, with the reports' style sheet as ``css``."""
    return _ENV.get_template(modele).render(css=(MODELES / "rapport.css").read_text(encoding="utf-8"), **contexte)


def html(rapport: Rapport, donnees: Donnees) -> str:
    mois = mois_tendance(donnees)
    return rendre(
        "rapport.html.j2",
        r=rapport,
        cree_le=(donnees.date_arrete or rapport.periode.fin).isoformat(),
        tendance_debut=format_mois(mois[0]) if mois else "–",
        tendance_fin=format_mois(mois[-1]) if mois else "–",
        # the trend charts cross the series break: said once, under the summary (and marked on them)
        rupture=NOTE_RUPTURE if mois and traverse_rupture(mois[0], mois[-1]) else None,
    )


def pdf(document_html: str) -> bytes:
    try:
        import weasyprint
    except OSError as exc:  # Pango missing: WeasyPrint cannot load its libraries
        raise RapportError(
            "WeasyPrint ne trouve pas ses bibliothèques système (Pango) : installez-les, par exemple "
            f"« apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 » ({exc})."
        ) from None
    return weasyprint.HTML(string=document_html, base_url=str(MODELES)).write_pdf()
