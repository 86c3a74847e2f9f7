"""Fixtures of the CSE report tests.

- ``entrepot_rapport``: a tiny hand-made warehouse (plain DuckDB, no dbt) where every figure is
  known: Occitanie (76) with two départements (31, 34) and five agencies, 18 months to June 2025,
  all 25 indicators, a few breakdowns, and **hidden cells whose internal value is distinctive**
  (4 321 entries, a 43,2 % sanction rate, a 37-day median, 7 and 6 entries) so that a leak would
  show in the PDF's text.
- ``pdf_texte`` / ``lignes_pdf``: the text of a PDF (pypdf), whitespace normalised.
- ``serveur_smtp``: a real SMTP server on localhost (aiosmtpd) keeping the messages it receives.
- ``artefacts``: where the tests leave what a human may want to look at (``SOCLE_ARTEFACTS``,
  default ``<repo>/artefacts``, subfolder ``rapports/``).
- WeasyPrint's system libraries and ``pdftoppm`` are installed with apt-get when missing (CI runs
  as root on Debian): only when a render or the command actually fails.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.core.indicateurs import INDICATEURS
from pipelines.core.settings import PROJECT_ROOT

REGION = "76"
DEPARTEMENTS = [("31", "Haute-Garonne"), ("34", "Hérault")]
AGENCES = [  # code, libellé, département, bassin
    ("31001", "Toulouse Centre", "31", "7601"),
    ("31002", "Muret", "31", "7601"),
    ("34001", "Montpellier Nord", "34", "7602"),
    ("34002", "Béziers", "34", "7602"),
    ("34003", "Sète", "34", "7602"),
]
PREMIER_MOIS = date(2024, 1, 1)
DERNIER_MOIS = date(2025, 6, 1)
DATE_ARRETE = date(2025, 7, 3)
OPERATEURS = ["FT", "ML", "CAP_EMPLOI", "CD"]
GROUPES = ["MSA_MODELE_1", "MSA_MODELE_2", "TEMOIN"]

STOCKS = {"demandeurs_fin_de_mois", "en_attente_diagnostic", "en_attente_parcours", "accompagnements_en_cours"}
MEDIANES = {"delai_inscription_diagnostic_median", "delai_controle_median", "delai_traitement_alerte_median"}
TAUX = {code for code in INDICATEURS if code.startswith(("taux_", "part_", "repartition_"))}


def mois_de(debut: date, fin: date) -> list[date]:
    out, m = [], debut
    while m <= fin:
        out.append(m)
        m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return out


MOIS = mois_de(PREMIER_MOIS, DERNIER_MOIS)


@dataclass
class Entrepot:
    """The hand-made warehouse and what the tests must know about it."""

    path: Path
    #: Hidden cells: (indicateur, niveau, territoire, periode) -> internal value, secret in the view.
    secrets: dict[tuple, float] = field(default_factory=dict)
    #: How each hidden value would read if it leaked.
    fuites: list[str] = field(default_factory=list)


def _cellule(ind: str, mois: date, niveau: str, terr: str, i_terr: int, i_mois: int,
             dim: str = "ensemble", mod: str = "ensemble", part: float = 1.0) -> tuple:
    """One cell of marts.indicateurs with a distinct, plausible value.

    Counts are 5 or 6 hundreds-sized figures far from the hidden ones; rates have numerators and
    denominators; medians are days between 12 and 30 (never 37)."""
    k = list(INDICATEURS).index(ind)
    prov = mois >= date(2025, 5, 1) and ind in MEDIANES | {"taux_retour_emploi_6m", "taux_retour_emploi_durable_6m"}
    if ind in MEDIANES:
        pop = 200.0 * (i_terr + 1) * part
        return (ind, mois, niveau, terr, dim, mod, pop * 0.8, pop, float(12 + (k + i_terr * 3 + i_mois) % 19),
                "jours", prov)
    if ind in TAUX:
        den = round((300 + 40 * k + 25 * i_mois) * (i_terr + 1) * part)
        num = round(den * (0.12 + 0.02 * ((k + i_terr + i_mois) % 9)))
        return (ind, mois, niveau, terr, dim, mod, float(num), float(den), num / den, "taux", prov)
    val = float(round((500 + 37 * k + 11 * i_mois) * (i_terr + 1) * part))
    return (ind, mois, niveau, terr, dim, mod, val, None, val, "nombre", prov)


def _lignes() -> list[tuple]:
    rows = []
    territoires = [("REGION", REGION, 2)] + [("DEPARTEMENT", c, i) for i, (c, _) in enumerate(DEPARTEMENTS)]
    for i_mois, mois in enumerate(MOIS):
        for ind in INDICATEURS:
            for niveau, terr, i_terr in territoires:
                if ind != "repartition_orientation":
                    rows.append(_cellule(ind, mois, niveau, terr, i_terr, i_mois))
        for niveau, terr, i_terr in territoires:
            # B5 is B4 by operator over all of B4 (same orientations).
            b4 = _cellule("orientations_initiales", mois, niveau, terr, i_terr, i_mois)[8]
            rows.append(("repartition_orientation", mois, niveau, terr, "ensemble", "ensemble", b4, b4, 1.0, "taux", False))
            for j, op in enumerate(OPERATEURS):
                n = float(round(b4 * (0.70, 0.18, 0.05, 0.07)[j]))
                rows.append(("orientations_initiales", mois, niveau, terr, "operateur_retenu", op, n, None, n, "nombre", False))
                rows.append(("repartition_orientation", mois, niveau, terr, "operateur_retenu", op, n, b4, n / b4, "taux", False))
            for j, g in enumerate(GROUPES):
                rows.append(_cellule("demandeurs_fin_de_mois", mois, niveau, terr, i_terr, i_mois,
                                     "groupe_experimentation", g, (0.1, 0.05, 0.85)[j]))
        for j, (agence, *_rest) in enumerate(AGENCES):
            # The funnel plot: 31001 sanctions far more than the region.
            den = 60.0 + 10 * j
            num = round(den * (0.6 if agence == "31001" else 0.17))
            rows.append(("taux_sanction_cre", mois, "AGENCE", agence, "ensemble", "ensemble", float(num), den,
                         num / den, "taux", False))
    return rows


#: Hidden cells: key -> (internal numerateur, denominateur, valeur). Each pair of départements is
#: hidden together (secondary secret), the region stays published.
SECRETS: dict[tuple, tuple] = {
    ("entrees", "DEPARTEMENT", "31", DERNIER_MOIS): (4321.0, None, 4321.0),
    ("entrees", "DEPARTEMENT", "34", DERNIER_MOIS): (7.0, None, 7.0),
    ("taux_sanction_cre", "DEPARTEMENT", "34", DERNIER_MOIS): (16.0, 37.0, 16 / 37),
    ("taux_sanction_cre", "DEPARTEMENT", "31", DERNIER_MOIS): (9.0, 40.0, 9 / 40),
    ("delai_inscription_diagnostic_median", "DEPARTEMENT", "34", DERNIER_MOIS): (9.0, 10.0, 37.0),
    ("delai_inscription_diagnostic_median", "DEPARTEMENT", "31", DERNIER_MOIS): (8.0, 10.0, 33.0),
    # A secret month inside the second quarter: the quarter's sum must be « s ».
    ("orientations_initiales", "DEPARTEMENT", "34", date(2025, 5, 1)): (6.0, None, 6.0),
    ("orientations_initiales", "DEPARTEMENT", "31", date(2025, 5, 1)): (5.0, None, 5.0),
}
#: How the distinctive hidden values would read in the PDF if they leaked.
FUITES = ["4 321", "4321", "43,2 %", "37 j", "22,5 %", "33 j"]


def _lignes_plusieurs_mois() -> list[tuple]:
    """Quarters and 12-month totals as the warehouse has them beside the months (same columns,
    then type_periode), with values no month has: a report reads months and makes its own
    quarters, so none of these may change a figure."""
    rows = []
    territoires = [("REGION", REGION)] + [("DEPARTEMENT", c) for c, _ in DEPARTEMENTS]
    for type_periode, periode in (("trimestre", date(2025, 3, 1)), ("trimestre", DERNIER_MOIS),
                                  ("cumul_12_mois", DERNIER_MOIS)):
        for ind in INDICATEURS:
            for niveau, terr in territoires:
                if ind in MEDIANES:
                    rows.append((ind, periode, niveau, terr, "ensemble", "ensemble", 900.0, 1000.0, 99.0, "jours",
                                 False, type_periode))
                elif ind in TAUX:
                    rows.append((ind, periode, niveau, terr, "ensemble", "ensemble", 999.0, 1000.0, 0.999, "taux",
                                 False, type_periode))
                else:
                    rows.append((ind, periode, niveau, terr, "ensemble", "ensemble", 99_999.0, None, 99_999.0,
                                 "nombre", False, type_periode))
    return rows


def construire_entrepot(path: Path) -> Entrepot:
    rows = _lignes()
    index = {(r[0], r[2], r[3], r[1]): n for n, r in enumerate(rows) if r[4] == "ensemble"}
    for cle, (num, den, val) in SECRETS.items():
        r = rows[index[cle]]
        rows[index[cle]] = (*r[:6], num, den, val, *r[9:])
    con = duckdb.connect(str(path))
    try:
        for schema in ("marts", "publication", "referentiel", "qualite"):
            con.execute(f"create schema {schema}")
        con.execute("""create table marts.indicateurs (indicateur varchar, periode date, type_periode varchar,
            niveau varchar, territoire varchar, dimension varchar, modalite varchar, numerateur double,
            denominateur double, valeur double, unite varchar, provisoire boolean)""")
        con.executemany("""insert into marts.indicateurs (indicateur, periode, niveau, territoire, dimension, modalite,
            numerateur, denominateur, valeur, unite, provisoire, type_periode)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", [(*r, "mois") for r in rows] + _lignes_plusieurs_mois())
        con.execute("create table secrets (indicateur varchar, niveau varchar, territoire varchar, periode date)")
        con.executemany("insert into secrets values (?, ?, ?, ?)", list(SECRETS))
        # The published view as the disclosure control writes it: same rows, secret ones emptied.
        con.execute("""
            create table publication.indicateurs as
            select m.indicateur, m.periode, m.type_periode, m.niveau, m.territoire, m.dimension, m.modalite,
                   case when s.indicateur is null then m.numerateur end as numerateur,
                   case when s.indicateur is null then m.denominateur end as denominateur,
                   case when s.indicateur is null then m.valeur end as valeur,
                   m.unite, m.provisoire, s.indicateur is not null as secret,
                   case when s.indicateur is not null then 'secondaire_territoires' end as motif_secret
            from marts.indicateurs m
            left join secrets s on s.indicateur = m.indicateur and s.niveau = m.niveau
                 and s.territoire = m.territoire and s.periode = m.periode and m.dimension = 'ensemble'
                 and m.type_periode = 'mois'""")
        con.execute("drop table secrets")
        con.execute("create table marts.arrete (date_arrete date)")
        con.execute("insert into marts.arrete values (?)", [DATE_ARRETE])
        con.execute("""create table marts.dictionnaire (indicateur varchar, numero varchar, famille varchar,
            libelle varchar, unite varchar, statut varchar, definition varchar, population varchar, fenetre varchar,
            ventilations varchar, exports_sources varchar, territoire varchar, choix varchar)""")
        con.executemany("insert into marts.dictionnaire values (?, ?, ?, ?, ?, 'disponible', ?, ?, ?, '', ?, '', '')", [
            (code, num, num[0], f"Libellé du dictionnaire {num}", "taux" if code in TAUX else "nombre",
             f"Définition de {num} tirée du dictionnaire.", f"Population de {num}.", f"Fenêtre de {num}.",
             "inscriptions, controles")
            for code, num in INDICATEURS.items()])
        con.execute("create table referentiel.regions (code_region varchar, libelle_region varchar)")
        con.executemany("insert into referentiel.regions values (?, ?)", [("76", "Occitanie"), ("11", "Île-de-France")])
        con.execute("create table referentiel.departements (code_departement varchar, libelle_departement varchar, code_region varchar)")
        con.executemany("insert into referentiel.departements values (?, ?, '76')", DEPARTEMENTS)
        con.execute("""create table referentiel.agences (code_agence varchar, libelle_agence varchar,
            code_departement varchar, code_region varchar, code_ze2020 varchar)""")
        con.executemany("insert into referentiel.agences values (?, ?, ?, '76', ?)", AGENCES)
        con.execute("create table referentiel.listes_codes (export varchar, colonne varchar, code varchar, libelle varchar)")
        con.executemany("insert into referentiel.listes_codes values ('orientations', 'operateur_retenu', ?, ?)", [
            ("FT", "France Travail"), ("ML", "Mission Locale"), ("CAP_EMPLOI", "Cap emploi"), ("CD", "Conseil départemental")])
        con.execute("""create table referentiel.valeurs_reference (indicateur varchar, territoire varchar,
            modalite varchar, valeur double, source varchar, annee integer, niveau varchar, dimension varchar,
            commentaire varchar)""")
        con.executemany("insert into referentiel.valeurs_reference values (?, ?, ?, ?, 'Source de test', ?, ?, ?, '')", [
            ("repartition_orientation", "76", "FT", 0.80, 2025, "REGION", "operateur_retenu"),
            ("repartition_orientation", "76", "ML", 0.15, 2025, "REGION", "operateur_retenu"),
            ("repartition_orientation", "FR", "CD|CAP_EMPLOI", 0.03, 2025, "NATIONAL", "operateur_retenu"),
            ("taux_sanction_cre", "FR", "ensemble", 0.17, 2024, "NATIONAL", "ensemble"),
        ])
        horodatage = datetime(2025, 7, 3, 6, 30)
        con.execute("""create table qualite.executions (horodatage timestamp, chargements bigint[], statut varchar,
            bloquants integer, avertissements integer, controles integer, data_docs varchar)""")
        con.execute("insert into qualite.executions values (?, [], 'OK', 0, 0, 12, null)", [horodatage])
        con.execute("""create table qualite.resultats (horodatage timestamp, suite varchar, cible varchar,
            controle varchar, description varchar, severite varchar, succes boolean, details varchar,
            lignes bigint, anomalies bigint)""")
        con.execute("""create table publication.journal (id varchar, type varchar, horodatage timestamp,
            version_precedente varchar, date_arrete date, fichiers_nombre bigint, fichiers_empreinte varchar,
            dernier_id_chargement bigint, qualite json, seuil_secret integer)""")
        con.execute("insert into publication.journal values ('20250703T063000', 'publication', ?, null, ?, 9, 'x', 9, ?, 11)",
                    [horodatage, DATE_ARRETE, json.dumps({"statut": "OK", "bloquants": 0, "avertissements": 0})])
    finally:
        con.close()
    return Entrepot(path, {k: v[2] for k, v in SECRETS.items()}, FUITES)


def bloquer(path: Path, controle: str = "valeurs_dans_les_bornes", cible: str = "marts.indicateurs") -> None:
    """Record a later quality run whose blocking check failed (as a build stopped by the gate)."""
    con = duckdb.connect(str(path))
    try:
        h = datetime(2025, 7, 4, 6, 30)
        con.execute("insert into qualite.executions values (?, [], 'BLOQUE', 1, 0, 12, null)", [h])
        con.execute("insert into qualite.resultats values (?, 'marts', ?, ?, 'taux dans [0, 1]', 'bloquant', false, "
                    "'3 taux hors de [0, 1]', 100, 3)", [h, cible, controle])
    finally:
        con.close()


@pytest.fixture(scope="session")
def entrepot_rapport(tmp_path_factory) -> Entrepot:
    """Read-only for its users: copy it (``copie_entrepot``) before writing."""
    return construire_entrepot(tmp_path_factory.mktemp("entrepot_rapport") / "socle.duckdb")


@pytest.fixture
def copie_entrepot(entrepot_rapport, tmp_path) -> Entrepot:
    cible = tmp_path / "socle.duckdb"
    shutil.copy(entrepot_rapport.path, cible)
    return Entrepot(cible, entrepot_rapport.secrets, entrepot_rapport.fuites)


@pytest.fixture
def entrepot_bloque(copie_entrepot) -> Entrepot:
    """A copy whose last quality run failed a blocking check (``valeurs_dans_les_bornes``)."""
    bloquer(copie_entrepot.path)
    return copie_entrepot


@pytest.fixture(scope="session")
def rapport_juin(entrepot_rapport, weasyprint_pret):
    """The real monthly report of June 2025 for Occitanie, rendered once for the session."""
    from pipelines.rapports import periode, produire_rapport

    return produire_rapport(entrepot_rapport.path, REGION, periode("2025-06"))


# --------------------------------------------------------------------------- system dependencies


def _apt_install(*paquets: str) -> None:
    """Install Debian packages (CI runs as root with the Debian registry reachable)."""
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        pytest.fail(f"Paquets système manquants ({', '.join(paquets)}) et apt-get indisponible (root requis).")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    commande = ["apt-get", "install", "-y", "--no-install-recommends", *paquets]
    if subprocess.run(commande, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, check=True)
        subprocess.run(commande, env=env, capture_output=True, check=True)


_RENDU_TEST = (
    "import io, weasyprint, pypdf;"
    "pdf = weasyprint.HTML(string='<p>Bonjour le CSE</p>').write_pdf();"
    "assert 'Bonjour le CSE' in pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()"
)


@pytest.fixture(scope="session", autouse=True)
def weasyprint_pret() -> None:
    """WeasyPrint needs Pango (and a font): install them only if a render in a child process fails
    (a failed import of its libraries cannot be undone in this process)."""
    if subprocess.run([sys.executable, "-c", _RENDU_TEST], capture_output=True).returncode == 0:
        return
    _apt_install("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu-core")
    resultat = subprocess.run([sys.executable, "-c", _RENDU_TEST], capture_output=True, text=True)
    assert resultat.returncode == 0, f"WeasyPrint ne rend toujours pas de PDF : {resultat.stderr[-2000:]}"


@pytest.fixture(scope="session")
def pdftoppm() -> str:
    """``pdftoppm`` (Debian poppler-utils) for rendering pages to PNG, installed when missing."""
    if shutil.which("pdftoppm") is None:
        _apt_install("poppler-utils")
    chemin = shutil.which("pdftoppm")
    assert chemin, "pdftoppm introuvable après installation de poppler-utils"
    return chemin


@pytest.fixture(scope="session")
def artefacts() -> Path:
    dossier = Path(os.environ.get("SOCLE_ARTEFACTS") or PROJECT_ROOT / "artefacts") / "rapports"
    dossier.mkdir(parents=True, exist_ok=True)
    return dossier


# --------------------------------------------------------------------------- PDF text


def normaliser(texte: str) -> str:
    """No-break and narrow no-break spaces read as spaces; runs of spaces as one."""
    return re.sub(r"[ \u00a0\u202f\u2009]+", " ", texte)


@pytest.fixture(scope="session")
def normalise():
    """The normalisation of :func:`pdf_texte`, for expected strings."""
    return normaliser


@pytest.fixture(scope="session")
def pdf_texte():
    """``pdf_texte(bytes) -> list[str]``: the normalised text of each page."""
    import pypdf

    def extraire(contenu: bytes) -> list[str]:
        return [normaliser(p.extract_text() or "") for p in pypdf.PdfReader(io.BytesIO(contenu)).pages]

    return extraire


# --------------------------------------------------------------------------- expected figures


class Attendu:
    """What a table by département must print, read from ``publication.indicateurs`` with SQL and
    formatted with ``pipelines.core.formats``: the oracle of the figure tests, independent of the
    report's code. Several months: the aggregation rule of docs/rapports.md, restated here (with
    a secret month, the published total of the quarter or year)."""

    PAR_DERNIER_MOIS = STOCKS | {"part_accompagnement_intensif"}

    @staticmethod
    def _texte(valeur, unite, secret, provisoire) -> str:
        from pipelines.core.formats import format_valeur

        if secret:
            return "s"
        texte = format_valeur(valeur, unite) if valeur is not None else "–"
        return texte + "p" if provisoire else texte

    def cellule(self, con, indicateur, niveau, territoire, mois: list[date]) -> str:
        rows = con.execute(
            "select periode, valeur, numerateur, denominateur, unite, secret, provisoire from publication.indicateurs "
            "where indicateur = ? and type_periode = 'mois' and niveau = ? and territoire = ? "
            "and periode between ? and ? and dimension = 'ensemble' order by periode",
            [indicateur, niveau, territoire, mois[0], mois[-1]]
        ).fetchall()
        if not rows:
            return "–"
        unite = rows[0][4]
        if len(mois) == 1 or indicateur in self.PAR_DERNIER_MOIS or unite == "jours":
            dernier = [r for r in rows if r[0] == mois[-1]]
            return self._texte(dernier[0][1], unite, dernier[0][5], dernier[0][6]) if dernier else "–"
        provisoire = any(r[6] for r in rows)
        if any(r[5] for r in rows):
            # a secret month: the view's own total of the period if it is published, else « s »
            type_periode = {12: "cumul_12_mois", 3: "trimestre"}.get(len(mois))
            total = con.execute(
                "select valeur, provisoire from publication.indicateurs where indicateur = ? and type_periode = ? "
                "and niveau = ? and territoire = ? and periode = ? and dimension = 'ensemble' and not secret",
                [indicateur, type_periode, niveau, territoire, mois[-1]]).fetchall()
            return self._texte(total[0][0], unite, False, total[0][1]) if total else "s"
        if unite == "taux":
            den = sum(r[3] for r in rows)
            return self._texte(sum(r[2] for r in rows) / den, unite, False, provisoire) if den else "–"
        return self._texte(sum(r[1] for r in rows), unite, False, provisoire)

    def lignes(self, path, region: str, indicateurs, mois: list[date]) -> list[str]:
        """One normalised text line per row (départements of the region by code, then the region)."""
        from pipelines.core.formats import libelle_territoire

        indicateurs = [i for i in indicateurs if i in INDICATEURS]
        con = duckdb.connect(str(path), read_only=True)
        try:
            deps = con.execute("select code_departement, libelle_departement from referentiel.departements "
                               "where code_region = ? order by 1", [region]).fetchall()
            nom = con.execute("select libelle_region from referentiel.regions where code_region = ?", [region]).fetchall()[0][0]
            territoires = [("DEPARTEMENT", c, libelle_territoire("DEPARTEMENT", c, lib)) for c, lib in deps]
            territoires.append(("REGION", region, nom))
            return [normaliser(" ".join([libelle, *(self.cellule(con, i, niveau, code, mois) for i in indicateurs)]))
                    for niveau, code, libelle in territoires]
        finally:
            con.close()


@pytest.fixture(scope="session")
def attendu() -> Attendu:
    return Attendu()


# --------------------------------------------------------------------------- SMTP


@dataclass
class ServeurSmtp:
    hote: str
    port: int
    messages: list = field(default_factory=list)  # (mail_from, rcpt_tos, email.message.Message)
    connexions: list = field(default_factory=list)  # logins accepted


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def serveur_smtp(monkeypatch):
    """A real SMTP server on localhost, with a login (« socle » / « secret-smtp »); the delivery
    settings of the process point at it."""
    from email import message_from_bytes
    from email.policy import default

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    serveur = ServeurSmtp("127.0.0.1", _port_libre())

    class Boite:
        async def handle_DATA(self, server, session, envelope):
            serveur.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                                     message_from_bytes(envelope.original_content or envelope.content, policy=default)))
            return "250 Message accepted for delivery"

    def authentifier(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"socle", b"secret-smtp")
        if ok:
            serveur.connexions.append(auth_data.login.decode())
        # handled=False: aiosmtpd answers the client itself (235 or 535).
        return AuthResult(success=ok, handled=False)

    controleur = Controller(Boite(), hostname=serveur.hote, port=serveur.port, authenticator=authentifier,
                            auth_require_tls=False)
    controleur.start()
    for variable, valeur in {
        "SOCLE_SMTP_HOTE": serveur.hote, "SOCLE_SMTP_PORT": str(serveur.port), "SOCLE_SMTP_TLS": "aucun",
        "SOCLE_SMTP_UTILISATEUR": "socle", "SOCLE_SMTP_MOT_DE_PASSE": "secret-smtp",
        "SOCLE_SMTP_EXPEDITEUR": "socle@dr-occitanie.example", "SOCLE_CSE_DESTINATAIRES_76":
            "cse.occitanie@example.org, elus@example.org",
    }.items():
        monkeypatch.setenv(variable, valeur)
    try:
        yield serveur
    finally:
        controleur.stop()
