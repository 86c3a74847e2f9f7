"""« Note d'évaluation » of the MSA experiment, a French PDF (``socle rapport --edition
evaluation-msa``): for each indicator and model, the difference-in-differences estimate against
the witness agencies with its interval, minimum detectable effect, agencies and people behind it,
the pre-trend test, a plain-French reading and the event study (:mod:`pipelines.evaluation`).

Two views: ``interne`` (the agencies' cells before secret, for the national and regional
directions) or ``publiee`` (the published view; secret cells are left out, which the note says).
Same quality gate as the CSE reports: nothing is produced from a blocked publication.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from pipelines.core import formats as fmt
from pipelines.core import lecture
from pipelines.evaluation import did
from pipelines.evaluation import panel as pn
from pipelines.rapports import graphiques
from pipelines.rapports.erreurs import RapportError
from pipelines.rapports.qualite import lire_etat_qualite, verifier_qualite

EDITION = "evaluation-msa"
VUES = {"publiee": "vue publiée (après secret statistique)", "interne": "vue interne (directions nationale et régionales)"}
NOMS_MODELES = pn.NOMS_MODELES


@dataclass(frozen=True)
class NoteProduite:
    pdf: bytes
    perimetre: str  # « 76 » or « national »
    vue: str
    date_arrete: date | None

    @property
    def nom_fichier(self) -> str:
        return f"socle-evaluation-msa-{self.perimetre}-{self.vue}.pdf"


def _libelle_effectif(x: float, indicateur: str) -> str:
    return f"{fmt.format_nombre(x)} {pn.unite_effectif(indicateur)}"


def _ligne(e: did.Estimation, dico) -> dict:
    return {
        "indicateur": fmt.libelle_indicateur(e.indicateur, dico, avec_numero=True),
        "modele": pn.NOMS_COURTS[e.modele],
        "effet": fmt.format_evolution(e.effet, e.unite),
        "intervalle": fmt.VIDE if e.ic_bas is None else
        f"{fmt.format_evolution(e.ic_bas, e.unite)} à {fmt.format_evolution(e.ic_haut, e.unite)}",
        "mde": fmt.VIDE if e.ecart_detectable is None else fmt.format_evolution(abs(e.ecart_detectable), e.unite).lstrip("+"),
        "agences": f"{e.agences_traitees} / {e.agences_temoins}",
        "effectif": fmt.VIDE if e.effet is None else _libelle_effectif(e.effectif_traite, e.indicateur),
        "tendances": fmt.VIDE if e.p_tendances is None else fmt.format_nombre(e.p_tendances, 2),
        "conclusion": "pas d'estimation" if e.effet is None else
        ("écart établi" if e.significatif else "pas de conclusion possible"),
        "etabli": e.significatif,
    }


def construire(cellules: pl.DataFrame, experimentations: pl.DataFrame, agences: pl.DataFrame,
               regions: list[str] | None, dico: dict | None) -> dict:
    """Everything the note prints (pure: tested on hand-made cells)."""
    groupes = pn.groupes_agences(experimentations, agences.select("code_agence", "code_region"), regions)
    debut = pn.debut(groupes)
    if debut is None:
        raise RapportError("Aucune agence de l'expérimentation MSA dans ce périmètre : rien à évaluer.")
    panel = pn.panel(cellules, groupes)
    estimations = did.estimer_tout(panel, debut, pn.INDICATEURS, pn.MODELES)
    sections = []
    for indicateur in pn.INDICATEURS:
        propres = [e for e in estimations if e.indicateur == indicateur]
        p = panel.filter(pl.col("indicateur") == indicateur)
        effets = []
        for modele in pn.MODELES:
            if p.height:
                for r in did.etude_evenement(p, debut, modele).to_dicts():
                    effets.append(r | {"serie": pn.NOMS_COURTS[modele]})
        unite = propres[0].unite
        sections.append({
            "titre": fmt.libelle_indicateur(indicateur, dico, avec_numero=True),
            "definition": fmt.definition_indicateur(indicateur, dico),
            "lectures": [did.lecture(e, NOMS_MODELES[e.modele]) for e in propres],
            "graphique": graphiques.etude_evenement(effets, unite, titre="Écart au témoin, mois par mois"),
        })
    libelles = dict(zip(agences["code_agence"], agences["libelle_agence"])) if "libelle_agence" in agences.columns else {}
    composition = []
    for groupe, nom in (*((m, NOMS_MODELES[m]) for m in pn.MODELES), (pn.TEMOIN, "agences témoins")):
        codes = groupes.filter(pl.col("groupe") == groupe)["code_agence"].to_list()
        composition.append({"groupe": nom, "nombre": len(codes),
                            "agences": ", ".join(f"{libelles.get(c) or c} ({c})" for c in codes)})
    exclues = pn.agences_exclues(experimentations, groupes, agences.select("code_agence", "code_region"))
    mois = panel["periode"]
    return {
        "debut": fmt.format_mois_long(debut),
        "premier_mois": fmt.format_mois(mois.min()) if panel.height else fmt.VIDE,
        "dernier_mois": fmt.format_mois(mois.max()) if panel.height else fmt.VIDE,
        "synthese": [_ligne(e, dico) for e in estimations],
        "sections": sections,
        "composition": composition,
        "exclues": [f"{libelles.get(r['code_agence']) or r['code_agence']} ({r['code_agence']}) : {r['experimentation']}"
                    for r in exclues.to_dicts()],
    }


def produire_note(warehouse: Path, region: str | None = None, vue: str = "publiee") -> NoteProduite:
    """The note of ``region`` (None: every region of the experiment) on the chosen view."""
    from pipelines.rapports import rendu

    if vue not in VUES:
        raise RapportError(f"Vue inconnue : {vue!r} (publiee ou interne).")
    warehouse = Path(warehouse)
    if not warehouse.exists():
        raise RapportError(f"Aucun entrepôt publié en {warehouse} : lancez d'abord « socle construire ».")
    try:
        con = lecture.connexion(warehouse)
    except lecture.EntrepotIndisponible as exc:
        raise RapportError(f"Entrepôt illisible ({warehouse}) : {exc}") from None
    try:
        qualite = lire_etat_qualite(con)
        verifier_qualite(qualite, "Note d'évaluation de l'expérimentation MSA")
        agences = con.sql("select code_agence, libelle_agence, code_region from referentiel.agences").pl()
        if region is not None and region not in set(agences["code_region"].to_list()):
            raise RapportError(f"Région inconnue du référentiel des agences : {region!r}.")
        experimentations = con.sql(
            "select code_agence, experimentation, modalite, date_debut from referentiel.experimentations").pl()
        cellules = lecture.cellules(con, publie=vue == "publiee", indicateurs=list(pn.INDICATEURS),
                                    niveaux=["AGENCE"], types_periode=["mois"])
        dico_df = lecture.dictionnaire(con)
        arrete = lecture.date_arrete(con)
        libelle = "France (régions de l'expérimentation)" if region is None else con.execute(
            "select any_value(libelle_region) from referentiel.regions where code_region = ?", [region]).fetchone()[0]
    finally:
        con.close()
    dico = {r["indicateur"]: r for r in dico_df.to_dicts()} if dico_df is not None else None
    contenu = construire(cellules, experimentations, agences, None if region is None else [region], dico)
    html = rendu.rendre(
        "evaluation.html.j2", n=contenu, perimetre=libelle or region, vue=VUES[vue], interne=vue == "interne",
        date_arrete=fmt.format_date(arrete) if arrete else fmt.VIDE, qualite=qualite.libelle,
        cree_le=(arrete or date.today()).isoformat(),
    )
    return NoteProduite(rendu.pdf(html), region or "national", vue, arrete)
