"""The content of a report, built from the published data: formatted tables, charts, words.

Everything the template prints is decided here (the template only lays it out), so that what the
PDF says can be reasoned about — and tested — in one place. Every figure goes through
:func:`valeur`, i.e. the published cells and the aggregation rules of ``agregation``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from pipelines import equite
from pipelines.core.formats import (
    VIDE,
    format_date,
    format_mois,
    format_nombre,
    format_taux,
    format_valeur,
    libelle_dimension,
    libelle_territoire,
)
from pipelines.core.indicateurs import INDICATEURS
from pipelines.rapports import graphiques
from pipelines.rapports.agregation import DERNIER_MOIS, ENSEMBLE, STOCK, Valeur, nature, somme_modalites
from pipelines.rapports.donnees import Donnees
from pipelines.rapports.mise_en_forme import Affiche, afficher, afficher_evolution, libelle_modalite, ordonner_modalites
from pipelines.rapports.periodes import MENSUELLE, Periode, ajouter_mois
from pipelines.rapports.sections import (
    B5,
    COURTS,
    D2,
    D4,
    SANS_SANCTION,
    SECTIONS,
    SYNTHESE,
    Graphique,
    Repartition,
    Section,
)

REGION, DEPARTEMENT, AGENCE = "REGION", "DEPARTEMENT", "AGENCE"
#: Months of the trend charts, by edition (the period and the year before it, at least).
MOIS_TENDANCE = {MENSUELLE: 13, "trimestrielle": 15, "annuelle": 24}
VIDE_GRAPHIQUE = "Aucune valeur publiée à représenter sur la période (cellules secrètes ou absentes)."
VIDE_TABLEAU = "Aucune donnée publiée pour cette ventilation sur la période."


@dataclass
class Ligne:
    libelle: str
    cellules: list[Affiche]
    total: bool = False


@dataclass
class Tableau:
    titre: str
    entetes: list[str]
    lignes: list[Ligne]
    vide: str | None = None  # the empty state, in words, when there is no row to show


@dataclass
class Image:
    titre: str
    src: graphiques.Dessin | None  # the SVG chart (its data: URI once rendered); None: nothing to draw
    vide: str = VIDE_GRAPHIQUE
    demi: bool = False


@dataclass
class SectionRapport:
    ident: str
    titre: str
    intro: str
    tableaux: list[Tableau] = field(default_factory=list)
    graphiques: list[Image] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class LigneSynthese:
    numero: str
    libelle: str
    valeur: Affiche
    precedente: Affiche
    un_an: Affiche
    reference: str
    tendance: graphiques.Dessin | None


@dataclass
class Rapport:
    region: str
    libelle_region: str
    periode: Periode
    couverture: dict
    synthese: list[LigneSynthese]
    points: list[str]
    sections: list[SectionRapport]
    annexe: dict


# --------------------------------------------------------------------------- figures


def valeur(d: Donnees, indicateur: str, niveau: str, territoire: str, periode: Periode,
           dimension: str = ENSEMBLE, modalite: str = ENSEMBLE) -> Valeur:
    """A figure of the report for a period: published cells, aggregated, or the complement of D4."""
    if indicateur == SANS_SANCTION:
        v = d.cellules.valeur(D4, niveau, territoire, periode, dimension, modalite)
        if v.chiffre is None or not v.denominateur:
            return v
        sans = v.denominateur - (v.numerateur or 0.0)
        return Valeur("taux", valeur=sans / v.denominateur, numerateur=sans, denominateur=v.denominateur,
                      provisoire=v.provisoire)
    return d.cellules.valeur(indicateur, niveau, territoire, periode, dimension, modalite)


def _unite(d: Donnees, indicateur: str) -> str:
    return "taux" if indicateur == SANS_SANCTION else d.cellules.unite(indicateur)


def _numero(indicateur: str) -> str:
    return INDICATEURS.get(indicateur, "")


def _libelle(d: Donnees, indicateur: str) -> str:
    """The dictionary's label (``marts.dictionnaire``), else the short label of the tables."""
    if indicateur == SANS_SANCTION:
        return "Part des manquements sans sanction (complément de D4)"
    for ligne in d.dictionnaire:
        if ligne.get("indicateur") == indicateur and ligne.get("libelle"):
            return ligne["libelle"]
    return COURTS.get(indicateur, indicateur)


def entete(d: Donnees, indicateur: str) -> str:
    """A column header: number and short label; stocks and medians say which month they show
    when the period is longer than a month."""
    texte = f"{_numero(indicateur)} {COURTS.get(indicateur, indicateur)}".strip()
    if indicateur == SANS_SANCTION:
        return f"{texte} (complément de D4)"
    if d.periode.edition != MENSUELLE:
        sorte = nature(indicateur, _unite(d, indicateur))
        if sorte == STOCK:
            texte += f" (fin {format_mois(d.periode.dernier_mois)})"
        elif sorte == DERNIER_MOIS:
            texte += f" ({format_mois(d.periode.dernier_mois)})"
    return texte


def _modalite(d: Donnees, dimension: str, code: str) -> str:
    return libelle_modalite(dimension, code, d.libelles_codes)


def _modalites(d: Donnees, indicateur: str, dimension: str) -> list[str]:
    """Modalities of a breakdown at the region level, in the order of their code list."""
    return ordonner_modalites(dimension, d.cellules.modalites(indicateur, REGION, d.region, dimension), d.libelles_codes)


def mois_tendance(d: Donnees) -> list[date]:
    n = MOIS_TENDANCE[d.periode.edition]
    mois = [ajouter_mois(d.periode.dernier_mois, -k) for k in range(n - 1, -1, -1)]
    return [m for m in mois if d.premier_mois is None or m >= d.premier_mois]


def _points(d: Donnees, indicateur: str, dimension: str = ENSEMBLE, modalite: str = ENSEMBLE):
    return [(m, v.chiffre, v.provisoire)
            for m, v in d.cellules.serie(indicateur, REGION, d.region, mois_tendance(d), dimension, modalite)]


# --------------------------------------------------------------------------- tables


def _lignes_departements(d: Donnees, colonnes: list[tuple[str, str, str]]) -> list[Ligne]:
    """A row per département of the region, then the region; ``colonnes``: (indicateur,
    dimension, modalite)."""
    territoires = [(DEPARTEMENT, code, libelle_territoire(DEPARTEMENT, code, libelle), False)
                   for code, libelle in d.departements]
    territoires.append((REGION, d.region, d.libelle_region, True))
    return [
        Ligne(libelle, [afficher(valeur(d, ind, niveau, code, d.periode, dim, mod)) for ind, dim, mod in colonnes], total)
        for niveau, code, libelle, total in territoires
    ]


def tableau_departements(d: Donnees, indicateurs: tuple[str, ...]) -> Tableau:
    return Tableau(
        f"Par département — {d.periode.libelle}",
        ["Territoire", *(entete(d, i) for i in indicateurs)],
        _lignes_departements(d, [(i, ENSEMBLE, ENSEMBLE) for i in indicateurs]),
    )


def tableau_departements_modalites(d: Donnees, indicateur: str, dimension: str) -> Tableau:
    modalites = _modalites(d, indicateur, dimension)
    titre = f"{entete(d, indicateur)} par département et {libelle_dimension(dimension).lower()}"
    if not modalites:
        return Tableau(titre, [], [], vide=VIDE_TABLEAU)
    return Tableau(
        titre,
        ["Territoire", *(_modalite(d, dimension, m) for m in modalites)],
        _lignes_departements(d, [(indicateur, dimension, m) for m in modalites]),
    )


def tableau_repartition(d: Donnees, rep: Repartition) -> Tableau:
    """One breakdown at the region level (codes seen in any month read, so a modality without a
    cell this period reads « – » rather than disappearing)."""
    # The modalities are those of the first real indicator (D4 for its complement).
    modalites = _modalites(d, next((i for i in rep.indicateurs if i != SANS_SANCTION), D4), rep.dimension)
    if not modalites:
        return Tableau(rep.titre, [], [], vide=VIDE_TABLEAU)
    if rep.transposee:
        return Tableau(rep.titre, ["Indicateur", *(_modalite(d, rep.dimension, m) for m in modalites)], [
            Ligne(entete(d, i), [afficher(valeur(d, i, REGION, d.region, d.periode, rep.dimension, m)) for m in modalites])
            for i in rep.indicateurs
        ])
    lignes = [
        Ligne(_modalite(d, rep.dimension, m),
              [afficher(valeur(d, i, REGION, d.region, d.periode, rep.dimension, m)) for i in rep.indicateurs])
        for m in modalites
    ]
    lignes.append(Ligne("Ensemble", [afficher(valeur(d, i, REGION, d.region, d.periode)) for i in rep.indicateurs], True))
    return Tableau(rep.titre, ["Modalité", *(entete(d, i) for i in rep.indicateurs)], lignes)


# --------------------------------------------------------------------------- references


def references(d: Donnees, indicateur: str, dimension: str = ENSEMBLE) -> list[dict]:
    """Reference values of an indicator and breakdown: the region's own when there are, else
    the national ones; the latest year of each modality."""
    lignes = [r for r in d.references if r.get("indicateur") == indicateur and (r.get("dimension") or ENSEMBLE) == dimension]
    propres = [r for r in lignes if r.get("territoire") == d.region]
    choisies = propres or [r for r in lignes if r.get("territoire") == "FR"]
    dernieres: dict[str, dict] = {}
    for r in sorted(choisies, key=lambda r: r.get("annee") or 0):
        dernieres[r["modalite"]] = r
    return list(dernieres.values())


def texte_reference(r: dict | None) -> str:
    if not r:
        return VIDE
    ou = "national" if r.get("territoire") == "FR" else "régional"
    return f"{format_taux(r['valeur'], 0)} ({ou}, {r.get('annee')})"


def repartition_b5(d: Donnees, periode: Periode) -> list[tuple[str, Valeur, dict | None]]:
    """B5 by operator against the reference values: one row per reference modality (a group of
    operators published together, ``CD|CAP_EMPLOI``, is summed), then the operators left."""
    refs = references(d, B5, "operateur_retenu")
    total = valeur(d, B5, REGION, d.region, periode)
    lignes, vus = [], set()
    for r in refs:
        codes = r["modalite"].split("|")
        vus.update(codes)
        parts = [valeur(d, B5, REGION, d.region, periode, "operateur_retenu", c) for c in codes]
        v = parts[0] if len(parts) == 1 else somme_modalites(parts, total)
        lignes.append((" et ".join(_modalite(d, "operateur_retenu", c) for c in codes), v, r))
    for code in _modalites(d, B5, "operateur_retenu"):
        if code not in vus:
            lignes.append((_modalite(d, "operateur_retenu", code),
                           valeur(d, B5, REGION, d.region, periode, "operateur_retenu", code), None))
    return lignes


# --------------------------------------------------------------------------- charts


def _tendance(d: Donnees, g: Graphique) -> Image:
    unite = _unite(d, g.indicateurs[0])
    series = {f"{_numero(i)} {COURTS.get(i, i)}": _points(d, i) for i in g.indicateurs}
    # Beyond 13 months (quarterly and yearly editions) a half-width axis cannot hold the labels.
    demi = g.demi and len(mois_tendance(d)) <= MOIS_TENDANCE[MENSUELLE]
    largeur = graphiques.LARGEUR_DEMI if demi else graphiques.LARGEUR_PLEINE
    return Image(g.titre, graphiques.courbes(series, unite, largeur=largeur), demi=demi)


def _barres(d: Donnees, g: Graphique) -> Image:
    i = g.indicateurs[0]
    lignes = []
    for m in _modalites(d, i, g.dimension):
        v = valeur(d, i, REGION, d.region, d.periode, g.dimension, m)
        lignes.append({"libelle": _modalite(d, g.dimension, m), "valeur": v.chiffre, "secret": v.secret})
    largeur = graphiques.LARGEUR_DEMI if g.demi else graphiques.LARGEUR_PLEINE
    return Image(g.titre, graphiques.barres(lignes, _unite(d, i), largeur=largeur), demi=g.demi)


def _reference(d: Donnees, g: Graphique) -> Image:
    lignes = [{"libelle": libelle, "valeur": v.chiffre, "secret": v.secret, "reference": r["valeur"] if r else None}
              for libelle, v, r in repartition_b5(d, d.periode)]
    return Image(g.titre, graphiques.barres(lignes, "taux", reference=True), demi=g.demi)


def _groupes(d: Donnees, g: Graphique) -> Image:
    lignes = []
    for i in g.indicateurs:
        for m in _modalites(d, i, g.dimension):
            v = valeur(d, i, REGION, d.region, d.periode, g.dimension, m)
            lignes.append({"libelle": f"{_numero(i)} {COURTS.get(i, i)}", "groupe": _modalite(d, g.dimension, m),
                           "valeur": v.chiffre, "secret": v.secret})
    return Image(g.titre, graphiques.barres_groupees(lignes, "taux"), demi=g.demi)


@dataclass
class Entonnoir:
    image: Image
    tableau: Tableau | None
    notes: list[str]
    hors_limites: int = 0


def entonnoir(d: Donnees, titre: str) -> Entonnoir:
    """The funnel plot of D2 by agency around the regional rate (``pipelines.equite``). Only
    agencies with a published figure for the whole period are placed: every month published, or
    the view's total of the period (12-month or quarter cell, see ``agregation.Cellules``)."""
    regional = valeur(d, D2, REGION, d.region, d.periode)
    if regional.chiffre is None:
        cause = "secret" if regional.secret else "absent"
        return Entonnoir(Image(titre, None, vide=f"Taux régional de sanction {cause} sur la période : pas d'entonnoir."), None, [])
    unites, secretes, sans_controle = [], 0, 0
    for code, libelle in sorted(d.agences.items(), key=lambda kv: kv[1]):
        v = valeur(d, D2, AGENCE, code, d.periode)
        if v.secret:
            secretes += 1
        elif v.chiffre is None or not v.denominateur:
            sans_controle += 1
        else:
            unites.append({"code": code, "libelle": libelle, "numerateur": v.numerateur, "denominateur": v.denominateur})
    notes = [
        f"{len(unites)} agence(s) placée(s) sur {len(d.agences)} ; {secretes} couverte(s) par le secret statistique "
        "sur la période (un mois secret, sans total de la période publié : cumul 12 mois ou trimestre) ; "
        f"{sans_controle} sans contrôle publié.",
        f"Les limites sont celles d'un taux de {format_taux(regional.chiffre)} (taux régional) pour le nombre de "
        "contrôles de l'agence : une agence hors de la limite à 99,8 % a très peu de chances de s'en écarter "
        "par le seul hasard. C'est une invitation à regarder ses pratiques, pas un verdict.",
    ]
    if not unites:
        return Entonnoir(Image(titre, None, vide=(
            "Aucune agence de la région n'a de taux de sanction publiable sur la période : toutes les cellules "
            "par agence sont couvertes par le secret statistique ou vides.")), None, notes)
    places = equite.positionner(pl.DataFrame(unites), regional.chiffre)
    volumes = places["denominateur"]
    limites = equite.courbes(regional.chiffre, max(1.0, volumes.min() * 0.8), volumes.max() * 1.25).to_dicts()
    points = [{"volume": r["denominateur"], "taux": r["taux"], "position": r["position"]} for r in places.iter_rows(named=True)]
    hors = places.filter(pl.col("position").is_in(list(equite.HORS_LIMITES))).sort("taux", descending=True)
    tableau = None
    if hors.height:
        tableau = Tableau("Agences hors des limites à 95 %", ["Agence", "Contrôles décidés", "Taux de sanction", "Position"], [
            Ligne(r["libelle"], [Affiche(format_nombre(r["denominateur"])), Affiche(format_taux(r["taux"])),
                                 Affiche(r["position"])])
            for r in hors.iter_rows(named=True)
        ])
    return Entonnoir(Image(titre, graphiques.entonnoir(points, limites, regional.chiffre)), tableau, notes,
                     hors_limites=hors.filter(pl.col("position").str.contains("99,8")).height)


_GRAPHIQUES = {"tendance": _tendance, "barres": _barres, "reference": _reference, "groupes": _groupes}


# --------------------------------------------------------------------------- sections


def construire_section(d: Donnees, s: Section) -> tuple[SectionRapport, Entonnoir | None]:
    section = SectionRapport(s.ident, s.titre, s.intro, notes=list(s.notes))
    if s.departements:
        section.tableaux.append(tableau_departements(d, s.departements))
    section.tableaux += [tableau_departements_modalites(d, i, dim) for i, dim in s.departements_modalites]
    section.tableaux += [tableau_repartition(d, r) for r in s.repartitions]
    funnel = None
    for g in s.graphiques:
        if g.sorte == "entonnoir":
            funnel = entonnoir(d, g.titre)
            section.graphiques.append(funnel.image)
            if funnel.tableau:
                section.tableaux.append(funnel.tableau)
            section.notes += funnel.notes
        else:
            section.graphiques.append(_GRAPHIQUES[g.sorte](d, g))
    return section, funnel


# --------------------------------------------------------------------------- summary


def ligne_synthese(d: Donnees, numero: str, libelle: str, calcul, unite: str, ref: dict | None,
                   tendance: str | None) -> LigneSynthese:
    p = d.periode
    actuelle, precedente, un_an = calcul(p), calcul(p.precedente), calcul(p.un_an_avant)
    return LigneSynthese(numero, libelle, afficher(actuelle), afficher_evolution(actuelle, precedente),
                         afficher_evolution(actuelle, un_an), texte_reference(ref), tendance)


def synthese(d: Donnees) -> list[LigneSynthese]:
    lignes = []
    for i in SYNTHESE:
        if i == B5:
            for libelle, _v, r in repartition_b5(d, d.periode):
                def calcul(p, libelle=libelle):
                    return next(v for lib, v, _ in repartition_b5(d, p) if lib == libelle)
                codes = r["modalite"].split("|") if r else None
                points = _points(d, B5, "operateur_retenu", codes[0]) if codes and len(codes) == 1 else None
                lignes.append(ligne_synthese(
                    d, _numero(B5), f"Orientations vers {libelle}", calcul, "taux", r,
                    graphiques.sparkline(points, "taux") if points else None))
            continue
        refs = references(d, i)
        ref = next((r for r in refs if r["modalite"] == ENSEMBLE), None)
        lignes.append(ligne_synthese(
            d, _numero(i), _libelle(d, i), lambda p, i=i: valeur(d, i, REGION, d.region, p), _unite(d, i), ref,
            graphiques.sparkline(_points(d, i), _unite(d, i))))
    return lignes


def points_attention(d: Donnees, funnel: Entonnoir | None) -> list[str]:
    """A few facts worth a sentence at the meeting, in words."""
    points = []
    for libelle, v, r in repartition_b5(d, d.periode):
        if r and v.chiffre is not None and abs(v.chiffre - r["valeur"]) >= 0.05:
            sens = "au-dessus" if v.chiffre > r["valeur"] else "en dessous"
            points.append(f"Orientations vers {libelle} : {format_taux(v.chiffre)}, nettement {sens} de la "
                          f"valeur de référence ({texte_reference(r)}).")
    if funnel and funnel.hors_limites:
        points.append(f"Contrôle : {funnel.hors_limites} agence(s) hors de la limite à 99,8 % de l'entonnoir "
                      "des taux de sanction (voir la section Contrôle).")
    provisoires = indicateurs_provisoires(d)
    if provisoires:
        points.append("Valeurs provisoires (fenêtre d'observation non close à la date d'arrêté) : "
                      + ", ".join(provisoires) + ".")
    if d.qualite.avertissements:
        points.append(f"Qualité : la publication porte {d.qualite.avertissements} avertissement(s), sans contrôle "
                      "bloquant (détail en annexe).")
    manquants = [m for m in d.periode.mois if m not in d.mois_couverts]
    if manquants:
        points.append("Période incomplète : pas de donnée publiée pour " + ", ".join(format_mois(m) for m in manquants) + ".")
    return points


# --------------------------------------------------------------------------- annex


def _indicateurs_du_rapport() -> list[str]:
    vus: list[str] = []
    for s in SECTIONS:
        for i in (*s.departements, *(i for i, _ in s.departements_modalites),
                  *(i for r in s.repartitions for i in r.indicateurs)):
            if i not in vus and i in INDICATEURS:
                vus.append(i)
    return sorted(vus, key=lambda i: (INDICATEURS[i][0], int(INDICATEURS[i][1:])))


def indicateurs_provisoires(d: Donnees) -> list[str]:
    """Indicators of the report with a provisional cell for the region in the period."""
    return [INDICATEURS[i] for i in _indicateurs_du_rapport()
            if any(c is not None and c.provisoire for c in
                   (d.cellules.cellule(i, REGION, d.region, m) for m in d.periode.mois))]


def annexe(d: Donnees) -> dict:
    par_code = {ligne["indicateur"]: ligne for ligne in d.dictionnaire}
    definitions = []
    for i in _indicateurs_du_rapport():
        ligne = par_code.get(i, {})
        definitions.append({
            "numero": INDICATEURS[i], "libelle": _libelle(d, i),
            "definition": ligne.get("definition"), "population": ligne.get("population"),
            "fenetre": ligne.get("fenetre"),
        })
    sources = sorted({s.strip() for ligne in d.dictionnaire for s in (ligne.get("exports_sources") or "").split(",") if s.strip()})
    utilisees = [r for i in (*SYNTHESE, D4) for dim in (ENSEMBLE, "operateur_retenu") for r in references(d, i, dim)]
    publication = d.publication or {}
    return {
        "dictionnaire_present": d.dictionnaire_present,
        "definitions": definitions,
        "seuil": d.seuil_secret,
        "provisoires": indicateurs_provisoires(d),
        "sources": sources,
        "references": [{"indicateur": INDICATEURS.get(r["indicateur"], r["indicateur"]),
                        "modalite": " et ".join(_modalite(d, r.get("dimension") or ENSEMBLE, c) for c in r["modalite"].split("|")),
                        "valeur": format_valeur(r["valeur"], "taux"), "source": r.get("source"),
                        "annee": r.get("annee"), "commentaire": r.get("commentaire")} for r in utilisees],
        "version": publication.get("id"),
        "publiee_le": format_date(publication["horodatage"]) if publication.get("horodatage") else None,
        "date_arrete": format_date(d.date_arrete) if d.date_arrete else VIDE,
        "mensuelle": d.periode.edition == MENSUELLE,
    }


# --------------------------------------------------------------------------- the report


def construire(d: Donnees) -> Rapport:
    sections, funnel = [], None
    for s in SECTIONS:
        section, f = construire_section(d, s)
        sections.append(section)
        funnel = funnel or f
    p = d.periode
    couverture = {
        "periode": p.libelle,
        "edition": p.edition,
        "date_arrete": format_date(d.date_arrete) if d.date_arrete else VIDE,
        "qualite": d.qualite.libelle,
        "version": (d.publication or {}).get("id"),
        "precedente": p.precedente.libelle,
        "un_an": p.un_an_avant.libelle,
        "mois": f"{format_mois(p.debut)} à {format_mois(p.dernier_mois)}" if p.duree > 1 else format_mois(p.debut),
    }
    return Rapport(d.region, d.libelle_region, p, couverture, synthese(d), points_attention(d, funnel),
                   sections, annexe(d))

