"""Real-browser test of the dashboards: headless Chromium (Debian's, driven by Playwright) signs
in as ``national``, ``dr76`` and ``comite09``, opens every page of ``navigation.pages_pour(role)``
from the sidebar, waits until Streamlit has finished and the charts are drawn, and saves a
screenshot of each page to ``<artefacts>/captures/<identifiant>/<NN>_<url>.png``.

Why a browser: AppTest runs the scripts but draws nothing; a plain ``chromium --screenshot``
captures the page before Streamlit's scripts have run (blank). Here the test waits for the
chart elements themselves (Plotly's ``.main-svg``, Vega's ``canvas``/``svg``).

Pages are reached by clicking the sidebar links: a full page load of ``/<url>`` opens a new
Streamlit session, which is signed out (the sign-in lives in the server-side session state).
See docs/tests-navigateur.md.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from dashboards import acces
from dashboards.navigation import PageDef, pages_pour

pytestmark = pytest.mark.slow

#: The demo users the issue asks screenshots for (their password is their identifier).
IDENTIFIANTS = ("national", "dr76", "comite09")
ROLES = {u.identifiant: u for u in acces.UTILISATEURS_DEMO}

#: Pages drawn by a given account rather than by the rotation of :func:`_cas`: the alert rules'
#: page shows all its sections (precision, what-if) to national users only.
COMPTES_IMPOSES = {"regles_alertes": "national"}

#: Seconds for a page's script to finish, and for its charts to be drawn.
DELAI_RENDU = 60
DELAI_GRAPHIQUES = 30

#: Chart containers of Streamlit (Plotly, Vega-Lite/Altair, pydeck).
SELECTEUR_GRAPHIQUES = (
    '[data-testid="stPlotlyChart"], [data-testid="stVegaLiteChart"], '
    '[data-testid="stArrowVegaLiteChart"], [data-testid="stDeckGlJsonChart"]'
)

#: True when Streamlit has finished: connected, script not running, no stale element (kept from
#: the previous run), no skeleton (a lazily loaded element not drawn yet), no running icon.
JS_PRET = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const connexion = app.getAttribute('data-test-connection-state');
  if (connexion && connexion !== 'CONNECTED') return false;
  return !document.querySelector(
    '[data-stale="true"], [data-testid="stSkeleton"], [data-testid="stStatusWidgetRunningIcon"]'
  );
}"""

#: The charts of the page: how many, how many visible, drawn (a non-empty svg/canvas), and drawn
#: with data (Plotly: at least one trace group; Vega: a canvas or marks).
JS_GRAPHIQUES = """(selecteur) => {
  const taille = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const tous = [...document.querySelectorAll(selecteur)];
  const visibles = tous.filter((e) => e.getClientRects().length > 0);
  let dessines = 0, avecDonnees = 0;
  const types = [];
  for (const e of visibles) {
    const plotly = e.getAttribute('data-testid') === 'stPlotlyChart';
    const fond = plotly ? e.querySelector('.main-svg') : e.querySelector('canvas, svg');
    if (!fond || !taille(fond)) continue;
    dessines += 1;
    const donnees = plotly
      ? e.querySelector('.main-svg .trace, .main-svg .hm, .main-svg .contour, .main-svg .choroplethlocation')
      : (e.querySelector('canvas') || e.querySelector('svg .mark-group, svg [class^="mark-"]'));
    if (donnees) avecDonnees += 1;
    types.push(e.getAttribute('data-testid'));
  }
  return {total: tous.length, visibles: visibles.length, dessines, avecDonnees, types};
}"""

#: Height (px) of the content, scroll containers included: Streamlit scrolls inside its main
#: section, so ``full_page`` alone would capture one viewport.
JS_HAUTEUR = """() => {
  const zones = ['[data-testid="stMain"]', '[data-testid="stAppViewContainer"]',
                 '[data-testid="stSidebarContent"]', 'section.main'];
  let h = Math.max(document.documentElement.scrollHeight, document.body.scrollHeight);
  for (const z of zones) { const e = document.querySelector(z); if (e) h = Math.max(h, e.scrollHeight); }
  return h;
}"""

LARGEUR, HAUTEUR = 1440, 900
HAUTEUR_MAX_CAPTURE = 12_000


def _attendre_pret(page, delai: float = DELAI_RENDU, stable: int = 3) -> None:
    """Wait until :data:`JS_PRET` holds ``stable`` times in a row (250 ms apart): a rerun can
    start just after a check, e.g. a widget's default written to the query parameters."""
    fin = time.monotonic() + delai
    suite = 0
    while time.monotonic() < fin:
        suite = suite + 1 if page.evaluate(JS_PRET) else 0
        if suite >= stable:
            return
        page.wait_for_timeout(250)
    etat = page.locator('[data-testid="stApp"]').get_attribute("data-test-script-state")
    raise AssertionError(f"La page {page.url} n'a pas fini de s'afficher en {delai:.0f} s (état : {etat}).")


def _texte(locator, n: int = 1500) -> str:
    try:
        return locator.inner_text(timeout=2000)[:n]
    except Exception:  # noqa: BLE001 - best effort, for a failure message
        return "<illisible>"


#: Labels of the buttons under an exception (not part of the error).
BOUTONS_EXCEPTION = {"Copy", "Ask Google", "Ask ChatGPT"}


def _sans_boutons(texte: str) -> str:
    return "\n".join(ligne for ligne in texte.splitlines() if ligne.strip() not in BOUTONS_EXCEPTION)


def _formulaire(page) -> bool:
    return page.locator('[data-testid="stForm"]').filter(has_text="Se connecter").count() > 0


def _erreurs(page) -> list[str]:
    """Exceptions and sign-in errors shown on the page (texts, for the failure message)."""
    erreurs = [
        "Exception : " + _sans_boutons(_texte(e))
        for e in page.locator('[data-testid="stException"]').all()
    ]
    for alerte in page.locator('[data-testid="stAlert"]').all():
        texte = _texte(alerte, 300)
        if "Connexion requise" in texte or "Accès refusé" in texte:
            erreurs.append("Alerte : " + texte)
    if _formulaire(page):
        erreurs.append("Le formulaire de connexion est revenu (session perdue).")
    return erreurs


def _capturer(page, chemin: Path) -> None:
    """A screenshot of the whole page: the viewport is stretched to the content's height."""
    chemin.parent.mkdir(parents=True, exist_ok=True)
    hauteur = min(int(page.evaluate(JS_HAUTEUR)), HAUTEUR_MAX_CAPTURE)
    if hauteur > HAUTEUR:
        page.set_viewport_size({"width": LARGEUR, "height": hauteur})
        page.wait_for_timeout(300)  # charts follow the new layout
    try:
        page.screenshot(path=str(chemin), full_page=True, animations="disabled")
    finally:
        if hauteur > HAUTEUR:
            page.set_viewport_size({"width": LARGEUR, "height": HAUTEUR})


def _signer(page, identifiant: str) -> None:
    """Sign in through the form (the page shows it: a fresh session)."""
    page.get_by_label("Identifiant").fill(identifiant)
    page.get_by_label("Mot de passe").fill(identifiant)
    page.get_by_role("button", name="Se connecter").click()
    deconnexion = page.get_by_role("button", name="Se déconnecter")
    try:
        deconnexion.wait_for(timeout=DELAI_RENDU * 1000)
    except Exception as exc:  # noqa: BLE001
        raise AssertionError(
            f"Connexion de {identifiant} : pas de bouton « Se déconnecter » après l'envoi du "
            f"formulaire. Page : {_texte(page.locator('body'), 800)!r}"
        ) from exc
    _attendre_pret(page)


def _nouvelle_session(navigateur, base: str):
    """A fresh browser context on the app's home page (the sign-in form)."""
    contexte = navigateur.new_context(
        viewport={"width": LARGEUR, "height": HAUTEUR}, locale="fr-FR", timezone_id="Europe/Paris"
    )
    page = contexte.new_page()
    page.set_default_timeout(DELAI_RENDU * 1000)
    page.goto(base)
    page.get_by_role("button", name="Se connecter").wait_for()
    _attendre_pret(page)
    return contexte, page


def _liens_menu(page) -> dict[str, str]:
    """Sidebar navigation: label -> href."""
    liens = {}
    for lien in page.locator('[data-testid="stSidebarNav"] a').all():
        liens[_libelle(lien.inner_text())] = lien.get_attribute("href") or ""
    return liens


def _lien_menu(page, titre: str):
    """The sidebar link of a page, by its title (None when absent)."""
    liens = page.locator('[data-testid="stSidebarNav"] a')
    for i in range(liens.count()):
        if _libelle(liens.nth(i).inner_text()) == titre:
            return liens.nth(i)
    return None


def _libelle(texte: str) -> str:
    """A link's text is ``<icon name>\\n\\n<title>``: keep the title."""
    return texte.strip().split("\n")[-1].strip()


@pytest.fixture(scope="module")
def sessions(navigateur, serveur, artefacts):
    """``sessions(identifiant)``: a signed-in page for that user (one browser context each,
    signed in once, kept for the module)."""
    ouvertes: dict[str, object] = {}
    contextes = []

    def ouvrir(identifiant: str):
        if identifiant not in ouvertes:
            contexte, page = _nouvelle_session(navigateur, serveur)
            contextes.append(contexte)
            _capturer(page, artefacts / "captures" / identifiant / "00_connexion.png")
            _signer(page, identifiant)
            ouvertes[identifiant] = page
        return ouvertes[identifiant]

    yield ouvrir
    for contexte in contextes:
        contexte.close()


TITRE_JOURNAL = next(p.titre for p in pages_pour(acces.NATIONAL) if p.url == "journal_acces")
#: Texts only the journal page shows (its caption and its table's column).
MARQUES_JOURNAL = ("Chaque consultation de page", "Horodatage (UTC)")


def _journal_visible(page) -> list[str]:
    main = page.locator('[data-testid="stMain"]')
    vus = [m for m in MARQUES_JOURNAL if main.get_by_text(m).count()]
    if main.get_by_role("heading", name=TITRE_JOURNAL).count():
        vus.append(f"titre « {TITRE_JOURNAL} »")
    return vus


def test_avant_connexion_rien_que_le_formulaire(navigateur, serveur, artefacts):
    """Signed out, nothing but the sign-in form: no menu of pages, and ``/journal_acces`` typed
    in the address bar gives the form, not the page. First test of the module on purpose: it
    must see the server before anyone has signed in (Streamlit lists the files of
    ``pages/`` beside the app and runs them by address as long as no session has called
    ``st.navigation``; the app keeps its pages in ``dashboards/ecrans/`` for that reason)."""
    contexte, page = _nouvelle_session(navigateur, serveur)
    dossier = artefacts / "captures" / "anonyme"
    try:
        problemes = []
        for chemin in ("", "/journal_acces"):
            if chemin:
                page.goto(f"{serveur}{chemin}")
                page.wait_for_timeout(500)
                _attendre_pret(page)
            _capturer(page, dossier / ("02_journal_acces.png" if chemin else "01_accueil.png"))
            liens = list(_liens_menu(page))
            if liens:
                problemes.append(f"{chemin or '/'} : menu visible sans connexion : {liens}")
            if not _formulaire(page):
                contenu = _texte(page.locator('[data-testid="stMain"]'), 200)
                problemes.append(f"{chemin or '/'} : pas de formulaire de connexion ; page : {contenu!r}")
            if _journal_visible(page):
                problemes.append(f"{chemin or '/'} : le journal est visible sans connexion")
        assert not problemes, "\n".join(problemes)
    finally:
        contexte.close()


@pytest.mark.parametrize("identifiant", IDENTIFIANTS)
def test_connexion_et_menu(sessions, identifiant):
    """Signed in: name and role in the sidebar, and the menu is exactly the role's pages."""
    page = sessions(identifiant)
    utilisateur = ROLES[identifiant]
    barre = page.locator('[data-testid="stSidebar"]')
    assert barre.get_by_text(utilisateur.nom).count() >= 1, _texte(barre)
    assert barre.get_by_role("button", name="Se déconnecter").count() == 1
    attendues = [p.titre for p in pages_pour(utilisateur.role)]
    assert list(_liens_menu(page)) == attendues


def _cas() -> list:
    """Each page once. What only a browser proves (the charts are drawn) does not depend on who
    looks, and AppTest already runs every page for every role: the roles take turns over the pages,
    so that the internal and the published views are both drawn, without drawing each page three
    times."""
    menus = {i: {p.url: (rang, p) for rang, p in enumerate(pages_pour(ROLES[i].role), start=1)} for i in IDENTIFIANTS}
    urls = list(dict.fromkeys(url for i in IDENTIFIANTS for url in menus[i]))
    cas = []
    for tour, url in enumerate(urls):
        identifiant = COMPTES_IMPOSES.get(url) or next(
            i for k in range(len(IDENTIFIANTS)) if url in menus[i := IDENTIFIANTS[(tour + k) % len(IDENTIFIANTS)]])
        rang, page_def = menus[identifiant][url]
        cas.append(pytest.param(identifiant, rang, page_def, id=f"{identifiant}-{url}"))
    return cas


def _attendre_graphiques(page, exige: bool) -> dict:
    """Wait (at most :data:`DELAI_GRAPHIQUES`) until every visible chart is drawn and, when
    ``exige``, at least one has data. The script has finished, so the chart elements are all
    there; Plotly and Vega load their code lazily, hence the wait. Returns the last count."""
    graphiques = page.evaluate(JS_GRAPHIQUES, SELECTEUR_GRAPHIQUES)
    if not graphiques["visibles"] or _erreurs(page):
        return graphiques
    fin = time.monotonic() + DELAI_GRAPHIQUES
    while time.monotonic() < fin:
        complet = graphiques["dessines"] == graphiques["visibles"]
        if complet and (graphiques["avecDonnees"] >= 1 or not exige):
            break
        page.wait_for_timeout(250)
        graphiques = page.evaluate(JS_GRAPHIQUES, SELECTEUR_GRAPHIQUES)
    _attendre_pret(page, stable=1)
    return page.evaluate(JS_GRAPHIQUES, SELECTEUR_GRAPHIQUES)


def _guetter_relance(page) -> None:
    """Before a click that may rerun the script: note any change of Streamlit's script state
    from now on (a quick run may be over before the test looks)."""
    page.evaluate(
        """() => {
          window.__socleRelance = false;
          const app = document.querySelector('[data-testid="stApp"]');
          window.__socleObservateur?.disconnect();
          window.__socleObservateur = new MutationObserver(() => { window.__socleRelance = true; });
          window.__socleObservateur.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
        }"""
    )


def _attendre_relance(page, delai: float = 3) -> bool:
    """After the click: wait until the script has started again (then :func:`_attendre_pret`
    cannot mistake the previous view for the new one). False when nothing ran within ``delai``
    seconds (a tab bar without ``on_change="rerun"`` switches in the browser only)."""
    try:
        page.wait_for_function("() => window.__socleRelance === true", timeout=delai * 1000)
        return True
    except Exception:  # noqa: BLE001 - playwright's TimeoutError
        return False


def _onglets(page):
    """The tabs of the page's first tab bar (``st.tabs``), outside the sidebar."""
    return page.locator('[data-testid="stMain"] [data-testid="stTabs"]').first.locator('[role="tab"]')


def _verifier_vue(page, quoi: str, capture: Path, exige_graphique: bool) -> dict:
    """Wait for the charts of what is shown, screenshot it, fail on an error or an undrawn
    chart (and, when ``exige_graphique``, on no chart with data). Returns the chart count."""
    graphiques = _attendre_graphiques(page, exige_graphique)
    _capturer(page, capture)
    erreurs = _erreurs(page)
    assert not erreurs, f"{quoi} ({capture.name}) :\n" + "\n".join(erreurs)
    assert graphiques["dessines"] == graphiques["visibles"], (
        f"{quoi} : {graphiques['visibles'] - graphiques['dessines']} graphique(s) visible(s) "
        f"non dessiné(s) après {DELAI_GRAPHIQUES} s ({graphiques}) ; capture : {capture}"
    )
    if exige_graphique:
        assert graphiques["avecDonnees"] >= 1, (
            f"{quoi} : aucun graphique dessiné avec des données après {DELAI_GRAPHIQUES} s "
            f"({graphiques}) ; capture : {capture}"
        )
    return graphiques


@pytest.mark.parametrize(("identifiant", "rang", "page_def"), _cas())
def test_page(sessions, serveur, artefacts, identifiant: str, rang: int, page_def: PageDef):
    """Open the page from the menu, wait for it, screenshot it; no exception, charts drawn.
    A page with tabs (``st.tabs``): each tab is opened and screenshot too
    (``<NN>_<url>_onglet<k>.png``)."""
    page = sessions(identifiant)
    dossier = artefacts / "captures" / identifiant
    prefixe = f"{rang:02d}_{page_def.url}"
    for ancienne in dossier.glob(f"{prefixe}*.png"):
        ancienne.unlink()
    quoi = f"{identifiant} · {page_def.titre}"

    lien = _lien_menu(page, page_def.titre)
    assert lien is not None, (
        f"« {page_def.titre} » absent du menu de {identifiant} : {list(_liens_menu(page))}"
    )
    _guetter_relance(page)
    lien.click()
    _attendre_relance(page, delai=5)
    # The default page lives at the root; the others at /<url>.
    chemin = "/" if rang == 1 else f"/{page_def.url}"
    page.wait_for_url(re.compile(rf"^{re.escape(serveur)}{re.escape(chemin)}(\?.*)?$"))
    _attendre_pret(page)

    onglets = _onglets(page)
    n_onglets = onglets.count()
    # With tabs, the page's chart may sit in any of them: the requirement holds for the page.
    graphiques = _verifier_vue(page, quoi, dossier / f"{prefixe}.png", page_def.graphique and not n_onglets)
    avec_donnees = graphiques["avecDonnees"]
    for k in range(1, n_onglets):
        onglet = _onglets(page).nth(k)
        nom = onglet.inner_text().strip()
        _guetter_relance(page)
        onglet.click()
        _attendre_relance(page)  # st.tabs(on_change="rerun") draws the chosen tab only
        _attendre_pret(page)
        graphiques = _verifier_vue(
            page, f"{quoi} · onglet « {nom} »", dossier / f"{prefixe}_onglet{k + 1}.png", False
        )
        avec_donnees += graphiques["avecDonnees"]
    if n_onglets:
        _guetter_relance(page)
        _onglets(page).first.click()  # back to the first tab for the next visit
        _attendre_relance(page)
        _attendre_pret(page)
    if page_def.graphique:
        assert avec_donnees >= 1, f"{quoi} : aucun graphique dessiné avec des données, dans aucun onglet"


def test_comite09_sans_journal_dans_le_menu(sessions):
    page = sessions("comite09")
    liens = _liens_menu(page)
    assert TITRE_JOURNAL not in liens, liens
    assert not any(href.rstrip("/").endswith("/journal_acces") for href in liens.values()), liens


def test_comite09_journal_par_adresse(navigateur, serveur, artefacts):
    """``/journal_acces`` typed in the address bar, then sign-in as comite09: not the journal.
    Then, in that session, the address changed in the page (history API, as the back button):
    still not the journal."""
    contexte, page = _nouvelle_session(navigateur, serveur)
    try:
        page.goto(f"{serveur}/journal_acces")
        page.wait_for_timeout(500)
        _attendre_pret(page)
        assert not _journal_visible(page)  # signed out
        if not _formulaire(page):  # see test_avant_connexion_rien_que_le_formulaire
            page.goto(serveur)
            page.get_by_role("button", name="Se connecter").wait_for()
            _attendre_pret(page)
        _signer(page, "comite09")
        page.wait_for_timeout(500)
        _attendre_pret(page)
        dossier = artefacts / "captures" / "comite09"
        _capturer(page, dossier / "99_journal_acces_par_adresse.png")
        assert not _journal_visible(page), f"comite09 voit le journal : {_journal_visible(page)}"
        assert page.locator('[data-testid="stException"]').count() == 0, _texte(
            page.locator('[data-testid="stException"]').first
        )

        page.evaluate(
            "() => { history.pushState({}, '', '/journal_acces');"
            " window.dispatchEvent(new PopStateEvent('popstate', {state: {}})); }"
        )
        page.wait_for_timeout(1000)
        _attendre_pret(page)
        _capturer(page, dossier / "99_journal_acces_par_historique.png")
        assert not _journal_visible(page), f"comite09 voit le journal : {_journal_visible(page)}"
    finally:
        contexte.close()
