"""Statistical disclosure control: from ``marts.indicateurs`` to the published view.

The rules are the contract's (``indicators.md``, « Statistical disclosure control »):

- primary secret: a count (``nombre``) in [1, seuil − 1]; a ratio (``taux``) whose denominator
  is below the threshold or whose numerator is in [1, seuil − 1]; a median (``jours``) whose
  population (``denominateur``) is below the threshold. The threshold never goes below 11 for
  the D and E families (``SEUIL_SECRET_MIN``).
- secondary secret: numerators and denominators add up within a breakdown and across the
  territories that make up a parent. A *group* is one such equation, a total and its members:

  * ``modalites``: the ``ensemble`` cell of (indicator, period, level, territory) and the
    modalities of one dimension;
  * ``territoires``: a parent cell and the cells of its children, same indicator, period,
    dimension and modality, for each nesting: régions of ``FR``, départements of a région,
    agencies of a département, agencies of a bassin. The contract names the second and the
    last; the others are added for safety: ``FR`` is the sum of the régions when the data
    covers them all, and agencies add up to their département (bassins straddle départements,
    so the bassin is not a step between them).

  A group with exactly one secret cell gives it away by subtraction. While one exists, another
  cell of the group is made secret: the smallest other non-zero member (by value for counts,
  by denominator/population for ratios and medians; zeros never); if the lone secret cell is a
  member and no such member exists, the total; if the lone secret cell is the total, the
  smallest non-zero member. This is repeated until no group holds a single secret cell.

  Then no subtraction along one equation recovers anything, and neither does a chain of them
  (region − all its agencies…): every secret total has a secret member, so a composed equation
  never has a single unknown either. Not covered: solving several equations as a linear system
  (a full audit à la τ-Argus); the contract asks for the group rule.

Whole cells are hidden (numerator, denominator and value together), so one rule covers every
additive quantity of a cell, including the population and numerator of a median.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.core.indicateurs import INDICATEURS, famille  # noqa: F401 - famille: read by the tests from here
from pipelines.core.settings import SEEDS_DIR, SEUIL_SECRET_MIN
from pipelines.secret.primaire import MOTIFS_PRIMAIRES, seuil_effectif  # noqa: F401 - re-exported
from pipelines.secret.primaire import motifs_primaires as _primaire
from pipelines.secret.primaire import verifier_seuil as _verifier_seuil
from pipelines.secret.relations import LIENS
from pipelines.secret.systeme import relations_territoriales

COLONNES_CONTRAT = [
    "indicateur", "periode", "type_periode", "niveau", "territoire", "dimension", "modalite",
    "numerateur", "denominateur", "valeur", "unite", "provisoire",
]
COLONNES_PUBLICATION = [*COLONNES_CONTRAT, "secret", "motif_secret"]
MOTIFS_SECONDAIRES = {"secondaire_modalites", "secondaire_territoires", "secondaire_niveaux"}

#: Parent/children nestings protected as groups: ``LIENS`` (relation, child level, parent
#: level), the outsider's, from ``pipelines.secret.relations``.


# ---------------------------------------------------------------------------------------------
# Territorial hierarchy


def hierarchie_referentiel() -> pl.DataFrame:
    """Agency → bassin, département, région, from the referential seeds (same derivation as the
    dbt model ``int_territoires__agences``); used when no warehouse is at hand."""
    ref = SEEDS_DIR / "referentiel"
    agences = pl.read_csv(ref / "agences.csv", infer_schema=False)
    dep = pl.read_csv(ref / "departements.csv", infer_schema=False).select(
        "code_departement", pl.col("code_region").alias("region_dep")
    )
    return (
        agences.join(dep, on="code_departement", how="left")
        .select(
            "code_agence",
            pl.col("code_ze2020").alias("code_bassin"),
            "code_departement",
            pl.coalesce("region_dep", "code_region").alias("code_region"),
        )
    )


def _relations(cells: pl.DataFrame, hierarchie: pl.DataFrame) -> pl.DataFrame:
    """Child → parent rows (niveau_enfant, territoire_enfant, territoire_parent, lien, niveau_parent),
    from the outsider's nestings (``pipelines.secret.systeme.relations_territoriales``)."""
    niveaux = pl.DataFrame(
        {"lien": [lien for lien, _, _ in LIENS], "niveau_enfant": [c for _, c, _ in LIENS], "niveau_parent": [p for _, _, p in LIENS]}
    )
    return (
        relations_territoriales(cells, hierarchie)
        .join(niveaux, on="lien")
        .rename({"enfant": "territoire_enfant", "parent": "territoire_parent"})
    )


# ---------------------------------------------------------------------------------------------
# Primary and secondary secret


def _groupes(c: pl.DataFrame, hierarchie: pl.DataFrame) -> pl.DataFrame:
    """The membership table: one row per (group, cell): ``gid``, ``_i`` (cell), ``total``,
    ``kind`` (``modalites`` or ``territoires``). Only groups with a total row and ≥ 1 member."""
    cle_cellule = ["indicateur", "periode", "type_periode", "niveau", "territoire", "dimension", "modalite"]
    idx = c.select([*cle_cellule, "_i"])

    # (a) within a breakdown: members are the modalities, the total is the ensemble cell.
    membres_a = idx.filter(pl.col("dimension") != "ensemble")
    cle_a = ["indicateur", "periode", "type_periode", "niveau", "territoire", "dimension"]
    # sorted: group ids (and so the motif of a cell chosen by two groups) do not depend on row order
    groupes_a = membres_a.select(cle_a).unique().sort(cle_a).with_row_index("gid")
    ensembles = idx.filter(pl.col("dimension") == "ensemble").select(
        "indicateur", "periode", "type_periode", "niveau", "territoire", pl.col("_i").alias("_t")
    )
    totaux_a = groupes_a.join(ensembles, on=["indicateur", "periode", "type_periode", "niveau", "territoire"], how="inner")
    a = pl.concat([
        membres_a.join(totaux_a.select([*cle_a, "gid"]), on=cle_a).select("gid", "_i", pl.lit(False).alias("total")),
        totaux_a.select("gid", pl.col("_t").alias("_i"), pl.lit(True).alias("total")),
    ]).with_columns(pl.lit("modalites").alias("kind"))

    # (b) among the children of a parent territory, for each (dimension, modalité).
    rel = _relations(c, hierarchie)
    membres_b = idx.join(rel, left_on=["niveau", "territoire"], right_on=["niveau_enfant", "territoire_enfant"])
    cle_b = ["indicateur", "periode", "type_periode", "dimension", "modalite", "lien", "niveau_parent", "territoire_parent"]
    groupes_b = membres_b.select(cle_b).unique().sort(cle_b).with_row_index("gid")
    parents = idx.select(
        "indicateur", "periode", "type_periode", "dimension", "modalite",
        pl.col("niveau").alias("niveau_parent"), pl.col("territoire").alias("territoire_parent"), pl.col("_i").alias("_t"),
    )
    totaux_b = groupes_b.join(
        parents, on=["indicateur", "periode", "type_periode", "dimension", "modalite", "niveau_parent", "territoire_parent"]
    )
    offset = groupes_a.height
    b = pl.concat([
        membres_b.join(totaux_b.select([*cle_b, "gid"]), on=cle_b).select("gid", "_i", pl.lit(False).alias("total")),
        totaux_b.select("gid", pl.col("_t").alias("_i"), pl.lit(True).alias("total")),
    ]).with_columns(pl.col("gid") + offset, pl.lit("territoires").alias("kind"))
    return pl.concat([a, b])


def appliquer_secret_detail(
    cells: pl.DataFrame, seuil: int = SEUIL_SECRET_MIN, hierarchie: pl.DataFrame | None = None
) -> pl.DataFrame:
    """``appliquer_secret`` plus the audit columns ``tour_secret`` (0 for primary, n for the
    n-th round of secondary suppression) and ``groupe_secret`` (the group that required the
    cell: ``kind:gid``), with the values *not* nulled, for tests and audits only."""
    _verifier_seuil(seuil)
    if hierarchie is None:
        hierarchie = hierarchie_referentiel()
    n = cells.height
    c = cells.with_row_index("_i")
    motif_primaire = _primaire(c, seuil)
    secret = motif_primaire.is_not_null().to_numpy().copy()
    motifs = np.array(motif_primaire.to_list(), dtype=object)
    tour = np.where(secret, 0, -1)
    groupe_de = np.full(n, None, dtype=object)

    if n:
        m = _groupes(c, hierarchie)
        gid = m.get_column("gid").to_numpy()
        cell = m.get_column("_i").to_numpy().astype(np.int64)
        total = m.get_column("total").to_numpy()
        kind_terr = (m.get_column("kind") == "territoires").to_numpy()
        ngroupes = int(gid.max()) + 1 if len(gid) else 0

        # Size of a cell for "smallest": value for counts, denominator (population) otherwise.
        taille = c.select(
            pl.when(pl.col("unite") == "nombre").then(pl.col("valeur")).otherwise(pl.col("denominateur"))
            .fill_null(0).fill_nan(0)
        ).to_series().to_numpy()
        # Deterministic tie-break among equal sizes, independent of the input row order.
        cles = c.select("niveau", "territoire", "dimension", "modalite")

        kind_g = np.zeros(ngroupes, dtype=bool)
        kind_g[gid[kind_terr]] = True
        total_de_g = np.full(ngroupes, -1, dtype=np.int64)
        total_de_g[gid[total]] = cell[total]

        tour_courant = 0
        while True:
            tour_courant += 1
            sec_m = secret[cell]
            nsec = np.bincount(gid, weights=sec_m, minlength=ngroupes)
            seuls = nsec == 1
            if not seuls.any():
                break
            dans_seul = seuls[gid]
            # Is the lone secret cell of each group its total?
            total_seul = np.zeros(ngroupes, dtype=bool)
            total_seul[gid[dans_seul & sec_m & total]] = True
            cand = dans_seul & ~total & ~sec_m & (taille[cell] > 0)
            choix_i, choix_g = _plus_petit_par_groupe(gid[cand], cell[cand], taille, cles)
            # Lone secret member and no non-zero other member: the total goes instead.
            sans_cand = np.ones(ngroupes, dtype=bool)
            sans_cand[choix_g] = False
            repli = dans_seul & total & sans_cand[gid] & ~total_seul[gid]
            choix_i = np.concatenate([choix_i, cell[repli]])
            choix_g = np.concatenate([choix_g, gid[repli]])
            nouveaux = ~secret[choix_i]
            choix_i, choix_g = choix_i[nouveaux], choix_g[nouveaux]
            if len(choix_i) == 0:
                break  # only groups whose lone secret total has no non-zero member: nothing to add
            # One motif per cell: the first group (lowest id) that chose it.
            ordre_choix = np.lexsort((choix_g, choix_i))
            choix_i, choix_g = choix_i[ordre_choix], choix_g[ordre_choix]
            premier = np.r_[True, choix_i[1:] != choix_i[:-1]]
            choix_i, choix_g = choix_i[premier], choix_g[premier]
            for i, g in zip(choix_i.tolist(), choix_g.tolist()):
                if not kind_g[g]:
                    motifs[i] = "secondaire_modalites"
                elif total_de_g[g] == i or total_seul[g]:
                    motifs[i] = "secondaire_niveaux"  # across levels: parent hidden, or child for a parent
                else:
                    motifs[i] = "secondaire_territoires"
                groupe_de[i] = f"{'territoires' if kind_g[g] else 'modalites'}:{g}"
            secret[choix_i] = True
            tour[choix_i] = tour_courant

    if n and "type_periode" in cells.columns:
        # a quarter or a rolling 12-month cell is published only as the sum of published months:
        # otherwise it minus its published months would give the hidden ones away
        from pipelines.secret.protection import _publier_cumuls

        agregat = (cells.get_column("type_periode") != "mois").to_numpy()
        cumul_cache = _publier_cumuls(c, secret, np.zeros(n, dtype=bool)) & agregat & ~secret
        motifs[cumul_cache] = "derive"
        tour[cumul_cache] = int(tour.max()) + 1
        secret = secret | cumul_cache

    return cells.with_columns(
        pl.Series("secret", secret, dtype=pl.Boolean),
        pl.Series("motif_secret", motifs.tolist(), dtype=pl.String),
        pl.Series("tour_secret", tour, dtype=pl.Int64),
        pl.Series("groupe_secret", groupe_de.tolist(), dtype=pl.String),
    )


def _plus_petit_par_groupe(g: np.ndarray, i: np.ndarray, taille: np.ndarray, cles: pl.DataFrame):
    """For each group, the candidate cell of smallest size (ties: level, territory, modality)."""
    if len(g) == 0:
        return np.array([], dtype=np.int64), np.array([], dtype=np.int64)
    cand = cles[i].with_columns(pl.Series("_g", g), pl.Series("_c", i), pl.Series("_taille", taille[i]))
    premiers = (
        cand.sort(["_g", "_taille", "niveau", "territoire", "dimension", "modalite"])
        .unique(subset="_g", keep="first", maintain_order=True)
    )
    return premiers.get_column("_c").to_numpy().astype(np.int64), premiers.get_column("_g").to_numpy().astype(np.int64)


def appliquer_secret(
    cells: pl.DataFrame, seuil: int = SEUIL_SECRET_MIN, hierarchie: pl.DataFrame | None = None
) -> pl.DataFrame:
    """The same rows with ``secret`` (bool) and ``motif_secret`` (null or the rule that hid the
    cell); ``numerateur``, ``denominateur`` and ``valeur`` are null on secret rows.

    ``hierarchie``: agency → ``code_bassin``, ``code_departement``, ``code_region`` (columns
    ``code_agence``…); defaults to the referential seeds.
    """
    d = appliquer_secret_detail(cells, seuil, hierarchie)
    masque = pl.col("secret")
    return d.drop("tour_secret", "groupe_secret").with_columns(
        pl.when(masque).then(None).otherwise(pl.col(col)).cast(cells.schema[col]).alias(col)
        for col in ("numerateur", "denominateur", "valeur")
    )


METHODES = ("groupes", "optimiseur")


CLES_CELLULE = ["indicateur", "type_periode", "periode", "niveau", "territoire", "dimension", "modalite"]


def _ecrire_certificats(con, cells: pl.DataFrame | None, bilan) -> None:
    """The optimiser's proofs, keyed by cell, in the internal schema ``secret`` (never published:
    the displacements are relative to the true values), for the independent audit to check. A
    method without proofs removes those of an earlier build."""
    con.execute("create schema if not exists secret")
    if bilan is None or bilan.certificats is None:
        con.execute("drop table if exists secret.certificats")
        con.execute("drop table if exists secret.revendications")
        return
    cles = cells.select(CLES_CELLULE).with_row_index("_i")
    for nom, table in (("certificats", bilan.certificats), ("revendications", bilan.revendications)):
        con.register("_secret_preuves", table.join(cles, on="_i").drop("_i").to_arrow())
        try:
            con.execute(f"create or replace table secret.{nom} as select * from _secret_preuves")
        finally:
            con.unregister("_secret_preuves")


def _ecrire_plan(con, plan: pl.DataFrame | None) -> None:
    """``publication.plan_diffusion``: one row per table (indicator, breakdown, level, period
    type) and whether it is published (``pipelines.secret.diffusion``). Public: it is the design
    of the publication, which readers are told (an unpublished table is read one level up or on
    a longer period); its primary-secret shares are not written. Without a plan, every table."""
    if plan is None:
        con.execute("create or replace table publication.plan_diffusion as select distinct indicateur, dimension, niveau, "
                    "type_periode, true as diffuse from marts.indicateurs order by all")
        return
    con.register("_plan_diffusion", plan.select("indicateur", "dimension", "niveau", "type_periode", "diffuse").to_arrow())
    try:
        con.execute("create or replace table publication.plan_diffusion as select * from _plan_diffusion")
    finally:
        con.unregister("_plan_diffusion")


def _cellules(con, indicateur: str | None = None) -> pl.DataFrame:
    """Cells of ``marts.indicateurs`` (all, or one indicator's), in the order of their key."""
    filtre = "" if indicateur is None else "where indicateur = ? "
    return pl.from_arrow(con.sql(
        f"select {', '.join(COLONNES_CONTRAT)} from marts.indicateurs {filtre}"
        "order by indicateur, periode, type_periode, niveau, territoire, dimension, modalite",
        params=None if indicateur is None else [indicateur],
    ).to_arrow_table())


def _ecrire_vue(con, publiee: pl.DataFrame, remplacer: bool) -> None:
    """Write (``remplacer``) or append rows of ``publication.indicateurs``."""
    con.register("_publication_indicateurs", publiee.to_arrow())
    try:
        if remplacer:
            con.execute("create or replace table publication.indicateurs as select * from _publication_indicateurs")
        else:
            con.execute("insert into publication.indicateurs select * from _publication_indicateurs")
    finally:
        con.unregister("_publication_indicateurs")


def publier_vue(con, seuil: int = SEUIL_SECRET_MIN, methode: str = "optimiseur", journal=None, regle=None) -> int:
    """Write ``publication.indicateurs`` from ``marts.indicateurs`` (same rows, contract columns
    + ``secret`` + ``motif_secret``) on an open DuckDB connection; returns the row count.

    ``methode``: ``groupes`` (the group rule of this module) or ``optimiseur`` (the LP optimiser
    of ``pipelines.secret.protection``, over every equation an outsider can write). The method is
    recorded in ``publication.methode_secret``: the audit needs to know whether zeros may be
    hidden (only the optimiser hides them). ``regle``: the optimiser's ``RegleProtection``
    (default: its defaults)."""
    _verifier_seuil(seuil)
    if methode not in METHODES:
        raise ValueError(f"Méthode de secret inconnue : {methode!r} (attendu : {', '.join(METHODES)}).")
    try:
        hierarchie = con.sql(
            "select code_agence, code_bassin, code_departement, code_region from intermediate.int_territoires__agences"
        ).pl()
    except Exception:  # noqa: BLE001 - a warehouse without the model: the referential seeds
        hierarchie = hierarchie_referentiel()
    con.execute("create schema if not exists publication")
    con.execute(
        "create or replace table publication.methode_secret as select ? as methode, ? as zeros_masques, ? as seuil",
        [methode, methode == "optimiseur", seuil],
    )
    if methode == "optimiseur":
        from pipelines.secret.protection import proteger

        # every indicator at once: identities and stock-flow tie indicators together
        cells = _cellules(con)
        protegee, bilan = proteger(cells, hierarchie, seuil, regle, journal=journal)
        _ecrire_certificats(con, cells, bilan)
        _ecrire_plan(con, bilan.plan)
        _ecrire_vue(con, protegee.with_columns(
            pl.when(pl.col("secret")).then(None).otherwise(pl.col(col)).cast(cells.schema[col]).alias(col)
            for col in ("numerateur", "denominateur", "valeur")
        ).select(COLONNES_PUBLICATION), remplacer=True)
    else:
        # The group rule's equations never leave an indicator (modalities and territories of one
        # indicator and period; quarters and 12 months from its months): one indicator at a
        # time gives the same view, and the memory of the largest indicator, not of all (at
        # 300,000 persons over France, 18 million cells took the process past 24 GB at once).
        indicateurs = [i for (i,) in con.execute("select distinct indicateur from marts.indicateurs order by 1").fetchall()]
        for k, indicateur in enumerate(indicateurs or [None]):
            cells = _cellules(con, indicateur)
            _ecrire_vue(con, appliquer_secret(cells, seuil, hierarchie).select(COLONNES_PUBLICATION), remplacer=k == 0)
        _ecrire_certificats(con, None, None)
        _ecrire_plan(con, None)
    (lignes,) = con.execute("select count(*) from publication.indicateurs").fetchall()[0]
    (attendu,) = con.execute("select count(*) from marts.indicateurs").fetchall()[0]
    if lignes != attendu:
        raise RuntimeError(f"Vue publiée incomplète : {lignes} lignes pour {attendu} dans marts.indicateurs.")
    return lignes
