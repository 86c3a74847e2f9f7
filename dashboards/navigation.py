"""The pages of the dashboards, listed once: the app's navigation, the tests (AppTest and the
browser) and the rendering benchmark read this list."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dashboards import acces

#: Not ``pages/``: Streamlit would find a folder of that name by itself and serve its files by
#: address before any session has run the app (and its sign-in).
DOSSIER_PAGES = Path(__file__).resolve().parent / "ecrans"

TOUS_LES_ROLES = acces.ROLES


@dataclass(frozen=True)
class PageDef:
    fichier: str  # file name in dashboards/ecrans/
    titre: str
    icone: str
    url: str  # url path of the page (``/<url>``)
    roles: tuple[str, ...] = TOUS_LES_ROLES
    #: Whether the page draws at least one chart on the demo data (the browser test waits for it).
    graphique: bool = True

    @property
    def chemin(self) -> Path:
        return DOSSIER_PAGES / self.fichier

    @property
    def relatif(self) -> str:
        """Path from the app's folder (AppTest's ``switch_page``)."""
        return f"{DOSSIER_PAGES.name}/{self.fichier}"


PAGES: tuple[PageDef, ...] = (
    PageDef("synthese.py", "Synthèse", ":material/dashboard:", "synthese"),
    PageDef("parcours.py", "Parcours", ":material/route:", "parcours"),
    PageDef("retour_emploi.py", "Retour à l'emploi", ":material/work:", "retour_emploi"),
    PageDef("controle.py", "Contrôle", ":material/gavel:", "controle"),
    PageDef("charge.py", "Charge des conseillers", ":material/groups:", "charge"),
    PageDef("detournement.py", "Détournement de finalité", ":material/policy:", "detournement"),
    PageDef(
        "regles_alertes.py", "Règles d'alerte", ":material/rule:", "regles_alertes",
        roles=acces.ROLES_REGLES_ALERTES,
    ),
    PageDef("experimentations.py", "Expérimentations", ":material/science:", "experimentations"),
    PageDef("territoires.py", "Territoires", ":material/map:", "territoires"),
    PageDef("methodologie.py", "Méthodologie", ":material/menu_book:", "methodologie", graphique=False),
    PageDef(
        "journal_acces.py", "Journal des accès", ":material/history:", "journal_acces",
        roles=(acces.NATIONAL,), graphique=False,
    ),
)


def page(url: str) -> PageDef:
    """The page of an url path."""
    return next(p for p in PAGES if p.url == url)


def pages_pour(role: str) -> list[PageDef]:
    """The pages a role sees, in menu order (the first is the default page)."""
    return [p for p in PAGES if role in p.roles]
