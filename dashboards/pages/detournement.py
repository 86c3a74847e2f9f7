"""Détournement de finalité (en cours d'écriture)."""

from dashboards import composants

composants.executer("detournement", "Détournement de finalité", lambda ctx: composants.vide("Page en cours de construction."))
