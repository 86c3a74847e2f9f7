"""Parcours (en cours d'écriture)."""

from dashboards import composants

composants.executer("parcours", "Parcours", lambda ctx: composants.vide("Page en cours de construction."))
