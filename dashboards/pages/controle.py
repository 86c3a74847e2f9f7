"""Contrôle (en cours d'écriture)."""

from dashboards import composants

composants.executer("controle", "Contrôle", lambda ctx: composants.vide("Page en cours de construction."))
