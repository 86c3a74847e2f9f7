"""Evaluation of the MSA experiment: difference-in-differences of each model against the witness
agencies, from the agencies' monthly cells.

- :mod:`pipelines.evaluation.panel` — the agency × month panel of an indicator (which agencies
  are treated, which are witnesses, which cells count);
- :mod:`pipelines.evaluation.did` — the estimates (two-way fixed effects, standard errors
  clustered by agency), the event study, the minimum detectable effect, and their reading in
  French.

Consumers: the Expérimentations page (``dashboards/ecrans/experimentations.py``) and the
« Note d'évaluation » PDF (``socle rapport --edition evaluation-msa``,
``pipelines/rapports/evaluation.py``). Method: ``docs/evaluation-msa.md``.
"""
