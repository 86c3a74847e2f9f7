"""The e-mail to the CSE list: a short French message with the PDF attached, over SMTP (the alerts
sent to an establishment use the same message shape and the same sending).

Unlike a failure alert (``pipelines.alertes``, which must never raise), a report that cannot be
delivered is an error: it raises :class:`EnvoiError`, the sending is not recorded, and the next run
tries again.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from pipelines.core import mail
from pipelines.core.formats import format_date
from pipelines.rapports.erreurs import EnvoiError
from pipelines.rapports.periodes import ANNUELLE, TRIMESTRIELLE
from pipelines.rapports.reglages import ReglagesSmtp

DELAI_SMTP_S = 30
_ADJECTIF = {TRIMESTRIELLE: "trimestriel", ANNUELLE: "annuel"}


def objet(rapport) -> str:
    return f"[Socle] Rapport au CSE — {rapport.libelle_region} — {rapport.periode.libelle}"


def corps(rapport) -> str:
    arrete = format_date(rapport.date_arrete) if rapport.date_arrete else "inconnue"
    return (
        "Bonjour,\n\n"
        f"Veuillez trouver ci-joint le rapport {_ADJECTIF.get(rapport.periode.edition, 'mensuel')} de suivi de la "
        f"réforme pour le CSE de la région {rapport.libelle_region}, période : {rapport.periode.libelle}.\n\n"
        f"Date d'arrêté des données : {arrete}.\n"
        f"État qualité de la publication : {rapport.qualite}.\n\n"
        "Les chiffres proviennent de la vue publiée de Socle, après secret statistique : « s » marque une cellule "
        "secrète, « p » une valeur provisoire. Les définitions, les règles et les sources sont en annexe du rapport.\n\n"
        "Ce message est envoyé automatiquement par Socle ; pour toute question, adressez-vous à la direction "
        "régionale.\n"
    )


def message(rapport, expediteur: str, destinataires: list[str]) -> EmailMessage:
    return message_avec_piece(objet(rapport), corps(rapport), expediteur, destinataires, rapport.pdf,
                              "application/pdf", rapport.nom_fichier)


def message_avec_piece(objet_: str, corps_: str, expediteur: str, destinataires: list[str], contenu: bytes,
                       type_mime: str, nom_fichier: str) -> EmailMessage:
    """A plain-text French message with one attached file (reports, alerts to an establishment)."""
    msg = EmailMessage()
    msg["Subject"] = objet_
    msg["From"] = expediteur
    msg["To"] = ", ".join(destinataires)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=expediteur.rpartition("@")[2] or None)
    msg.set_content(corps_)
    maintype, _, subtype = type_mime.partition("/")
    msg.add_attachment(contenu, maintype=maintype, subtype=subtype, filename=nom_fichier)
    return msg


def envoyer(smtp: ReglagesSmtp, msg: EmailMessage) -> dict[str, tuple]:
    """Send; returns the recipients the server refused (empty when all accepted)."""
    try:
        return mail.send(smtp, msg, timeout=DELAI_SMTP_S)
    except smtplib.SMTPAuthenticationError as exc:
        raise EnvoiError(f"Le serveur SMTP {smtp.host}:{smtp.port} refuse l'authentification de "
                         f"« {smtp.user} » ({exc.smtp_code}).") from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise EnvoiError(f"Le serveur SMTP {smtp.host}:{smtp.port} refuse tous les destinataires : "
                         f"{', '.join(exc.recipients)}.") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise EnvoiError(f"Envoi impossible par le serveur SMTP {smtp.host}:{smtp.port} ({smtp.tls}) : {exc}.") from None
