"""Running checks with Great Expectations on pandas dataframes, and the Data Docs.

GX 1.x cannot validate DuckDB through SQL (every expectation errors through duckdb-engine):
frames are read with DuckDB, converted to pandas and validated here. GX is imported on first use
only (about 4 s).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quality.regles import Controle

EXEMPLES = 5  # failing rows cited in the details


@dataclass
class Resultat:
    """The outcome of one check on one target, as stored in ``qualite.resultats``."""

    suite: str
    cible: str
    controle: str
    description: str
    severite: str
    succes: bool
    details: str
    lignes: int | None = None
    anomalies: int | None = None

    @property
    def libelle(self) -> str:
        return f"{self.suite} / {self.cible} / {self.controle}"


def _nom_gx(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)


def _format_valeur(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "vide"
    if hasattr(v, "isoformat"):
        try:
            return v.date().isoformat() if hasattr(v, "date") and callable(v.date) else v.isoformat()
        except (TypeError, ValueError):
            return str(v)
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def details_francais(result: dict, controle: Controle, lignes: int) -> str:
    """A short French statement of what a GX result found."""
    if "unexpected_count" in result:
        n = int(result.get("unexpected_count") or 0)
        base = result.get("element_count", lignes)
        if n == 0:
            return f"aucune anomalie sur {base} ligne(s)"
        texte = f"{n} ligne(s) en anomalie sur {base}"
        exemples = result.get("partial_unexpected_index_list") or []
        if exemples:
            cites = []
            for ex in exemples[:EXEMPLES]:
                if isinstance(ex, dict):
                    cites.append(", ".join(f"{k} {_format_valeur(v)}" for k, v in ex.items()))
                else:
                    cites.append(_format_valeur(ex))
            texte += " ; par exemple : " + " | ".join(cites)
        elif result.get("partial_unexpected_list"):
            texte += " ; valeurs : " + ", ".join(_format_valeur(v) for v in result["partial_unexpected_list"][:EXEMPLES])
        return texte
    if "observed_value" in result:
        return f"valeur observée : {_format_valeur(result['observed_value'])}"
    return "contrôle exécuté"


class Validateur:
    """One GX context for a quality run: suites, validation results and a filesystem Data Docs site."""

    SITE = "socle"

    def __init__(self, data_docs: Path | None = None):
        import logging
        import sys
        import warnings

        # GX imports pyspark when it is installed (for its Spark datasources, which Socle does not
        # use): a second of CPU per build, and pyspark's checks may call sys.exit. Unless the Spark
        # engine already loaded it in this process, GX sees it as absent.
        masquer_spark = "pyspark" not in sys.modules
        if masquer_spark:
            sys.modules["pyspark"] = None  # type: ignore[assignment] - `import pyspark` raises ImportError
        try:
            import great_expectations as gx
        finally:
            if masquer_spark and sys.modules.get("pyspark", 0) is None:
                del sys.modules["pyspark"]

        # String row conditions are deprecated for GX 2.0 but are the 1.x way for pandas.
        warnings.filterwarnings("ignore", message=".*(row_condition|condition_parser).*", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message="This pattern is interpreted as a regular expression", category=UserWarning)

        # GX logs every metric computation and draws progress bars: keep the build's output clean.
        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = {"globally": False, "metric_calculations": False}
        self.data_docs = data_docs
        if data_docs is not None:
            data_docs.mkdir(parents=True, exist_ok=True)
            self.context.add_data_docs_site(site_name=self.SITE, site_config={
                "class_name": "SiteBuilder",
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(data_docs)},
            })
        self.source = self.context.data_sources.add_pandas("socle")
        self.validations: list[dict] = []
        self._noms: dict[str, int] = {}

    def _expectation(self, c: Controle):
        kwargs = dict(c.kwargs)
        if "row_condition" in kwargs:
            kwargs["condition_parser"] = "pandas"
        cls = getattr(self.gx.expectations, c.expectation)
        return cls(**kwargs, meta={"nom": c.nom, "severite": c.severite, "description": c.description})

    def valider(self, suite: str, cible: str, df, controles: list[Controle]) -> list[Resultat]:
        """Validate ``df`` (pandas) against ``controles``; one ``Resultat`` per check."""
        gx = self.gx
        nom = _nom_gx(f"{suite}.{cible}")[:80]
        self._noms[nom] = self._noms.get(nom, 0) + 1
        if self._noms[nom] > 1:
            nom = f"{nom}_{self._noms[nom]}"
        lignes = len(df)
        # Checks on columns the frame lacks cannot run: reported as failed, not silently skipped.
        presents, resultats = [], []
        for c in controles:
            cols = [c.kwargs.get(k) for k in ("column", "column_A", "column_B") if c.kwargs.get(k)]
            cols += c.kwargs.get("column_list", [])
            manquantes = [x for x in cols if x not in df.columns]
            if manquantes:
                resultats.append(Resultat(suite, cible, c.nom, c.description, c.severite, False,
                                          f"colonne(s) absente(s) : {', '.join(manquantes)}", lignes, None))
            else:
                presents.append(c)
        if not presents:
            return resultats
        asset = self.source.add_dataframe_asset(nom)
        batch = asset.add_batch_definition_whole_dataframe(nom)
        gx_suite = self.context.suites.add(gx.ExpectationSuite(name=nom, expectations=[self._expectation(c) for c in presents]))
        definition = self.context.validation_definitions.add(gx.ValidationDefinition(name=nom, data=batch, suite=gx_suite))
        # ValidationDefinition.run keeps the result in the context's store; the Data Docs are
        # rendered once at the end (a checkpoint action would re-render the whole site each time).
        validation = definition.run(
            batch_parameters={"dataframe": df},
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": EXEMPLES},
        )
        run_results = [validation]
        par_nom = {c.nom: c for c in presents}
        for validation in run_results:
            self.validations.append(validation.to_json_dict())
            for r in validation.results:
                c = par_nom[r.expectation_config.meta["nom"]]
                if r.exception_info and r.exception_info.get("raised_exception"):
                    details = f"erreur d'exécution : {r.exception_info.get('exception_message')}"
                    resultats.append(Resultat(suite, cible, c.nom, c.description, c.severite, False, details, lignes))
                    continue
                result = r.result or {}
                details = details_francais(result, c, lignes)
                if not r.success and c.localisation:
                    details = self._localiser(df, c, details)
                resultats.append(Resultat(suite, cible, c.nom, c.description, c.severite, bool(r.success), details,
                                          lignes, result.get("unexpected_count")))
        return resultats

    def _localiser(self, df, c: Controle, details: str) -> str:
        """Cite where the first failing rows are (file and line, or cell), computed with pandas:
        GX's own index lists are slow on large frames."""
        from quality.localisation import lignes_en_anomalie

        try:
            rows = lignes_en_anomalie(df, c)
        except Exception:  # noqa: BLE001 - the details are a courtesy, the verdict stands
            return details
        if rows is None or rows.empty:
            return details
        cols = [x for x in c.localisation if x in rows.columns]
        cites = [", ".join(f"{k} {_format_valeur(v)}" for k, v in zip(cols, vals))
                 for vals in rows[cols].head(EXEMPLES).itertuples(index=False)]
        texte = details.split(" ; ")[0]
        return f"{texte} ; par exemple : " + " | ".join(cites)

    def construire_data_docs(self) -> Path | None:
        if self.data_docs is None:
            return None
        self.context.build_data_docs(site_names=[self.SITE])
        return self.data_docs / "index.html"

    def enregistrer_validations(self, path: Path) -> Path:
        """Keep the raw GX validation results (JSON) next to the Data Docs."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.validations, ensure_ascii=False, default=str, indent=1), encoding="utf-8")
        return path
