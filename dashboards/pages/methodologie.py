"""Méthodologie (en cours d'écriture)."""

from dashboards import composants

composants.executer("methodologie", "Méthodologie", lambda ctx: composants.vide("Page en cours de construction."))
