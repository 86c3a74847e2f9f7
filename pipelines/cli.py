"""``socle``: the command line. A thin entry point: every command calls the project's functions."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pipelines.core.settings import Settings

app = typer.Typer(
    help="Socle — base partagée d'indicateurs du pilotage territorial France Travail.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)

DEFAULT_REGIONS = "76,93"
#: The demo: two départements of each of two regions, at their real size (about 62 000 registered
#: people): as dense as real data, so the published view, its secret cells and the disclosure
#: optimiser's run are what a real territory gets; Ariège and Gers have agencies of both MSA
#: models (the evaluation pages' experiment).
DEMO_DEPARTEMENTS = "09,32,04,05"


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def parse_regions(value: str) -> list[str] | None:
    value = value.strip()
    if value.lower() in ("all", "toutes"):
        return None
    return [r.strip() for r in value.split(",") if r.strip()]


def _inbox_has_files(inbox: Path) -> bool:
    return inbox.is_dir() and any(p.is_file() for p in inbox.glob("*/*") if not p.name.startswith("_"))


def do_generate(
    out: Path,
    regions: str | None,
    months: int | None,
    persons: int | None,
    seed: int,
    overwrite: bool = False,
    *,
    departements: str | None = None,
    mois_consultations: int | None = None,
) -> dict:
    """``regions`` (default 76,93) or ``departements`` (comma-separated COG codes), not both;
    ``persons=None``: ``DEFAULT_PERSONS``, or the real number of registered people of the départements;
    ``mois_consultations=None``: the generator's default window of the consultation log."""
    from pipelines.synthetic import (
        generate,
        last_day_of_previous_month,
        normalize_departements,
        personnes_reference,
        start_for_months,
    )
    from pipelines.synthetic.generator import DEFAULT_PERSONS, DEFAULT_START, MOIS_CONSULTATIONS
    from pipelines.synthetic.referentiel import CONFLIT_REGIONS_DEPARTEMENTS

    def refuse(message: str) -> NoReturn:
        console.print(f"[bold red]{message}[/]")
        raise typer.Exit(code=1)

    if regions is not None and departements is not None:
        refuse(CONFLIT_REGIONS_DEPARTEMENTS)
    end = last_day_of_previous_month()
    if months is not None and months < 1:
        raise typer.BadParameter("--mois doit être au moins 1")
    if mois_consultations is None:
        mois_consultations = MOIS_CONSULTATIONS
    if mois_consultations < 0:
        raise typer.BadParameter("--mois-consultations doit être positif ou nul (0 : pas de journal)")
    start = start_for_months(end, months) if months else DEFAULT_START
    deps = None
    affiche, origine = persons, ""
    try:
        if departements is not None:
            deps = list(normalize_departements(departements.split(",")))
            if persons is None:  # generate() takes the same figure and records its source
                affiche, mois = personnes_reference(deps)
                origine = f" (inscrits DEFM A à E de {mois}, référentiel)"
    except ValueError as exc:
        refuse(str(exc))
    if affiche is None:
        affiche = DEFAULT_PERSONS
    territoire = f"départements {','.join(deps)}" if deps else f"régions {regions or DEFAULT_REGIONS}"
    nombre = f"{affiche:,}".replace(",", " ")
    journal = (f", journal des consultations sur {mois_consultations} mois" if mois_consultations
               else ", sans journal des consultations")
    console.print(
        f"Génération de données synthétiques : {nombre} personnes{origine}, {territoire}, "
        f"du {start:%d/%m/%Y} au {end:%d/%m/%Y}{journal}, graine {seed} → {out}"
    )
    with _progress() as progress:
        task = progress.add_task("Génération", total=None)

        def on_progress(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        scope = {"departements": deps} if deps else {"regions": parse_regions(regions or DEFAULT_REGIONS)}
        try:
            summary = generate(
                out, **scope, start=start, end=end, persons=persons,
                seed=seed, progress=on_progress, overwrite=overwrite, mois_consultations=mois_consultations,
            )
        except (FileExistsError, ValueError) as exc:
            console.print(f"[bold red]{exc}[/]")
            raise typer.Exit(code=1) from None
    return summary


def _alerter_echec(exc: Exception, settings: Settings) -> None:
    """A failed build raises an alert (log, webhook, e-mail as configured); a build refused because
    another one is running is not a failure."""
    from pipelines.alertes import alerter
    from pipelines.core.warehouse import BuildLocked

    if not isinstance(exc, BuildLocked):
        alerter("Échec de la construction", f"{exc} (entrepôt publié inchangé : {settings.warehouse})", settings)


def do_build(settings: Settings) -> None:
    from pipelines.build import run_build
    from pipelines.core.warehouse import BuildError

    with _progress() as progress:
        task = progress.add_task("Ingestion", total=None)

        def on_file(result) -> None:
            progress.update(task, advance=1, description=f"Ingestion {result.export}")

        def on_step(message: str) -> None:
            progress.console.print(f"• {message}")
            if message.startswith("Ingestion"):
                from pipelines.ingestion import pending_files

                progress.update(task, total=len(pending_files(settings.work_warehouse, settings.inbox)))

        def on_dbt(fait: int, total: int) -> None:
            progress.update(task, description="Calcul des indicateurs", completed=fait, total=total)

        try:
            result = run_build(settings, on_file=on_file, on_step=on_step, on_dbt=on_dbt)
        except BuildError as exc:
            console.print(f"[bold red]{exc}[/]")
            _alerter_echec(exc, settings)
            raise typer.Exit(code=1) from None
    report = result.ingestion
    if report is not None and hasattr(report, "summary"):
        console.print(report.summary())
    timing = ", ".join(f"{k} {v:.1f} s" for k, v in result.durations.items())
    console.print(f"[bold green]Entrepôt publié :[/] {settings.warehouse} ({timing})")


@app.command("generer")
def generate(
    out: Path = typer.Option(..., "--sortie", "--out", help="Dossier de dépôt à remplir (une sous-dossier par export)."),
    regions: str | None = typer.Option(None, help=f"Codes région séparés par des virgules, ou « all » (défaut : {DEFAULT_REGIONS})."),
    departements: str | None = typer.Option(
        None,
        "--departements",
        help="Codes département (COG) séparés par des virgules, par exemple 31 ou 31,32 : seulement les "
        "agences de ces départements, à leur taille réelle par défaut. Incompatible avec --regions.",
    ),
    months: int | None = typer.Option(
        None, "--mois", "--months", help="Nombre de mois jusqu'au mois dernier (défaut : depuis janvier 2023)."
    ),
    persons: int | None = typer.Option(
        None,
        "--personnes",
        "--persons",
        help="Nombre de personnes simulées sur toute la période (défaut : 63 000 ; avec --departements, le nombre réel "
        "d'inscrits de ces départements, DEFM A à E du référentiel).",
    ),
    seed: int = typer.Option(42, "--graine", "--seed", help="Graine : même graine, mêmes fichiers."),
    ecraser: bool = typer.Option(False, "--ecraser", help="Remplacer les livraisons déjà présentes dans le dossier."),
    mois_consultations: int | None = typer.Option(
        None, "--mois-consultations",
        help="Mois du journal des consultations (agents, personnes exposées, alertes FLUX), jusqu'au mois "
        "dernier (défaut : 3 ; 0 : aucun).",
    ),
) -> None:
    """Écrit des exports synthétiques réalistes (livraisons quotidiennes) dans un dossier de dépôt."""
    summary = do_generate(out, regions, months, persons, seed, overwrite=ecraser, departements=departements,
                          mois_consultations=mois_consultations)
    fichiers = summary.get("fichiers", {})
    total = sum(fichiers.values()) if isinstance(fichiers, dict) else len(fichiers)
    console.print(
        f"{total} fichiers écrits dans {out} ; {len(summary.get('lignes_invalides', []))} lignes "
        "invalides injectées exprès (voir _generation.json)"
    )
    flux = summary.get("consultations")
    if flux:
        lignes = f"{flux['lignes']:,}".replace(",", " ")
        console.print(
            f"Journal des consultations : {lignes} lignes, {flux['agents']} agents, "
            f"{sum(flux['alertes'].values())} alertes selon les règles, {flux['resultats_flux']} résultats FLUX "
            f"(vérité dans {flux['verite']})"
        )


@app.command("construire")
def build(
    inbox: Path | None = typer.Option(None, "--depot", "--inbox", help="Dossier de dépôt (défaut : SOCLE_INBOX ou data/inbox)."),
    warehouse: Path | None = typer.Option(
        None, "--entrepot", "--warehouse", help="Entrepôt publié (défaut : SOCLE_WAREHOUSE ou data/socle.duckdb)."
    ),
    date_arrete: str | None = typer.Option(None, help="Date d'arrêté AAAA-MM-JJ (défaut : dernière extraction chargée)."),
    moteur: str | None = typer.Option(
        None, "--moteur", help="Où tournent les modèles dbt : duckdb (défaut, SOCLE_MOTEUR) ou spark (docs/exploitation.md)."
    ),
) -> None:
    """Ingère les nouveaux fichiers du dépôt, calcule les indicateurs et publie l'entrepôt."""
    settings = Settings.from_env(inbox=inbox, warehouse=warehouse, date_arrete=date.fromisoformat(date_arrete) if date_arrete else None,
                                 moteur=moteur.strip().lower() if moteur else None)
    do_build(settings)


@app.command("tableau-de-bord")
def dashboard(
    warehouse: Path | None = typer.Option(None, "--entrepot", "--warehouse", help="Entrepôt publié à afficher."),
    port: int = typer.Option(8501, help="Port du tableau de bord."),
    adresse: str = typer.Option(
        "127.0.0.1",
        "--adresse",
        help="Adresse d'écoute : 127.0.0.1 (cette machine seulement, défaut) ; 0.0.0.0 pour toutes les interfaces (docs/exploitation.md).",
    ),
) -> None:
    """Sert le tableau de bord (Streamlit) sur l'entrepôt publié, en lecture seule."""
    from dashboards.acces import ConnexionNonConfiguree
    from dashboards.server import serve

    settings = Settings.from_env(warehouse=warehouse)
    if not settings.warehouse.exists():
        console.print(f"[bold red]Aucun entrepôt publié en {settings.warehouse} : lancez d'abord « socle construire ».[/]")
        raise typer.Exit(code=1)
    try:
        serve(settings.warehouse, port=port, adresse=adresse)
    except ConnexionNonConfiguree as exc:
        console.print(f"[bold red]{exc}[/]")
        raise typer.Exit(code=1) from None


def _prevenir_donnees_clairsemees(settings: Settings) -> None:
    """Data kept from a demo of whole regions (before December 2026, or ``--regions``): far
    sparser than a real territory, the disclosure optimiser takes very long on them. Say so."""
    from pipelines.synthetic import lecture

    try:
        parametres = lecture.summary(settings.inbox).get("parametres") or {}
    except (OSError, ValueError):
        return  # not generated here: real deliveries, nothing to say
    if settings.methode_secret != "optimiseur" or parametres.get("departements_demandes") or parametres.get("personnes_reference"):
        return
    nombre = f"{parametres.get('personnes', 0):,}".replace(",", " ")
    console.print(
        f"[bold yellow]Ces données sont celles d'une démonstration sur des régions entières ({nombre} personnes) : "
        "bien moins denses qu'un territoire réel, leur secret statistique par l'optimiseur peut prendre très "
        f"longtemps.[/] Pour la démonstration actuelle (quatre départements à leur taille réelle), videz "
        f"{settings.inbox} ; pour garder ces données, SOCLE_SECRET_METHODE=groupes (règle rapide, qui fuit)."
    )


@app.command()
def demo(
    serve_dashboard: bool = typer.Option(
        True, "--servir/--sans-servir", "--serve/--no-serve", help="Servir le tableau de bord après la construction."
    ),
    persons: int | None = typer.Option(
        None, "--personnes", "--persons",
        help="Nombre de personnes des données de démonstration, sur toute la période depuis janvier 2023 (défaut : "
        "le nombre réel d'inscrits des départements ; 63 000 avec --regions).",
    ),
    departements: str = typer.Option(
        DEMO_DEPARTEMENTS, help="Départements des données de démonstration, à leur taille réelle par défaut "
        "(Ariège, Gers, Alpes-de-Haute-Provence, Hautes-Alpes)."),
    regions: str | None = typer.Option(
        None, help="Régions entières à la place des départements (bien moins denses qu'un territoire réel : "
        "presque tout y est secret)."),
    mois_consultations: int | None = typer.Option(
        None, "--mois-consultations", help="Mois du journal des consultations des données de démonstration (défaut : 3)."
    ),
    port: int = typer.Option(8501, help="Port du tableau de bord."),
) -> None:
    """Démonstration complète : données synthétiques (si absentes), construction, tableau de bord."""
    # the one command allowed to create a local key when SOCLE_PSEUDO_KEY is not set
    settings = Settings.from_env(demo=True)
    if _inbox_has_files(settings.inbox):
        console.print(f"Données déjà présentes dans {settings.inbox} : pas de nouvelle génération.")
        _prevenir_donnees_clairsemees(settings)
    else:
        do_generate(settings.inbox, regions, None, persons, 42, mois_consultations=mois_consultations,
                    departements=None if regions else departements)
    do_build(settings)
    from dashboards.acces import chemin_utilisateurs, creer_utilisateurs_demo

    # Only the demo writes these accounts (password = identifier); `socle tableau-de-bord` never does.
    if creer_utilisateurs_demo():
        console.print(f"Comptes de démonstration écrits dans {chemin_utilisateurs()}.")
    console.print(
        "Comptes de démonstration (identifiant = mot de passe) : national, dr76 (direction régionale "
        "Occitanie), comite09 (comité de l'Ariège), cse93 (CSE PACA) — voir docs/acces.md."
    )
    if serve_dashboard:
        dashboard(warehouse=settings.warehouse, port=port, adresse="127.0.0.1")


@app.command()
def export(
    warehouse: Path | None = typer.Option(
        None, "--entrepot", "--warehouse", help="Entrepôt à lire (défaut : SOCLE_WAREHOUSE ou data/socle.duckdb)."
    ),
    out: Path = typer.Option(..., "--sortie", "--out", help="Fichier produit : .csv (; et BOM, Excel), .xlsx ou .parquet."),
    published: bool = typer.Option(
        True, "--publiee/--interne", "--published", help="Vue publiée après secret statistique (défaut) ou table interne non protégée."
    ),
    niveau: list[str] | None = typer.Option(
        None, "--niveau", help="Niveau(x) : NATIONAL, REGION, DEPARTEMENT, BASSIN, AGENCE, PLATEFORME (H6 seulement) (répétable)."
    ),
    territoire: list[str] | None = typer.Option(None, "--territoire", help="Code(s) territoire (répétable)."),
    depuis: str | None = typer.Option(None, "--depuis", help="Premier mois exporté, AAAA-MM."),
    indicateur: list[str] | None = typer.Option(None, "--indicateur", help="Code(s) indicateur (répétable)."),
) -> None:
    """Exporte les cellules d'indicateurs (vue publiée par défaut) en CSV, Excel ou Parquet."""
    from pipelines.export import ExportError, exporter

    settings = Settings.from_env(warehouse=warehouse)
    if not published:
        console.print("[bold yellow]Export interne sans secret statistique : ne pas diffuser hors de la direction régionale.[/]")
    try:
        n = exporter(
            settings.warehouse, out, publie=published, niveaux=niveau, territoires=territoire, depuis=depuis, indicateurs=indicateur
        )
    except ExportError as exc:
        console.print(f"[bold red]{exc}[/]")
        raise typer.Exit(code=1) from None
    console.print(f"{n} cellules exportées dans {out}")


@app.command()
def documentation(
    warehouse: Path | None = typer.Option(
        None, "--entrepot", "--warehouse", help="Entrepôt documenté (défaut : SOCLE_WAREHOUSE ou data/socle.duckdb)."
    ),
    out: Path | None = typer.Option(None, "--sortie", "--out", help="Dossier de sortie (défaut : data/documentation)."),
) -> None:
    """Génère la documentation dbt (dictionnaire des indicateurs, modèles, tests) en une page HTML."""
    from pipelines.core.warehouse import BuildError, build_lock, prepare_work_warehouse
    from pipelines.dbt_runner import DbtError, generer_documentation

    settings = Settings.from_env(warehouse=warehouse)
    if not settings.warehouse.exists():
        console.print(f"[bold red]Aucun entrepôt publié en {settings.warehouse} : lancez d'abord « socle construire ».[/]")
        raise typer.Exit(code=1)
    out = out or settings.data_dir / "documentation"
    try:
        # dbt reads the catalogue with a read-write connection: it works on the build's copy,
        # under the build lock, never on the file the readers have open.
        with build_lock(settings):
            page = generer_documentation(prepare_work_warehouse(settings), out)
    except (BuildError, DbtError) as exc:
        console.print(f"[bold red]{exc}[/]")
        raise typer.Exit(code=1) from None
    console.print(f"Documentation : {page}")


@app.command()
def publications(
    warehouse: Path | None = typer.Option(
        None, "--entrepot", "--warehouse", help="Entrepôt publié (défaut : SOCLE_WAREHOUSE ou data/socle.duckdb)."
    ),
) -> None:
    """Liste les versions publiées conservées (la plus récente en premier) et la version courante."""
    from rich.table import Table

    from pipelines.versions import journal_path, lister_versions

    settings = Settings.from_env(warehouse=warehouse)
    versions = lister_versions(settings)
    if not versions:
        console.print(f"Aucune version archivée pour {settings.warehouse} (journal : {journal_path(settings)}).")
        return
    table = Table(
        title=f"Versions publiées de {settings.warehouse.name} ({len(versions)} conservées, au plus {settings.versions_conservees})"
    )
    for col in ("Version", "Publiée le", "Date d'arrêté", "Fichiers", "Qualité", "Seuil", "Courante"):
        table.add_column(col, no_wrap=col in ("Version", "Publiée le"))
    for v in versions:
        table.add_row(
            v.id,
            f"{v.horodatage:%d/%m/%Y %H:%M:%S}" if v.horodatage else "?",
            f"{v.date_arrete:%d/%m/%Y}" if v.date_arrete else "?",
            str(v.fichiers) if v.fichiers is not None else "?",
            v.qualite or "non évaluée",
            str(v.seuil_secret) if v.seuil_secret is not None else "?",
            "◀ courante" if v.courante else "",
        )
    Console().print(table)
    if not any(v.courante for v in versions):
        console.print("[yellow]Le fichier publié ne correspond à aucune version archivée.[/]")


@app.command("restaurer")
def rollback(
    warehouse: Path | None = typer.Option(
        None, "--entrepot", "--warehouse", help="Entrepôt publié (défaut : SOCLE_WAREHOUSE ou data/socle.duckdb)."
    ),
    version: str | None = typer.Option(
        None, "--version", help="Version à restaurer (défaut : celle d'avant la version courante ; voir « socle publications »)."
    ),
) -> None:
    """Revient à une version publiée précédente (remplacement atomique) ; la prochaine construction repart d'elle."""
    from pipelines.core.warehouse import BuildError
    from pipelines.versions import VersionError, restaurer

    settings = Settings.from_env(warehouse=warehouse)
    try:
        entry = restaurer(settings, version)
    except (VersionError, BuildError) as exc:
        console.print(f"[bold red]Retour arrière impossible : {exc}[/]")
        raise typer.Exit(code=1) from None
    arrete = entry.get("date_arrete")
    console.print(
        f"[bold green]Version {entry['version']} restaurée[/] dans {settings.warehouse}"
        + (f" (date d'arrêté {date.fromisoformat(arrete):%d/%m/%Y})" if arrete else "")
        + (f" ; elle remplace la version {entry['version_precedente']}." if entry.get("version_precedente") else ".")
    )
    console.print(
        "La copie de travail repart de cette version : les fichiers chargés depuis seront relus à la "
        "prochaine construction (retirez du dépôt une livraison fautive avant de relancer « socle construire »)."
    )


def _audit_secret(settings: Settings) -> int:
    """Run the independent disclosure audit on the published warehouse and print its figures;
    returns the number of violations."""
    from pipelines.core.warehouse import connect
    from pipelines.secret.audit import auditer, seuil_publie

    console.print("Audit du secret statistique : reconstruction des équations de la vue publiée…")
    with connect(settings.warehouse, read_only=True) as con:
        # the threshold the view was protected with; the current setting for older warehouses
        res = auditer(con, seuil_publie(con) or settings.seuil_secret)
    typer.echo(res.resume())
    if res.violations:
        typer.echo(f"Violations par niveau : {res.par_niveau()}")
    return len(res.violations)


def _utilite_secret(settings: Settings) -> None:
    """Print the utility figures of the published view (share of secret cells, committees'
    visibility on 12 months): two aggregate queries, well under a second. A warehouse without
    a published view says so; it never changes the command's exit code."""
    import duckdb

    from pipelines.core.warehouse import connect
    from pipelines.secret.utilite import mesurer, resume_utilite

    try:
        with connect(settings.warehouse, read_only=True) as con:
            u = mesurer(con)
    except duckdb.Error as exc:
        typer.echo(f"Utilité de la vue publiée non mesurée : {str(exc).splitlines()[0]}")
        return
    typer.echo(resume_utilite(u))


@app.command()
def qualite(
    warehouse: Path | None = typer.Option(
        None, "--entrepot", "--warehouse", help="Entrepôt publié (défaut : SOCLE_WAREHOUSE ou data/socle.duckdb)."
    ),
    audit_secret: bool = typer.Option(False, "--audit-secret", help="Audit indépendant du secret statistique de la vue publiée."),
) -> None:
    """Affiche l'état qualité de la publication : statut, contrôles en échec ou en avertissement, Data Docs,
    puis l'utilité de la vue publiée (part des cellules secrètes, visibilité des comités sur 12 mois).
    Code de sortie 2 si un contrôle bloquant échoue ou si l'audit du secret trouve une violation."""
    from quality.gates import lire_statut

    settings = Settings.from_env(warehouse=warehouse)
    if not settings.warehouse.exists():
        console.print(f"[bold red]Aucun entrepôt publié en {settings.warehouse} : lancez d'abord « socle construire ».[/]")
        raise typer.Exit(code=1)
    violations = _audit_secret(settings) if audit_secret else 0
    rapport = lire_statut(settings.warehouse)
    if rapport is None:
        console.print(
            f"[bold yellow]{settings.warehouse} ne contient aucun résultat de contrôle qualité (entrepôt construit avant les contrôles).[/]"
        )
        # the utility figures are still printed (after the status message), then exit 1 as before
        _utilite_secret(settings)
        raise typer.Exit(code=2 if violations else 1)
    # stdout, not the stderr console: the status is the command's output (pipes, reports).
    typer.echo(rapport.resume())
    _utilite_secret(settings)
    if rapport.bloquants or violations:  # a view that leaks is a blocking failure too
        raise typer.Exit(code=2)


def _note_evaluation(settings: Settings, region: str | None, vue: str, out: Path | None, envoyer: bool) -> None:
    """``socle rapport --edition evaluation-msa``: the MSA evaluation note, written to ``out``."""
    from rich.markup import escape

    from pipelines.rapports import QualiteBloquante, RapportError
    from pipelines.rapports.evaluation import produire_note

    if envoyer:
        console.print("[bold red]La note d'évaluation n'est pas envoyée au CSE : écrivez-la avec --sortie FICHIER.pdf.[/]")
        raise typer.Exit(code=1)
    if out is None:
        console.print("[bold red]Précisez --sortie FICHIER.pdf.[/]")
        raise typer.Exit(code=1)
    try:
        with console.status("Note d'évaluation MSA : estimations (différence de différences) et graphiques…"):
            note = produire_note(settings.warehouse, region, vue)
    except RapportError as exc:
        console.print(f"[bold red]{escape(str(exc))}[/]")
        raise typer.Exit(code=2 if isinstance(exc, QualiteBloquante) else 1) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(note.pdf)
    perimetre = region or "régions de l'expérimentation"
    console.print(f"[bold green]Note d'évaluation écrite :[/] {out} ({perimetre}, vue {vue})")


@app.command()
def rapport(
    region: str | None = typer.Option(
        None, "--region",
        help="Code région INSEE (76 Occitanie, 93 PACA…). Obligatoire sauf pour evaluation-msa (défaut : toutes les "
        "régions de l'expérimentation).",
    ),
    periode: str | None = typer.Option(
        None,
        "--periode",
        help="Mois AAAA-MM ; trimestre AAAA-T1…T4 ou année AAAA selon l'édition (un mois désigne alors son trimestre ou "
        "son année). Obligatoire sauf pour evaluation-msa (tous les mois définitifs publiés).",
    ),
    edition: str = typer.Option(
        "mensuelle", "--edition",
        help="mensuelle, trimestrielle ou annuelle (rapport au CSE), ou evaluation-msa (note d'évaluation de "
        "l'expérimentation MSA).",
    ),
    vue: str = typer.Option(
        "publiee", "--vue",
        help="evaluation-msa : publiee (après secret statistique, défaut) ou interne (cellules avant secret : pour les "
        "directions nationale et régionales seulement).",
    ),
    out: Path | None = typer.Option(None, "--sortie", "--out", help="Fichier PDF à écrire."),
    warehouse: Path | None = typer.Option(
        None, "--entrepot", "--warehouse", help="Entrepôt publié (défaut : SOCLE_WAREHOUSE ou data/socle.duckdb)."
    ),
    envoyer: bool = typer.Option(
        False, "--envoyer", help="Archiver sous data/rapports/ et envoyer au CSE de la région (une seule fois par période)."
    ),
    forcer: bool = typer.Option(False, "--forcer", help="Avec --envoyer : renvoyer même si le rapport a déjà été envoyé."),
) -> None:
    """Produit le rapport PDF au CSE d'une région pour une période, depuis la vue publiée."""
    from rich.markup import escape

    from pipelines.rapports import QualiteBloquante, RapportError, produire_rapport
    from pipelines.rapports import periode as lire_periode

    settings = Settings.from_env(warehouse=warehouse)
    if edition == "evaluation-msa":
        _note_evaluation(settings, region, vue, out, envoyer)
        return
    if out is None and not envoyer:
        console.print("[bold red]Précisez --sortie FICHIER.pdf (ou --envoyer pour archiver et envoyer au CSE).[/]")
        raise typer.Exit(code=1)
    if region is None or periode is None:
        console.print("[bold red]Précisez --region et --periode pour un rapport au CSE.[/]")
        raise typer.Exit(code=1)
    try:
        p = lire_periode(periode, edition)
        if out is not None:
            produit = produire_rapport(settings.warehouse, region, p)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(produit.pdf)
            console.print(f"[bold green]Rapport écrit :[/] {out} ({produit.libelle_region}, {p.libelle} ; qualité {produit.qualite})")
        if envoyer:
            from pipelines.rapports.diffusion import diffuser

            console.print(escape(diffuser(settings, region, p, forcer=forcer).message))
    except RapportError as exc:
        console.print(f"[bold red]{escape(str(exc))}[/]")
        # 2, as « socle qualite »: the publication is blocked (not a usage error).
        raise typer.Exit(code=2 if isinstance(exc, QualiteBloquante) else 1) from None


@app.command()
def alertes(
    etablissement: str = typer.Option(
        ..., "--etablissement", help="Direction régionale (code région : 76, 93…) ou entité nationale (DG, DSI, PES)."
    ),
    depuis: str | None = typer.Option(
        None, "--depuis",
        help="Alertes dont la première consultation est à cette date ou après, AAAA-MM-JJ (défaut : "
        "SOCLE_ALERTES_FINALITE_DEPUIS, sinon toutes).",
    ),
    out: Path | None = typer.Option(
        None, "--sortie", "--out",
        help="Fichier écrit en plus de l'archive : .csv (; et BOM, Excel) ou .xlsx (défaut : archive .csv seulement).",
    ),
    forcer: bool = typer.Option(False, "--forcer", help="Renvoyer aussi les alertes déjà envoyées à l'établissement."),
    warehouse: Path | None = typer.Option(
        None, "--entrepot", "--warehouse",
        help="Entrepôt publié (défaut : SOCLE_WAREHOUSE ou data/socle.duckdb) : les alertes sont lues dans "
        "l'entrepôt interne, sa copie de travail.",
    ),
) -> None:
    """Envoie à un établissement ses nouvelles alertes de détournement de finalité (pseudonymes seulement) :
    fichier, archive data/alertes/, courriel si configuré, journal des accès. Une alerte n'est envoyée qu'une fois."""
    from rich.markup import escape

    from pipelines.rapports import QualiteBloquante, RapportError
    from pipelines.rapports.diffusion_alertes import envoyer_alertes

    settings = Settings.from_env(warehouse=warehouse)
    try:
        resultat = envoyer_alertes(settings, etablissement, depuis=depuis, forcer=forcer, sortie=out)
    except RapportError as exc:
        console.print(f"[bold red]{escape(str(exc))}[/]")
        raise typer.Exit(code=2 if isinstance(exc, QualiteBloquante) else 1) from None
    console.print(escape(resultat.message))


# The English names of before CONTRIBUTING.md's language rule, kept hidden for existing scripts.
for _ancien, _commande in (("generate", generate), ("build", build), ("dashboard", dashboard), ("rollback", rollback)):
    app.command(_ancien, hidden=True)(_commande)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
