"""Territoires (en cours d'écriture)."""

from dashboards import composants

composants.executer("territoires", "Territoires", lambda ctx: composants.vide("Page en cours de construction."))
