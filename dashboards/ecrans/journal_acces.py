"""Journal des accès: who viewed or downloaded what, for national users only."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboards import acces, journal, navigation
from pipelines.core import journal_acces

# The navigation lists this page for national users only; the page refuses anyone else too
# (a direct address, a forged session).
utilisateur = acces.exiger_role(acces.NATIONAL)

st.title("Journal des accès")
st.caption(
    "Chaque consultation de page, chaque téléchargement, chaque tentative de connexion (réussie, "
    "échouée ou bloquée) et chaque envoi d'alertes à un établissement, horodatés en UTC. Le journal est "
    "en ajout seul ; il n'est pas stocké dans l'entrepôt."
)
journal.journaliser_vue_une_fois(utilisateur, "journal_acces")

evenements = journal.lire_journal()
if evenements.height == 0:
    st.info("Le journal est vide.")
    st.stop()

c1, c2, c3, c4 = st.columns(4)
# the dispatch of misuse alerts to an establishment (``socle alertes``, Dagster) is logged here too
TITRES = {p.url: p.titre for p in navigation.PAGES} | {"connexion": "Connexion",
                                                      journal_acces.PAGE_ALERTES: "Alertes aux établissements"}
ACTIONS = {"vue": "consultation", "telechargement": "téléchargement", "connexion": "connexion",
           "echec_connexion": "échec de connexion", "connexion_bloquee": "connexion bloquée (échecs répétés)",
           journal_acces.ACTION_ENVOI_ALERTES: "envoi d'alertes de détournement de finalité"}
qui = c1.multiselect("Utilisateur", sorted(evenements["identifiant"].drop_nulls().unique()), key="j_qui",
                     placeholder="Tous")
roles = c2.multiselect("Rôle", sorted(evenements["role"].drop_nulls().unique()), key="j_role",
                       format_func=lambda r: acces.LIBELLES_ROLES.get(r, r), placeholder="Tous")
pages = c3.multiselect("Page", sorted(evenements["page"].drop_nulls().unique()), key="j_page",
                       format_func=lambda p: TITRES.get(p, p), placeholder="Toutes")
territoire = c4.text_input("Territoire (code)", key="j_territoire").strip()

filtre = pl.lit(True)
if qui:
    filtre &= pl.col("identifiant").is_in(qui)
if roles:
    filtre &= pl.col("role").is_in(roles)
if pages:
    filtre &= pl.col("page").is_in(pages)
if territoire:
    filtre &= pl.col("territoire") == territoire
vus = evenements.filter(filtre)

# French display: dates « 02/12/2026 08:05:12 », role and page labels, blanks for no value.
affiche = vus.select(
    pl.col("horodatage").str.to_datetime(time_zone="UTC", strict=False)
    .dt.strftime("%d/%m/%Y %H:%M:%S").alias("Horodatage (UTC)"),
    pl.col("identifiant").alias("Utilisateur"),
    pl.col("role").replace_strict(acces.LIBELLES_ROLES, default=pl.col("role")).alias("Rôle"),
    pl.col("page").replace_strict(TITRES, default=pl.col("page")).alias("Page"),
    pl.col("territoire").fill_null("").alias("Territoire"),
    pl.col("indicateur").fill_null("").alias("Indicateur"),
    pl.col("action").replace_strict(ACTIONS, default=pl.col("action")).alias("Action"),
)
st.dataframe(affiche, hide_index=True, width="stretch", key="journal")
st.caption(f"{vus.height} événement(s) sur {evenements.height}.")
