"""Dispatch an establishment's new misuse alerts: file, archive, e-mail, sending record, access log.

The one function the Dagster job and ``socle alertes`` call, with the reports' machinery
(``pipelines.rapports.archive``, ``envoi``, ``reglages``). In order, under the sending lock
(``alertes/.envois.lock``), so that two runs never both send the same alert:

1. the establishment's alerts since ``depuis``, read from the internal warehouse under the build
   lock (``alertes_etablissement``), after the quality gate of its last build;
2. minus those already sent to that establishment (every id in ``alertes/envois.jsonl``), unless
   ``forcer``; ordered ``OBLIGATOIRE`` first;
3. none: nothing is archived, sent nor recorded (``sortie`` still gets the header);
4. else the file, archived under ``alertes/<établissement>/<AAAA-MM-JJ>.<ext>`` (a file of the same
   day already sent is kept beside it under its hash), e-mailed to the establishment's recipients
   when an SMTP server and recipients are configured (else the archive is the delivery), then one
   line in ``alertes/envois.jsonl`` with every alert id;
5. one event in the access log (``Settings.fichier_journal_acces``): who, which establishment, how
   many alerts, which file and its hash.

As for the reports, an SMTP failure raises and records nothing (the next run tries again), and a
crash between the server's acceptance and the record would send again: "at least once".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl

from pipelines.core import journal_acces
from pipelines.core.formats import format_date
from pipelines.core.settings import PREFIXE_FINALITE_DESTINATAIRES, Settings
from pipelines.rapports import alertes_etablissement as alertes
from pipelines.rapports.archive import archiver_fichier, enregistrer_envoi, lire_index, sha256, verrou
from pipelines.rapports.envoi import envoyer, message_avec_piece
from pipelines.rapports.qualite import lire_etat_qualite, verifier_qualite
from pipelines.rapports.reglages import ReglagesDiffusion, lire_reglages

logger = logging.getLogger("socle.rapports")

DOSSIER = "alertes"


@dataclass(frozen=True)
class EnvoiAlertes:
    etablissement: str
    nb_alertes: int  # in the file (0: nothing new)
    courriel: bool  # e-mailed to the establishment's recipients
    fichier: Path | None  # the archive (None when nothing new)
    sha256: str | None
    entree: dict | None  # the sending record (None when nothing new)
    message: str  # what happened, in French


def chemin_archive(data_dir: Path, etablissement: str, jour: date, fmt: str) -> Path:
    return Path(data_dir) / DOSSIER / etablissement / f"{jour.isoformat()}{fmt}"


def deja_envoyees(index: list[dict], etablissement: str | None = None, cle: str = "alertes") -> set[tuple[str, str]]:
    """(establishment, alert id) of every alert recorded as sent (to one establishment: None for all);
    ``cle="obligatoires"``: those sent with a mandatory examination."""
    return {(e.get("etablissement"), i) for e in index if etablissement in (None, e.get("etablissement"))
            for i in e.get(cle) or ()}


def a_envoyer(alertes_lues: pl.DataFrame, index: list[dict], etablissement: str | None = None) -> pl.DataFrame:
    """The alerts not sent yet to their establishment, and those sent as FACULTATIF that became
    OBLIGATOIRE since (the month's consultations go on: the establishment must now examine it)."""
    envoyees = deja_envoyees(index, etablissement)
    obligatoires = deja_envoyees(index, etablissement, "obligatoires")
    cles = pl.concat_str([pl.col("code_etablissement").fill_null(""), pl.col("id_alerte_generee")], separator="|")
    return alertes_lues.filter(
        ~cles.is_in([f"{e}|{i}" for e, i in envoyees])
        | ((pl.col("examen") == alertes.OBLIGATOIRE) & ~cles.is_in([f"{e}|{i}" for e, i in obligatoires]))
    )


def cle_run(etablissement: str, jour: date | str) -> str:
    """The Dagster run key of a dispatch: one run per establishment and day."""
    return f"alertes_etablissement|{jour}|{etablissement}"


def etablissements_a_envoyer(settings: Settings, depuis: date | str | None = None) -> list[str]:
    """Establishments with alerts since ``depuis`` (default ``SOCLE_ALERTES_FINALITE_DEPUIS``) not
    sent yet to them (the Dagster schedule)."""
    depuis = alertes.lire_depuis(depuis if depuis is not None else settings.finalite_depuis)
    with alertes.entrepot_interne(settings) as con:
        # a blocked build: the schedule skips the day rather than fail one run per establishment
        verifier_qualite(lire_etat_qualite(con), "Alertes aux établissements")
        toutes = alertes.lire_alertes(con, depuis=depuis).select("code_etablissement", "id_alerte_generee", "examen")
    nouvelles = a_envoyer(toutes, lire_index(settings.data_dir, DOSSIER))
    return sorted({e for e in nouvelles["code_etablissement"].to_list() if e is not None})


def envoyer_alertes(settings: Settings, etablissement: str, *, depuis: date | str | None = None,
                    jour: date | None = None, forcer: bool = False, fmt: str = ".csv", sortie: Path | None = None,
                    qui: str | None = None, origine: str = "cli",
                    reglages: ReglagesDiffusion | None = None) -> EnvoiAlertes:
    """Dispatch ``etablissement``'s new alerts (see the module). ``depuis``: default
    ``SOCLE_ALERTES_FINALITE_DEPUIS``; ``jour``: the archive's day (today); ``fmt``: ``.csv`` or
    ``.xlsx``, the extension of ``sortie`` when given; ``qui``: the OS account by default."""
    etablissement = alertes.normaliser_etablissement(etablissement)
    depuis = alertes.lire_depuis(depuis if depuis is not None else settings.finalite_depuis)
    fmt = alertes.format_de(sortie.suffix if sortie is not None else fmt)
    jour = jour or datetime.now().astimezone().date()
    qui = qui or journal_acces.utilisateur_systeme()
    reglages = reglages or lire_reglages(settings)
    destinataires = reglages.destinataires_alertes_de(etablissement)
    with verrou(settings.data_dir, DOSSIER):
        with alertes.entrepot_interne(settings) as con:
            alertes.verifier_etablissement(con, etablissement)
            verifier_qualite(lire_etat_qualite(con), f"Alertes de l'établissement {etablissement}")
            libelle = alertes.libelle_etablissement(con, etablissement)
            choisies = alertes.lire_alertes(con, etablissement, depuis)
            index = lire_index(settings.data_dir, DOSSIER)
            envoyees = {i for _, i in deja_envoyees(index, etablissement)}
            nouvelles = choisies if forcer else a_envoyer(choisies, index, etablissement)
            table = alertes.libeller(con, alertes.ordonner(nouvelles))
        contenu = alertes.contenu_fichier(table, fmt)
        if table.height == 0:
            resultat = _rien(etablissement, libelle, depuis, len(choisies), sortie, contenu)
        else:
            renvoi = forcer and not envoyees.isdisjoint(table["id_alerte_generee"].to_list())
            resultat = _envoyer(settings, reglages, etablissement, libelle, table, contenu, fmt, jour, depuis,
                                index, destinataires, force=renvoi, qui=qui, origine=origine)
        if sortie is not None:
            sortie.parent.mkdir(parents=True, exist_ok=True)
            sortie.write_bytes(contenu)
    fichier = resultat.fichier or sortie
    journal_acces.ajouter(
        settings.fichier_journal_acces, qui, None, journal_acces.PAGE_ALERTES, f"ETABLISSEMENT:{etablissement}",
        None, journal_acces.ACTION_ENVOI_ALERTES, nb_alertes=resultat.nb_alertes,
        fichier=str(fichier) if fichier else None, sha256=sha256(contenu) if fichier else None,
        destinataires=(resultat.entree or {}).get("destinataires", []), origine=origine, force=forcer,
    )
    logger.info(resultat.message)
    return resultat


def _rien(etablissement: str, libelle: str, depuis: date | None, deja: int, sortie: Path | None,
          contenu: bytes) -> EnvoiAlertes:
    texte = f"Aucune nouvelle alerte pour l'{libelle}" + (f" depuis le {format_date(depuis)}" if depuis else "")
    texte += " : rien n'est archivé ni envoyé"
    if deja:
        texte += f" ({deja} alerte(s) déjà envoyée(s) ; --forcer pour les renvoyer)"
    if sortie is not None:
        texte += f" ; fichier vide (en-tête seul) écrit : {sortie}"
    return EnvoiAlertes(etablissement, 0, False, None, None, None, texte + ".")


def _envoyer(settings: Settings, reglages: ReglagesDiffusion, etablissement: str, libelle: str, table, contenu: bytes,
             fmt: str, jour: date, depuis: date | None, index: list[dict], destinataires: list[str], *,
             force: bool, qui: str, origine: str) -> EnvoiAlertes:
    chemin = chemin_archive(settings.data_dir, etablissement, jour, fmt)
    empreinte = archiver_fichier(chemin, contenu, index)
    n = table.height
    obligatoires = int((table["examen"] == alertes.OBLIGATOIRE).sum())
    entree = {
        "horodatage": datetime.now().astimezone().isoformat(timespec="seconds"),
        "etablissement": etablissement,
        "jour": jour.isoformat(),
        "depuis": depuis.isoformat() if depuis else None,
        "fichier": str(chemin.relative_to(settings.data_dir)),
        "chemin": str(chemin),
        "format": fmt.lstrip("."),
        "sha256": empreinte,
        "octets": len(contenu),
        "nb_alertes": n,
        "nb_obligatoires": obligatoires,
        "alertes": table["id_alerte_generee"].to_list(),
        "obligatoires": table.filter(pl.col("examen") == alertes.OBLIGATOIRE)["id_alerte_generee"].to_list(),
        "courriel": False,
        "destinataires": [],
        "force": force,  # forced, and some alerts had been sent already
        "par": qui,
        "origine": origine,
    }
    quoi = f"{n} alerte(s) de l'{libelle}, dont {obligatoires} à examen obligatoire,"
    if reglages.smtp is not None and destinataires:
        smtp = reglages.smtp
        msg = message_avec_piece(_objet(libelle, jour, n, obligatoires), _corps(libelle, jour, n, obligatoires),
                                 smtp.sender, destinataires, contenu, alertes.FORMATS[fmt],
                                 f"socle-alertes-{etablissement}-{jour.isoformat()}{fmt}")
        refuses = envoyer(smtp, msg)
        entree |= {"courriel": True, "expediteur": smtp.sender, "destinataires": destinataires,
                   "refuses": sorted(refuses), "message_id": msg["Message-ID"], "serveur": f"{smtp.host}:{smtp.port}"}
        texte = f"{quoi} envoyée(s) à {', '.join(destinataires)} ({chemin}, SHA-256 {empreinte[:12]}…)."
        if refuses:
            texte += f" Destinataires refusés par le serveur : {', '.join(sorted(refuses))}."
    else:
        raison = ("aucun serveur SMTP configuré (SOCLE_SMTP_HOTE)" if reglages.smtp is None else
                  f"aucun destinataire configuré ({PREFIXE_FINALITE_DESTINATAIRES}{etablissement})")
        texte = f"{quoi} archivée(s) dans {chemin} (SHA-256 {empreinte[:12]}…) ; pas de courriel : {raison}."
    enregistrer_envoi(settings.data_dir, entree, DOSSIER)
    return EnvoiAlertes(etablissement, n, entree["courriel"], chemin, empreinte, entree, texte)


def _objet(libelle: str, jour: date, n: int, obligatoires: int) -> str:
    return (f"[Socle] Alertes de détournement de finalité — {libelle} — {format_date(jour)} "
            f"({n} nouvelle(s), dont {obligatoires} à examen obligatoire)")


def _corps(libelle: str, jour: date, n: int, obligatoires: int) -> str:
    return (
        "Bonjour,\n\n"
        f"Veuillez trouver ci-joint les {n} nouvelle(s) alerte(s) de détournement de finalité de l'{libelle} "
        f"au {format_date(jour)}, dont {obligatoires} à examen obligatoire (en tête du fichier).\n\n"
        "Chaque ligne est une situation à risque : un agent et la personne dont il a consulté le dossier (par "
        "leurs pseudonymes ; personne vide pour les consultations hors horaires), le mois, le nombre de "
        "consultations et de jours. Les alertes à examen obligatoire (consultations répétées) sont à examiner "
        "en priorité ; la conclusion de chaque examen revient dans Socle par l'export des alertes (campagne "
        "FLUX).\n\n"
        "Ce fichier est confidentiel : il est réservé aux personnes chargées de l'examen des alertes de "
        "l'établissement ; ne le transférez pas, ni au CSE ni à un comité.\n\n"
        "Ce message est envoyé automatiquement par Socle ; une alerte n'est envoyée qu'une fois.\n"
    )
