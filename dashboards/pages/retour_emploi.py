"""Retour à l'emploi (en cours d'écriture)."""

from dashboards import composants

composants.executer("retour_emploi", "Retour à l'emploi", lambda ctx: composants.vide("Page en cours de construction."))
