"""Shared pieces of the pages: the sidebar selection (territory, month), the page context,
downloads and the notes under tables. Thin Streamlit code over ``dashboards.data`` and its
``data_*`` siblings (queries) and ``dashboards.vues`` (shapes); everything a page shows about a
territory goes through here.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl
import streamlit as st

from dashboards import acces, data, data_connexion, data_metadonnees, data_territoires, journal, vues
from pipelines.core import formats as fmt
from pipelines.core.indicateurs import A1

#: Indicator whose months define the month choice (every territory with data has it).
INDICATEUR_MOIS = A1


@dataclass(frozen=True)
class Territoire:
    niveau: str
    code: str
    libelle: str

    @property
    def nom(self) -> str:
        return fmt.libelle_territoire(self.niveau, self.code, self.libelle)

    @property
    def cle(self) -> str:
        return f"{self.niveau}:{self.code}"


@dataclass(frozen=True)
class Selection:
    territoire: Territoire
    mois: date
    mois_provisoire: bool
    mois_disponibles: tuple[date, ...]


@dataclass
class Contexte:
    """What a page needs: who reads, what file, which territory and month, the dictionary."""

    chemin: Path
    utilisateur: acces.Utilisateur
    selection: Selection
    territoires: pl.DataFrame
    dico: dict[str, dict] = field(default_factory=dict)
    listes: dict[tuple[str, str], str] = field(default_factory=dict)
    etat: dict = field(default_factory=dict)

    @property
    def perimetre(self) -> acces.Perimetre:
        return self.utilisateur.perimetre

    @property
    def territoire(self) -> Territoire:
        return self.selection.territoire

    @property
    def mois(self) -> date:
        return self.selection.mois

    def libelle(self, indicateur: str, avec_numero: bool = False) -> str:
        return fmt.libelle_indicateur(indicateur, self.dico, avec_numero)

    def definition(self, indicateur: str) -> str:
        return fmt.definition_indicateur(indicateur, self.dico)

    def modalite(self, dimension: str, code: str) -> str:
        return fmt.libelle_modalite(dimension, code, self.listes)

    def extraire(self, indicateurs, niveau=None, codes=None, **kw) -> pl.DataFrame:
        """Cells of the selected territory (default) or of ``niveau``/``codes``, via the perimeter."""
        if niveau is None:
            niveau, codes = self.territoire.niveau, [self.territoire.code]
        return data.extraire(self.chemin, self.perimetre, list(indicateurs), niveau, codes, **kw)

    def extraire_parent(self, indicateurs, **kw) -> pl.DataFrame:
        return data.extraire_parent(
            self.chemin, self.perimetre, list(indicateurs), self.territoire.niveau, self.territoire.code, **kw
        )

    def extraire_comparables(self, indicateurs, codes=None, **kw) -> pl.DataFrame:
        """Cells of territories of the selected territory's level, to compare it with them: those
        outside the perimeter from the published cells only (``data.extraire_comparables``)."""
        return data.extraire_comparables(self.chemin, self.perimetre, list(indicateurs), self.territoire.niveau,
                                         codes, **kw)

    def niveau_inferieur(self) -> str | None:
        return data_territoires.NIVEAU_INFERIEUR.get(self.territoire.niveau)

    def extraire_inferieurs(self, indicateurs, niveau_inferieur: str | None = None, **kw) -> pl.DataFrame:
        """Cells of the territories of the level below (or of ``niveau_inferieur``) inside the
        selected territory; only those of the perimeter come back."""
        cible = niveau_inferieur or self.niveau_inferieur()
        if cible is None:
            return data.extraire(self.chemin, self.perimetre, list(indicateurs), self.territoire.niveau, [], **kw)
        codes = data_territoires.codes_inferieurs(self.chemin, self.territoire.niveau, self.territoire.code, cible)
        return data.extraire(self.chemin, self.perimetre, list(indicateurs), cible, codes, **kw)


# ---------------------------------------------------------------------------------------------
# Sidebar selection (drawn by every page; remembered in the session, so it follows the user)


def _depuis_url(nom: str) -> str | None:
    valeur = st.query_params.get(nom)
    return str(valeur) if valeur else None


def _choisir(libelle: str, options: list, cle: str, voulu, defaut, **kw):
    """A sidebar selectbox showing, in this order, the widget's current value, the user's last
    choice (kept outside the widget: Streamlit drops a widget's state when the page changes),
    the address's value (``voulu``), else ``defaut``. A value outside ``options`` (a forged
    address or session, a territory gone from the data) is never shown."""
    memoire = f"_choix_{cle}"
    if cle in st.session_state and st.session_state[cle] not in options:
        del st.session_state[cle]
    candidats = (st.session_state.get(cle), st.session_state.get(memoire), voulu, defaut)
    valeur = next(c for c in candidats if c in options)
    valeur = st.sidebar.selectbox(libelle, options, index=options.index(valeur), key=cle, **kw)
    st.session_state[memoire] = valeur
    return valeur


def barre_laterale(chemin: Path, utilisateur: acces.Utilisateur) -> Selection | None:
    """Territory and month widgets in the sidebar; the choice is kept in the session and the
    address (``?niveau=DEPARTEMENT&territoire=31&mois=2025-06``, for links sent before a
    committee). Only territories of the perimeter are offered: an address naming another one
    falls back to the first of the perimeter."""
    perimetre = utilisateur.perimetre
    df = data.territoires(chemin, perimetre)
    if df.height == 0:
        return None
    niveaux = list(dict.fromkeys(df["niveau"].to_list()))
    st.sidebar.markdown("**Territoire et mois**")
    niveau = _choisir("Niveau", niveaux, "sel_niveau", _depuis_url("niveau"), niveaux[0],
                      format_func=fmt.libelle_niveau)
    du_niveau = df.filter(pl.col("niveau") == niveau)
    codes = du_niveau["code"].to_list()
    libelles = dict(zip(codes, du_niveau["libelle"].to_list()))
    code = _choisir(
        "Territoire", codes, f"sel_territoire_{niveau}", _depuis_url("territoire"), codes[0],
        format_func=lambda c: fmt.libelle_territoire(niveau, c, libelles.get(c)),
    )
    territoire = Territoire(niveau, code, libelles.get(code) or code)

    serie = data.extraire(chemin, perimetre, [INDICATEUR_MOIS], niveau, [code]).sort("periode", descending=True)
    if serie.height == 0:
        return None
    provisoire = dict(zip(serie["periode"].to_list(), serie["provisoire"].to_list()))
    mois_options = list(provisoire)
    definitifs = [m for m in mois_options if not provisoire[m]]
    defaut = definitifs[0] if definitifs else mois_options[0]
    par_texte = {m.strftime("%Y-%m"): m for m in mois_options}
    mois = _choisir(
        "Mois", mois_options, f"sel_mois_{niveau}_{code}", par_texte.get(_depuis_url("mois") or ""), defaut,
        format_func=lambda m: fmt.format_mois(m) + (fmt.MENTION_PROVISOIRE if provisoire[m] else ""),
        help="Par défaut, le dernier mois définitif. Les indicateurs dont la fenêtre d'observation "
        "n'est pas close à la date d'arrêté sont marqués « provisoire ».",
    )
    st.query_params.update({"niveau": niveau, "territoire": code, "mois": mois.strftime("%Y-%m")})
    return Selection(territoire, mois, bool(provisoire[mois]), tuple(sorted(mois_options)))


def contexte(page: str, titre: str) -> Contexte | None:
    """For a page: title, header (date d'arrêté, view), the context, and the logged view.

    Returns None (after a French message) when there is nothing to show; the page then stops.
    """
    utilisateur = acces.exiger_utilisateur()
    st.title(titre)
    try:
        chemin = data_connexion.chemin_entrepot()
        etat = data_metadonnees.etat_publication(chemin)
        selection = barre_laterale(chemin, utilisateur)
        if selection is None:
            journal.journaliser_vue_une_fois(utilisateur, page)
            st.info("Aucune donnée pour votre périmètre dans l'entrepôt publié.", icon=":material/info:")
            return None
        dico = {r["indicateur"]: r for r in data_metadonnees.dictionnaire(chemin).to_dicts()}
        ctx = Contexte(
            chemin=chemin, utilisateur=utilisateur, selection=selection,
            territoires=data.territoires(chemin, utilisateur.perimetre), dico=dico,
            listes=data_metadonnees.libelles_modalites(chemin), etat=etat,
        )
    except data_connexion.EntrepotIndisponible as exc:
        st.error(str(exc), icon=":material/database_off:")
        return None
    vue = (
        "vue publiée, après secret statistique"
        if utilisateur.perimetre.publie
        else "vue interne avant secret statistique, réservée à la direction"
    )
    st.caption(
        f"**{ctx.territoire.nom}** · {fmt.format_mois_long(ctx.mois)}"
        + (" (provisoire)" if selection.mois_provisoire else "")
        + f" · données arrêtées au {fmt.format_date(etat.get('date_arrete'))} · {vue}"
    )
    journal.journaliser_vue_une_fois(utilisateur, page, territoire=ctx.territoire.cle)
    return ctx


def executer(page: str, titre: str, corps: Callable[[Contexte], None]) -> None:
    """Run a page: context, then its body; a warehouse that cannot be read (being replaced,
    incomplete) is a French message, never a traceback."""
    ctx = contexte(page, titre)
    if ctx is None:
        return
    try:
        corps(ctx)
    except data_connexion.EntrepotIndisponible as exc:
        st.error(str(exc), icon=":material/database_off:")


# ---------------------------------------------------------------------------------------------
# Downloads and notes


def en_csv(df: pl.DataFrame) -> bytes:
    """CSV for a French spreadsheet: « ; » separator, UTF-8 with BOM (accents open right)."""
    tampon = io.BytesIO()
    df.write_csv(tampon, separator=";")
    return "\ufeff".encode() + tampon.getvalue()


def en_excel(df: pl.DataFrame, feuille: str = "Données") -> bytes:
    """An .xlsx workbook of the table as displayed (one sheet, header frozen)."""
    from openpyxl import Workbook

    classeur = Workbook()
    ws = classeur.active
    ws.title = feuille[:31]
    ws.append(df.columns)
    for ligne in df.iter_rows():
        ws.append(list(ligne))
    ws.freeze_panes = "A2"
    for i, colonne in enumerate(df.columns, start=1):
        largeur = max([len(str(colonne))] + [len(str(v)) for v in df.get_column(colonne).head(200).to_list()])
        ws.column_dimensions[ws.cell(1, i).column_letter].width = min(60, largeur + 2)
    tampon = io.BytesIO()
    classeur.save(tampon)
    return tampon.getvalue()


def telechargements(ctx: Contexte, df: pl.DataFrame, nom: str, cle: str, page: str,
                    indicateur: str | None = None) -> None:
    """CSV and Excel buttons for a table as displayed; each download is logged."""
    if df.height == 0:
        return
    fichier = f"socle_{nom}_{ctx.territoire.niveau.lower()}_{ctx.territoire.code}_{ctx.mois:%Y-%m}"
    args = (ctx.utilisateur, page, ctx.territoire.cle, indicateur, "telechargement")
    # A horizontal row of content-wide buttons: columns would squeeze their labels in a half-page.
    ligne = st.container(horizontal=True, gap="small")
    ligne.download_button(
        "CSV", data=lambda: en_csv(df), file_name=f"{fichier}.csv", mime="text/csv",
        key=f"csv_{cle}", icon=":material/download:", on_click=journal.journaliser, args=args,
    )
    ligne.download_button(
        "Excel", data=lambda: en_excel(df), file_name=f"{fichier}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"xlsx_{cle}", icon=":material/download:", on_click=journal.journaliser, args=args,
    )


def notes(ctx: Contexte) -> None:
    """The notes under a table or chart: provisional marks, and the secret note when the view
    is the published one."""
    morceaux = ["« (provisoire) » : fenêtre d'observation non close à la date d'arrêté."]
    if ctx.perimetre.publie:
        morceaux.append(fmt.NOTE_SECRET)
    st.caption(" ".join(morceaux))


def note_rupture(periodes, fenetre: int = 1, annee_precedente: bool = False) -> None:
    """The series-break note under a chart or table whose months cross January 2025 (nothing
    otherwise); see ``vues.note_rupture``."""
    note = vues.note_rupture(periodes, fenetre, annee_precedente)
    if note:
        st.caption(note)


def vide(message: str = "Aucune donnée pour ce territoire et ce mois.") -> None:
    st.info(message, icon=":material/info:")
