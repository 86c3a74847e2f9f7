"""``generate``: the synthetic inbox (nine core exports, daily incremental deliveries; with a
consultation window, also ``agents``, ``personnes_exposees``, ``consultations`` and the ``FLUX``
outcomes of the alerts the log raises)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.core import contract as C
from pipelines.synthetic import consultations
from pipelines.synthetic.agents import Liens
from pipelines.synthetic.delivery import FORMATS, DeliveryWriter, extractions, to_frame
from pipelines.synthetic.referentiel import (
    CATEGORIES_INSCRITS,
    CONFLIT_REGIONS_DEPARTEMENTS,
    Scope,
    day_number,
    load_scope,
    normalize_departements,
    personnes_reference,
)
from pipelines.synthetic.simulation import DAY, PORTEFEUILLE_CIBLE, ChunkSimulator, Equipes, alertes

SUMMARY_FILE = "_generation.json"
DEFAULT_REGIONS = ("76", "93")
#: First extraction by default: twelve months before April 2024 (MSA, CRE and RSA pilots), so
#: that every reform has a year of history and a seasonal comparison.
DEFAULT_START = date(2023, 1, 1)
#: People over the whole window, not per month: the initial stock and the daily flows are both
#: proportional to persons / (365 + days of the window) (``ChunkSimulator.run``). 63,000 from
#: January 2023 keeps the monthly density of the former 50,000 from January 2024 (measured up to
#: November 2026: same entries a month, same share of secret cells), which the demo's
#: statistical secret depends on.
DEFAULT_PERSONS = 63_000
MOIS_CONSULTATIONS = consultations.MOIS_DEFAUT
#: the exports the consultation window adds
EXPORTS_ALERTES = ("agents", "personnes_exposees", "consultations")


def last_day_of_previous_month(today: date | None = None) -> date:
    today = today or date.today()
    return today.replace(day=1) - timedelta(days=1)


def start_for_months(end: date, n: int) -> date:
    """First day of the window of ``n`` calendar months ending with the month of ``end``."""
    if n < 1:
        raise ValueError("Le nombre de mois doit être au moins 1")
    m = end.year * 12 + (end.month - 1) - (n - 1)
    return date(m // 12, m % 12 + 1, 1)


def generate(
    out: Path,
    *,
    regions: list[str] | tuple[str, ...] | None = DEFAULT_REGIONS,
    departements: list[str] | tuple[str, ...] | None = None,
    start: date = DEFAULT_START,
    end: date | None = None,
    persons: int | None = None,
    seed: int = 42,
    chunk_size: int = 20_000,
    progress: Callable[[int, int], None] | None = None,
    overwrite: bool = False,
    mois_consultations: int = 0,
) -> dict:
    """Write the synthetic inbox under ``out`` and return (and write) the generation summary.

    ``regions=None`` or ``["all"]``: every metropolitan region. ``departements`` (COG codes, e.g.
    ``["31"]``) restricts the simulation to the agencies of those départements instead; ``regions``
    must then be left at its default. ``start`` defaults to ``DEFAULT_START``. ``persons`` defaults
    to ``DEFAULT_PERSONS``, or with ``departements`` to their real number of registered people
    (``personnes_reference``: DEFM A to E, latest month).
    ``end`` defaults to the last day of the previous month. Deterministic: the same arguments give
    byte-identical files. With ``overwrite``, the export folders and the summary of a previous
    generation are removed first; otherwise an inbox that already holds deliveries is refused.
    ``mois_consultations``: calendar months, ending with the month of ``end``, of the consultation
    log (``pipelines.synthetic.consultations``); 0 (the default of this function: the log is large)
    writes none of its three exports and keeps the ``FLUX`` alerts drawn without a log. The CLI
    (``socle generer``, ``socle demo``) asks for ``MOIS_CONSULTATIONS`` months unless told.
    """
    out = Path(out)
    end = end or last_day_of_previous_month()
    if end < start:
        raise ValueError(f"Période vide : fin {end} avant début {start}")
    if departements is not None:
        # ``regions is DEFAULT_REGIONS``: left at its default (an explicit choice, even the same
        # codes, is a conflict)
        if regions is not DEFAULT_REGIONS:
            raise ValueError(CONFLIT_REGIONS_DEPARTEMENTS)
        departements = normalize_departements(departements)
        regions = None
    reference = None
    if persons is None:
        if departements is not None:
            persons, mois = personnes_reference(departements)
            reference = {"source": "defm_departement.csv", "mois": mois,
                         "categories": "+".join(CATEGORIES_INSCRITS), "personnes": persons}
        else:
            persons = DEFAULT_PERSONS
    if persons < 1 or chunk_size < 1:
        raise ValueError("persons et chunk_size doivent être positifs")
    if mois_consultations < 0:
        raise ValueError("Le nombre de mois de consultations ne peut pas être négatif")
    scope = load_scope(regions, departements=departements)
    _prepare_out(out, overwrite)

    writer = DeliveryWriter(out, start, end, seed)
    S, E = day_number(start), day_number(end)
    w0 = max(S, day_number(start_for_months(end, mois_consultations))) if mois_consultations else None
    liens = Liens(scope, w0, E) if w0 is not None else None
    # advisers of each agency, sized on the whole generation (portfolios independent of the scale)
    equipes = Equipes.dimensionner(scope, persons, start, end, seed)
    mess = {"corrections": [], "tombstones": [], "doublons": []}
    n_chunks = (persons + chunk_size - 1) // chunk_size
    for chunk in range(n_chunks):
        first = chunk * chunk_size
        n = min(chunk_size, persons - first)
        rng = np.random.default_rng([seed, chunk])
        result = ChunkSimulator(scope, start, end, rng, equipes).run(first + 1, n)
        versions = dict(result.versions)
        versions["alertes_finalite"] = alertes(scope, start, end, np.random.default_rng([seed, chunk, 1]), n, chunk,
                                               flux_avant=w0)
        mess_rng = np.random.default_rng([seed, chunk, 2])
        for export in C.CORE_EXPORTS:
            df = to_frame(export, versions[export])
            df = _inject_versions(export, df, mess_rng, start, end, mess, versions)
            df = extractions(df, export, start, end)
            if liens is not None:
                liens.ajouter(export, df)
            writer.write(export, df, chunk)
        mess["doublons"].extend(result.doublons)
        if progress:
            progress(first + n, persons)

    flux = None
    if liens is not None:
        liens.terminer()
        flux = consultations.generer(out, writer, scope, liens, S, E, w0, persons, seed, n_chunks)
        flux["mois_demandes"] = mois_consultations
    writer.finalize()
    summary = _summary(out, writer, scope, mess, regions, departements, reference, start, end, persons, seed,
                       chunk_size, flux, equipes)
    (out / SUMMARY_FILE).write_text(json.dumps(summary, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    return summary


def _prepare_out(out: Path, overwrite: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    existing = [e for e in C.EXPORTS if (out / e).is_dir() and any((out / e).iterdir())]
    if existing and not overwrite:
        raise FileExistsError(
            f"{out} contient déjà des livraisons ({', '.join(existing)}) : "
            "choisir un dossier vide ou demander l'écrasement"
        )
    for e in C.EXPORTS:
        shutil.rmtree(out / e, ignore_errors=True)
    shutil.rmtree(out / "_staging", ignore_errors=True)
    (out / SUMMARY_FILE).unlink(missing_ok=True)
    (out / consultations.VERITE_FILE).unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# Mess: later corrections and tombstones (resurrected now and then)
# ---------------------------------------------------------------------------------------------

_CORRECTIONS = {"inscriptions": 0.004, "diagnostics": 0.004}
_TOMBSTONES = {"entretiens": 0.003, "emplois": 0.003}
_CAP = 12  # per chunk and per kind: the summary stays small at national scale


def _iso(ts: int) -> str:
    return (datetime(1970, 1, 1) + timedelta(seconds=int(ts))).strftime(C.TIMESTAMP_FORMAT)


def _inject_versions(export, df, rng, start, end, mess, versions) -> pl.DataFrame:
    if export not in _CORRECTIONS and export not in _TOMBSTONES:
        return df
    key = C.EXPORTS[export].key[0]
    S, E = day_number(start), day_number(end)
    last = df.sort("_ts").group_by(key, maintain_order=True).last().sort(key)
    cand = last.filter((pl.col("_ts") >= S * DAY) & (pl.col("_ts") <= (E - 50) * DAY) & (pl.col("supprime") == 0))
    if export == "inscriptions":
        cand = cand.filter(pl.col("categorie").is_in(["A", "B"]))
    if export == "diagnostics":
        # the corrected date stays after the registration date
        ins = pl.DataFrame({"id_inscription": versions["inscriptions"]["id_inscription"].astype(str),
                            "_d0": versions["inscriptions"]["date_inscription"]}).unique("id_inscription")
        cand = cand.join(ins, on="id_inscription", how="left").filter(
            pl.col("date_diagnostic").cast(pl.Int32).cast(pl.Int64) - 3 >= pl.col("_d0")).drop("_d0")
    rate = _CORRECTIONS.get(export) or _TOMBSTONES[export]
    m = min(cand.height, _CAP, max(1, int(round(rate * last.height))))
    if m == 0:
        return df
    rows = cand[np.sort(rng.choice(cand.height, size=m, replace=False)).tolist()]
    gap = rng.integers(1, 21, m) * DAY + rng.integers(0, 3600, m)
    new_ts = rows["_ts"].to_numpy() + gap
    added = []
    if export in _CORRECTIONS:
        if export == "inscriptions":
            before = rows["categorie"].to_list()
            after = ["B" if c == "A" else "A" for c in before]
            fixed = rows.with_columns(pl.Series("categorie", after))
            col = "categorie"
        else:
            shift = rng.integers(1, 4, m)
            before = [d.isoformat() for d in rows["date_diagnostic"].to_list()]
            new_dates = [d - timedelta(days=int(k)) for d, k in zip(rows["date_diagnostic"].to_list(), shift)]
            fixed = rows.with_columns(pl.Series("date_diagnostic", new_dates, dtype=pl.Date))
            after = [d.isoformat() for d in new_dates]
            col = "date_diagnostic"
        added.append(_with_ts(fixed, new_ts))
        for k, b, a, t in zip(rows[key].to_list(), before, after, new_ts.tolist()):
            mess["corrections"].append({"export": export, "cle": k, "colonne": col, "avant": b, "apres": a,
                                        "date_maj": _iso(t)})
    else:
        added.append(_with_ts(rows.with_columns(pl.lit(1, dtype=pl.Int8).alias("supprime")), new_ts))
        back = rng.random(m) < 0.3
        back_ts = new_ts + rng.integers(2, 16, m) * DAY
        if back.any():
            added.append(_with_ts(rows.filter(pl.Series(back)), back_ts[back]))
        for k, t, b, bt in zip(rows[key].to_list(), new_ts.tolist(), back.tolist(), back_ts.tolist()):
            mess["tombstones"].append({"export": export, "cle": k, "date_maj": _iso(t),
                                       "resurrection": _iso(bt) if b else None})
    return pl.concat([df] + added, how="vertical")


def _with_ts(rows: pl.DataFrame, ts: np.ndarray) -> pl.DataFrame:
    s = pl.Series("_ts", ts.astype(np.int64))
    return rows.with_columns(s, (s * 1_000_000).cast(pl.Datetime("us")).alias("date_maj"))


# ---------------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------------


def _summary(out, writer: DeliveryWriter, scope: Scope, mess, regions, departements, reference, start, end, persons,
             seed, chunk_size, flux: dict | None, equipes: Equipes) -> dict:
    files, rows = {}, {}
    exports = C.CORE_EXPORTS + (EXPORTS_ALERTES if flux else ())
    for export in exports:
        keys = writer.files(export)
        files[export] = len(keys)
        rows[export] = sum(writer.rows[(export, d, s)] for d, s in keys)
    if flux:
        files["consultations"], rows["consultations"] = flux["fichiers"], flux["lignes"]

    # A duplicated delivery: the same bytes again, as sequence 1 of the same day.
    duplicated = []
    S, E = day_number(start), day_number(end)
    target = S + (E - S) // 3
    dup_export = "orientations"
    candidates = [(d, s) for d, s in writer.files(dup_export) if s == 0 and d >= target]
    if candidates:
        d, _ = candidates[0]
        src = writer.final_path(dup_export, d, 0)
        dst = writer.final_path(dup_export, d, 1)
        shutil.copyfile(src, dst)
        files[dup_export] += 1
        rows[dup_export] += writer.rows[(dup_export, d, 0)]
        duplicated.append({"export": dup_export, "original": src.relative_to(out).as_posix(),
                           "copie": dst.relative_to(out).as_posix()})

    late = []
    if (writer.late_export, writer.late_day, 1) in writer.rows:
        path = writer.final_path(writer.late_export, writer.late_day, 1)
        late.append({
            "export": writer.late_export, "fichier": path.relative_to(out).as_posix(),
            "lignes": writer.rows[(writer.late_export, writer.late_day, 1)],
            "note": "versions antérieures, toutes remplacées par des versions plus récentes livrées ensuite : "
                    "à charger en dernier pour vérifier que la date_maj la plus récente l'emporte",
        })

    return {
        "parametres": {
            "regions": list(scope.regions),
            "regions_demandees": None if regions is None else list(regions),
            "departements": list(scope.departements),
            "departements_demandes": None if departements is None else list(departements),
            "personnes_reference": reference,
            "debut": start.isoformat(), "fin": end.isoformat(), "personnes": persons, "graine": seed,
            "taille_lot": chunk_size,
            "derniere_extraction": (end + timedelta(days=1)).isoformat(),
            "mois_consultations": flux["mois_demandes"] if flux else 0,
        },
        "formats": {e: FORMATS.get(e, "csv") for e in exports},
        "fichiers": files,
        "lignes": rows,
        "lignes_invalides": sorted(writer.bad_rows, key=lambda r: (r["fichier"], r["ligne"])),
        "corrections": mess["corrections"],
        "suppressions": mess["tombstones"],
        "doublons": sorted(mess["doublons"]),
        "fichiers_dupliques": duplicated,
        "fichiers_en_retard": late,
        "variantes": {
            "ordre_colonnes": "orientations : colonnes mélangées un jour d'extraction sur cinq",
            "bom": "diagnostics : BOM UTF-8 un jour d'extraction sur sept",
        },
        "consultations": flux,
        "conseillers": {
            "nombre": equipes.total,
            "agences_un_seul": int((equipes.taille == 1).sum()),
            "portefeuille_cible": PORTEFEUILLE_CIBLE,
            "accompagnements_en_cours_attendus": round(float(equipes.attendus.sum())),
        },
    }
