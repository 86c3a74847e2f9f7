"""Synthetic exports: a realistic, deterministic inbox for demos, tests and load runs.

See ``docs/donnees-synthetiques.md`` for what is simulated, the calibration and the mess injected.
"""

from pipelines.synthetic.generator import (
    SUMMARY_FILE,
    generate,
    last_day_of_previous_month,
    start_for_months,
)
from pipelines.synthetic.referentiel import normalize_departements, personnes_reference

__all__ = [
    "SUMMARY_FILE",
    "generate",
    "last_day_of_previous_month",
    "normalize_departements",
    "personnes_reference",
    "start_for_months",
]
