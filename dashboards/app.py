"""Entry point of the dashboards: ``streamlit run dashboards/app.py`` (or ``socle tableau-de-bord``).

The warehouse read is ``SOCLE_WAREHOUSE`` (else the project's default); it is opened read-only.
Each page draws the sidebar's territory and month choice (``dashboards.composants``), which is
remembered in the session so that it follows the user from page to page.
"""

from __future__ import annotations

import sys
from pathlib import Path

# ``streamlit run`` puts this file's folder on the path, not the project root.
RACINE = Path(__file__).resolve().parent.parent
if str(RACINE) not in sys.path:
    sys.path.insert(0, str(RACINE))

import streamlit as st  # noqa: E402

from dashboards import acces, navigation  # noqa: E402

st.set_page_config(
    page_title="Socle – pilotage territorial",
    page_icon=":material/insights:",
    layout="wide",
)

# Nothing but the sign-in form until the user is signed in.
utilisateur = acces.connexion()
if utilisateur is None:
    st.stop()

with st.sidebar:
    st.markdown(f"**{utilisateur.nom}**  \n{acces.LIBELLES_ROLES[utilisateur.role]}")
    if st.button("Se déconnecter", key="deconnexion", icon=":material/logout:"):
        acces.deconnexion()
        st.rerun()
pages = [
    st.Page(p.chemin, title=p.titre, icon=p.icone, url_path=p.url, default=(rang == 0))
    for rang, p in enumerate(navigation.pages_pour(utilisateur.role))
]
page = st.navigation(pages)

page.run()
