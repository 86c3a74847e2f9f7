"""The export contract (``shared/contract/exports.md``), described once, in code.

The synthetic generator writes from this description, ingestion validates with it, the quality
suites and the dbt sources are checked against it. Nothing else in the project lists the columns
of an export: import them from here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

# ---------------------------------------------------------------------------------------------
# Shared code lists
# ---------------------------------------------------------------------------------------------

OPERATEUR = ("FT", "ML", "CAP_EMPLOI", "CD")
PARCOURS = ("EMPLOI", "SOCIO_PRO", "SOCIAL")
CATEGORIE = ("A", "B", "C", "D", "E", "F", "G")
ALLOCATION = ("ARE", "ASS", "RSA", "AAH", "CEJ", "AUCUNE")
SEXE = ("1", "2")
NIVEAU_FORMATION = ("0", "3", "4", "5", "6", "7", "8")

MOTIF_INSCRIPTION = tuple("123456789") + tuple("ABCDEFGHIJK")
MOTIF_FIN_INSCRIPTION = (
    "01", "02", "03", "04", "05", "06", "08", "09", "10", "11", "12", "13", "14", "15", "16",
)
CANAL_INSCRIPTION = ("EN_LIGNE", "AGENCE", "AUTOMATIQUE", "PARTENAIRE")
NATURE_ORIENTATION = ("INITIALE", "REORIENTATION")
MODE_ORIENTATION = ("EDO_TELEPHONE", "EDO_PRESENTIEL", "AUTOMATIQUE", "DECISION_CD")
MOTIF_REORIENTATION = ("DIAGNOSTIC", "CORDE_DE_RAPPEL", "DEMANDE_PERSONNE", "CHANGEMENT_SITUATION")
NATURE_DIAGNOSTIC = ("INITIAL", "ACTUALISATION")
FREINS = ("MOBILITE", "SANTE", "LOGEMENT", "GARDE_ENFANT", "AIDANT", "NUMERIQUE", "LANGUE", "FINANCIER")
TYPE_ENTRETIEN = ("EDO", "EDA", "DIAGNOSTIC_PARTAGE", "SUIVI")
STATUT_ENTRETIEN = ("PLANIFIE", "REALISE", "ABSENT", "ANNULE", "REPORTE")
MODALITE_CONTACT = ("TELEPHONE", "PRESENTIEL", "VISIO")
MODALITE_ACCOMPAGNEMENT = (
    "SUIVI", "GUIDE", "RENFORCE", "GLOBAL", "INTENSIF", "CEJ", "AIJ", "PRESTATAIRE", "AUTRE",
)
MOTIF_FIN_ACCOMPAGNEMENT = (
    "REPRISE_EMPLOI", "REORIENTATION", "FIN_DE_DUREE", "SORTIE_DES_LISTES", "ABANDON", "AUTRE",
)
NATURE_CONTRAT = (
    "01", "02", "03", "07", "08", "09", "10", "29", "32", "50", "60", "70", "80", "81", "82",
    "89", "90", "91", "92", "93", "CREA",
)
SOURCE_EMPLOI = ("DPAE", "DSN", "DECLARATION")
TYPE_MANQUEMENT = (
    "ABSENCE_RDV", "ABSENCE_FORMATION", "ABANDON_PRESTATION", "ABSENCE_ACTION",
    "NON_SIGNATURE_CE", "INSUFFISANCE_ACTES",
)
SUITE_MANQUEMENT = (
    "EN_COURS", "MOTIF_LEGITIME", "AVERTISSEMENT", "TRANSMIS_CRE", "SANCTION", "CLASSE_SANS_SUITE",
)
ORIGINE_CONTROLE = (
    "ALEATOIRE", "CIBLE_METIERS_EN_TENSION", "CIBLE_FIN_DE_FORMATION", "CIBLE_AUTRE",
    "SIGNALEMENT_AGENCE", "ALERTE_GL",
)
PROCEDURE_CONTROLE = ("SIMPLE", "CLASSIQUE")
ISSUE_CONTROLE = ("EN_COURS", "RECHERCHE_ACTIVE", "REDYNAMISATION", "SANCTION", "SANS_OBJET")
SANCTION = (
    "SUSPENSION_PARTIELLE", "SUSPENSION_TOTALE", "SUPPRESSION_PARTIELLE", "SUPPRESSION_TOTALE",
    "RADIATION",
)
RECOURS = ("AUCUN", "EN_COURS", "RAPO_ACCEPTE", "RAPO_REJETE")
SITUATION_ALERTE = ("DOSSIER_AGENT", "DOSSIER_EX_AGENT", "DOSSIER_ELU_CANDIDAT", "HORS_HORAIRES", "AUTRE")
ENTITES_NATIONALES = ("DG", "DSI", "PES")
EXAMEN_ALERTE = ("OBLIGATOIRE", "FACULTATIF")
CONCLUSION_ALERTE = ("NON_EXAMINEE", "EN_COURS", "AVEREE", "NON_AVEREE")
SUITE_ALERTE = ("RAPPEL_DES_REGLES", "COMPTE_RENDU", "PROCEDURE_DISCIPLINAIRE", "AUCUNE")
STATUT_AGENT = ("ACTIF", "PARTI")
NATURE_EXPOSITION = ("ELU", "CANDIDAT")

#: Columns that carry personal data and reject a whole file when present (the contract's list;
#: ``colonne_interdite`` also catches their variants).
FORBIDDEN_COLUMNS = ("nom", "prenom", "nir", "adresse", "email", "telephone", "commentaire")
#: Words that mark a column name as personal data anywhere in the name ("nom_naissance",
#: "AdresseMail"), accents and case ignored: long enough not to occur inside harmless words.
MOTS_INTERDITS = (
    "prenom", "naissance", "mail", "courriel", "telephone", "portable", "adresse", "iban",
    "commentaire", "observation", "securite_sociale", "secu", "patronyme",
)
#: Short words that are personal data only as a whole word of the name ("nir_personne", "tel"),
#: not inside another ("nombre", "hotel").
MOTS_INTERDITS_ENTIERS = ("nom", "nir", "tel", "rib", "bic", "nss")


def _mots(nom: str) -> tuple[str, str]:
    """A column name without accents, case or punctuation: as words joined by ``_``, and glued."""
    sans_accents = unicodedata.normalize("NFKD", nom).encode("ascii", "ignore").decode()
    # camelCase words apart first ("AdresseMail" -> "adresse_mail")
    sans_accents = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", sans_accents)
    mots = "_".join(m for m in re.split(r"[^a-z0-9]+", sans_accents.lower()) if m)
    return mots, mots.replace("_", "")


def colonne_interdite(nom: str, export: Export) -> str | None:
    """Why a delivered column not in ``export``'s contract carries personal data, else ``None``.

    The contract lists a few names; a source system renames them freely (``NOM_NAISSANCE``,
    ``AdresseMail``, ``nir_personne``), and an identifier may come in clear beside its pseudonym
    (``ID_PERSONNE_CLAIR``): the rule is a pattern on the words of the name.
    """
    mots, colle = _mots(nom)
    if mots in export.column_names:
        return None
    for mot in MOTS_INTERDITS:
        if mot.replace("_", "") in colle:
            return mot
    for mot in MOTS_INTERDITS_ENTIERS:
        if re.search(rf"(^|_){mot}(_|$)", mots):
            return mot
    for c in export.column_names:
        if c.startswith("id_") and c.replace("_", "") in colle:
            return f"identifiant en clair ({c})"
    return None

# ---------------------------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------------------------

#: Logical types of the contract, and the DuckDB type each is stored as in the raw layer.
DUCKDB_TYPES = {
    "string": "VARCHAR",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "integer": "BIGINT",
    "decimal": "DOUBLE",
    "boolean": "BOOLEAN",
}

# Pattern-based code checks that are not a finite list.
PATTERN_AGENCE = r"^[0-9A-Z]{5}$"  # SAFIR: five characters (all digits today)
PATTERN_COMMUNE = r"^([0-9]{5}|2[AB][0-9]{3})$"
PATTERN_HEURE = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
PATTERN_JOURS = r"^[1-7](,[1-7])*$"
PATTERN_CAMPAGNE = r"^([0-9]{4}-V[0-9]+|FLUX)$"
PATTERN_ETABLISSEMENT = r"^([0-9]{2,3}|DG|DSI|PES)$"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a key of DUCKDB_TYPES
    required: bool
    codes: tuple[str, ...] | None = None
    pattern: str | None = None
    #: codes separated by this character (multi-valued field such as ``freins``)
    multi_sep: str | None = None
    min_value: float | None = None
    max_value: float | None = None
    description: str = ""

    @property
    def pseudonymised(self) -> bool:
        return self.name in PSEUDONYMISED_COLUMNS

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type]


@dataclass(frozen=True)
class Export:
    name: str
    key: tuple[str, ...] | None
    columns: tuple[Column, ...]
    #: core exports are always delivered; optional ones only feed the alert rules
    core: bool = True
    description: str = ""
    #: the column dated as the event (used by the generator and volume checks)
    date_column: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name}: colonne inconnue {name!r}")


def _c(name, type_, required, codes=None, **kw) -> Column:
    return Column(name, type_, required, tuple(codes) if codes else None, **kw)


_MAJ = (_c("date_maj", "timestamp", True), _c("supprime", "boolean", True))

EXPORTS: dict[str, Export] = {}


def _export(name, key, columns, **kw) -> None:
    EXPORTS[name] = Export(name, key, tuple(columns), **kw)


_export("inscriptions", ("id_inscription",), [
    _c("id_inscription", "string", True),
    _c("id_personne", "string", True),
    _c("date_inscription", "date", True),
    _c("motif_inscription", "string", False, MOTIF_INSCRIPTION),
    _c("date_fin", "date", False),
    _c("motif_fin", "string", False, MOTIF_FIN_INSCRIPTION),
    _c("categorie", "string", True, CATEGORIE),
    _c("canal_inscription", "string", True, CANAL_INSCRIPTION),
    _c("code_agence", "string", True, pattern=PATTERN_AGENCE),
    _c("code_commune", "string", True, pattern=PATTERN_COMMUNE),
    _c("sexe", "string", True, SEXE),
    _c("annee_naissance", "integer", True, min_value=1900, max_value=2100),
    _c("niveau_formation", "string", False, NIVEAU_FORMATION),
    _c("allocation", "string", True, ALLOCATION),
    _c("rqth", "boolean", True),
    _c("qpv", "boolean", True),
    _c("zrr", "boolean", True),
    *_MAJ,
], description="Épisodes d'inscription", date_column="date_inscription")

_export("orientations", ("id_orientation",), [
    _c("id_orientation", "string", True),
    _c("id_personne", "string", True),
    _c("id_inscription", "string", True),
    _c("date_orientation", "date", True),
    _c("nature", "string", True, NATURE_ORIENTATION),
    _c("mode", "string", True, MODE_ORIENTATION),
    _c("operateur_propose", "string", False, OPERATEUR),
    _c("parcours_propose", "string", False, PARCOURS),
    _c("operateur_retenu", "string", True, OPERATEUR),
    _c("parcours_retenu", "string", True, PARCOURS),
    _c("motif_reorientation", "string", False, MOTIF_REORIENTATION),
    _c("code_agence", "string", True, pattern=PATTERN_AGENCE),
    *_MAJ,
], description="Décisions d'orientation", date_column="date_orientation")

_export("diagnostics", ("id_diagnostic",), [
    _c("id_diagnostic", "string", True),
    _c("id_personne", "string", True),
    _c("id_inscription", "string", True),
    _c("date_diagnostic", "date", True),
    _c("nature", "string", True, NATURE_DIAGNOSTIC),
    _c("operateur", "string", True, OPERATEUR),
    _c("freins", "string", False, FREINS, multi_sep="|"),
    _c("code_agence", "string", True, pattern=PATTERN_AGENCE),
    *_MAJ,
], description="Diagnostics", date_column="date_diagnostic")

_export("entretiens", ("id_entretien",), [
    _c("id_entretien", "string", True),
    _c("id_personne", "string", True),
    _c("id_inscription", "string", True),
    _c("type_entretien", "string", True, TYPE_ENTRETIEN),
    _c("date_entretien", "date", True),
    _c("statut", "string", True, STATUT_ENTRETIEN),
    _c("duree_minutes", "integer", False, min_value=0, max_value=600),
    _c("modalite_contact", "string", True, MODALITE_CONTACT),
    _c("operateur", "string", True, OPERATEUR),
    _c("code_agence", "string", True, pattern=PATTERN_AGENCE),
    _c("id_conseiller", "string", False),
    *_MAJ,
], description="Rendez-vous", date_column="date_entretien")

_export("accompagnements", ("id_accompagnement",), [
    _c("id_accompagnement", "string", True),
    _c("id_personne", "string", True),
    _c("id_inscription", "string", True),
    _c("operateur", "string", True, OPERATEUR),
    _c("parcours", "string", True, PARCOURS),
    _c("modalite", "string", True, MODALITE_ACCOMPAGNEMENT),
    _c("date_signature_ce", "date", False),
    _c("intensite_hebdo_heures", "decimal", False, min_value=0, max_value=70),
    _c("date_debut", "date", True),
    _c("date_fin", "date", False),
    _c("motif_fin", "string", False, MOTIF_FIN_ACCOMPAGNEMENT),
    _c("code_agence", "string", True, pattern=PATTERN_AGENCE),
    _c("id_conseiller", "string", False),
    *_MAJ,
], description="Accompagnements (parcours)", date_column="date_debut")

_export("emplois", ("id_emploi",), [
    _c("id_emploi", "string", True),
    _c("id_personne", "string", True),
    _c("date_debut", "date", True),
    _c("nature_contrat", "string", True, NATURE_CONTRAT),
    _c("date_fin_previsionnelle", "date", False),
    _c("duree_hebdo_heures", "decimal", False, min_value=0, max_value=70),
    _c("source", "string", True, SOURCE_EMPLOI),
    *_MAJ,
], description="Reprises d'emploi (DPAE / DSN)", date_column="date_debut")

_export("manquements", ("id_manquement",), [
    _c("id_manquement", "string", True),
    _c("id_personne", "string", True),
    _c("id_inscription", "string", True),
    _c("date_manquement", "date", True),
    _c("type_manquement", "string", True, TYPE_MANQUEMENT),
    _c("suite", "string", True, SUITE_MANQUEMENT),
    _c("date_suite", "date", False),
    _c("id_controle", "string", False),
    _c("code_agence", "string", True, pattern=PATTERN_AGENCE),
    *_MAJ,
], description="Manquements (gestion de la liste)", date_column="date_manquement")

_export("controles", ("id_controle",), [
    _c("id_controle", "string", True),
    _c("id_personne", "string", True),
    _c("id_inscription", "string", True),
    _c("date_ouverture", "date", True),
    _c("origine", "string", True, ORIGINE_CONTROLE),
    _c("procedure", "string", True, PROCEDURE_CONTROLE),
    _c("code_plateforme", "string", True),
    _c("date_avertissement", "date", False),
    _c("date_decision", "date", False),
    _c("issue", "string", True, ISSUE_CONTROLE),
    _c("sanction", "string", False, SANCTION),
    _c("sanction_taux", "integer", False, min_value=30, max_value=100),
    _c("sanction_duree_mois", "integer", False, min_value=1, max_value=12),
    _c("recours", "string", False, RECOURS),
    *_MAJ,
], description="Contrôles de la recherche d'emploi (CRE)", date_column="date_ouverture")

_export("alertes_finalite", ("id_alerte",), [
    _c("id_alerte", "string", True),
    _c("campagne", "string", True, pattern=PATTERN_CAMPAGNE),
    _c("situation", "string", True, SITUATION_ALERTE),
    _c("id_agent", "string", True),
    _c("code_etablissement", "string", True, pattern=PATTERN_ETABLISSEMENT),
    _c("code_agence", "string", False, pattern=PATTERN_AGENCE),
    _c("examen", "string", True, EXAMEN_ALERTE),
    _c("score_risque", "decimal", False, min_value=0, max_value=1),
    _c("nb_consultations", "integer", True, min_value=0),
    _c("date_alerte", "date", True),
    _c("date_entretien", "date", False),
    _c("conclusion", "string", True, CONCLUSION_ALERTE),
    _c("suite", "string", False, SUITE_ALERTE),
    _c("date_cloture", "date", False),
    *_MAJ,
], description="Alertes de détournement de finalité", date_column="date_alerte")

_export("consultations", None, [
    _c("horodatage", "timestamp", True),
    _c("id_agent", "string", True),
    _c("id_personne", "string", True),
    _c("application", "string", True),
    _c("code_site", "string", True),
], core=False, description="Journal des consultations de dossiers", date_column="horodatage")

_export("agents", ("id_agent",), [
    _c("id_agent", "string", True),
    _c("id_personne", "string", False),
    _c("code_site", "string", True),
    _c("code_etablissement", "string", True, pattern=PATTERN_ETABLISSEMENT),
    _c("statut", "string", True, STATUT_AGENT),
    _c("date_sortie", "date", False),
    _c("jours_travailles", "string", True, pattern=PATTERN_JOURS),
    _c("heure_debut", "string", True, pattern=PATTERN_HEURE),
    _c("heure_fin", "string", True, pattern=PATTERN_HEURE),
    *_MAJ,
], core=False, description="Agents France Travail")

_export("personnes_exposees", ("id_exposition",), [
    _c("id_exposition", "string", True),
    _c("id_personne", "string", True),
    _c("nature", "string", True, NATURE_EXPOSITION),
    _c("date_debut", "date", True),
    _c("date_fin", "date", False),
    *_MAJ,
], core=False, description="Personnes exposées (élus, candidats)", date_column="date_debut")

#: The nine core exports, in dependency order (episodes first).
CORE_EXPORTS = tuple(n for n, e in EXPORTS.items() if e.core)

#: Column names replaced by a keyed hash (HMAC-SHA-256) at ingestion: every identifier of the
#: contract, not only people's. A record's key can embed a person's number (``I`` + person number
#: + digit in the generator) and links records across exports: hashed with the same key, the
#: joins still hold.
PSEUDONYMISED_COLUMNS = tuple(dict.fromkeys(
    c.name for e in EXPORTS.values() for c in e.columns if c.name.startswith("id_")
))

#: Within one record, date pairs where the second may not precede the first.
DATE_ORDER_RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "inscriptions": (("date_inscription", "date_fin"),),
    "accompagnements": (("date_debut", "date_fin"),),
    "controles": (("date_ouverture", "date_decision"), ("date_ouverture", "date_avertissement")),
    "manquements": (("date_manquement", "date_suite"),),
    "alertes_finalite": (("date_alerte", "date_cloture"), ("date_alerte", "date_entretien")),
    "personnes_exposees": (("date_debut", "date_fin"),),
}

#: Earliest plausible date in any export (older dates are typing errors).
MIN_PLAUSIBLE_DATE = date(1990, 1, 1)

# ---------------------------------------------------------------------------------------------
# Delivery file names
# ---------------------------------------------------------------------------------------------

FILE_EXTENSIONS = ("csv", "csv.gz", "parquet")
_FILE_RE = re.compile(
    r"^(?P<export>[a-z_]+)_(?P<date>\d{8})(?:_(?P<seq>\d+))?\.(?P<ext>csv|csv\.gz|parquet)$"
)


@dataclass(frozen=True)
class DeliveryName:
    export: str
    date_extraction: date
    sequence: int
    extension: str


def parse_delivery_name(filename: str) -> DeliveryName:
    """Parse ``<export>_<YYYYMMDD>[_<n>].<ext>``; raise ``ValueError`` with a French message."""
    m = _FILE_RE.match(filename)
    if not m:
        raise ValueError(
            f"{filename}: nom de fichier non conforme (attendu <export>_<AAAAMMJJ>[_<n>].csv|csv.gz|parquet)"
        )
    export = m["export"]
    if export not in EXPORTS:
        raise ValueError(f"{filename}: export inconnu {export!r}")
    d = m["date"]
    try:
        extraction = date(int(d[:4]), int(d[4:6]), int(d[6:]))
    except ValueError as exc:
        raise ValueError(f"{filename}: date d'extraction invalide {d!r}") from exc
    return DeliveryName(export, extraction, int(m["seq"] or 0), m["ext"])


def delivery_name(export: str, extraction: date, sequence: int = 0, ext: str = "csv") -> str:
    seq = f"_{sequence}" if sequence else ""
    return f"{export}_{extraction:%Y%m%d}{seq}.{ext}"


# CSV dialect of the contract
CSV_SEPARATOR = ";"
DATE_FORMAT = "%Y-%m-%d"
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S"


def code_lists() -> list[tuple[str, str, str]]:
    """(export, column, code) for every finite code list of the contract (feeds a dbt seed)."""
    rows = []
    for export in EXPORTS.values():
        for col in export.columns:
            for code in col.codes or ():
                rows.append((export.name, col.name, code))
    return rows
