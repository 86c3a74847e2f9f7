"""Expérimentations (en cours d'écriture)."""

from dashboards import composants

composants.executer("experimentations", "Expérimentations", lambda ctx: composants.vide("Page en cours de construction."))
