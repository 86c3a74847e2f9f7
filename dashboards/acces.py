"""Who may see what: users, roles, perimeters and sign-in of the dashboards.

Four roles (see ``docs/acces.md``):

- ``national``: every cell, internal view (``marts.indicateurs``, before statistical secret);
- ``direction_regionale`` of region R: R and every level below it, internal view;
- ``comite`` of one territory (region, département or bassin): that territory and the levels
  below it, published view only (``publication.indicateurs``, after statistical secret);
- ``cse`` of region R: R and the levels below it, published view only.

The perimeter is enforced by ``dashboards.data`` (every query of indicator cells takes a
:class:`Perimetre` and filters in SQL), not by the widgets.

Sign-in: by default a local users file (TOML, argon2 hashes; the demo accounts are written by
``socle demo`` only, never because the file is missing); with ``SOCLE_AUTH=oidc``, Streamlit's
OpenID Connect (``st.login``) and the same file maps each e-mail to a role. Every attempt goes to
the access log, and repeated failures for one identifier block it for a while (:class:`Limiteur`).
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from dashboards import journal
from pipelines.core.settings import Settings

NATIONAL = "national"
DIRECTION_REGIONALE = "direction_regionale"
COMITE = "comite"
CSE = "cse"
ROLES = (NATIONAL, DIRECTION_REGIONALE, COMITE, CSE)
#: Who sees the alert rules' page (figures about agents: never a committee nor the CSE).
ROLES_REGLES_ALERTES = (NATIONAL, DIRECTION_REGIONALE)

LIBELLES_ROLES = {
    NATIONAL: "National",
    DIRECTION_REGIONALE: "Direction régionale",
    COMITE: "Comité territorial",
    CSE: "CSE",
}

TABLE_INTERNE = "marts.indicateurs"
TABLE_PUBLIEE = "publication.indicateurs"

#: Levels a role may be attached to.
NIVEAUX_AUTORISES = {
    NATIONAL: {"NATIONAL"},
    DIRECTION_REGIONALE: {"REGION"},
    COMITE: {"REGION", "DEPARTEMENT", "BASSIN"},
    CSE: {"REGION"},
}

#: Session key of the signed-in user (server-side: a browser cannot write it).
CLE_SESSION = "utilisateur"


class AccesRefuse(PermissionError):
    """The user may not see this; the message is for the user, in French."""


class UtilisateurInvalide(ValueError):
    """An entry of the users file is inconsistent (unknown role, level not allowed...)."""


class ConnexionNonConfiguree(RuntimeError):
    """Nobody can sign in: no users file (or no OpenID Connect settings); the message, in French,
    says how to create them."""


class ConnexionRefusee(PermissionError):
    """A sign-in attempt failed or is blocked; the message is for the user, in French."""


@dataclass(frozen=True)
class Utilisateur:
    identifiant: str
    nom: str
    role: str
    territoire_niveau: str
    territoire_code: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise UtilisateurInvalide(f"Rôle inconnu pour {self.identifiant!r} : {self.role!r}")
        if self.territoire_niveau not in NIVEAUX_AUTORISES[self.role]:
            raise UtilisateurInvalide(
                f"Le rôle {self.role} de {self.identifiant!r} ne peut pas porter sur le niveau "
                f"{self.territoire_niveau!r} (autorisés : {sorted(NIVEAUX_AUTORISES[self.role])})"
            )
        if not self.territoire_code:
            raise UtilisateurInvalide(f"Territoire manquant pour {self.identifiant!r}")

    @property
    def perimetre(self) -> Perimetre:
        return Perimetre.de(self)


@dataclass(frozen=True)
class Perimetre:
    """What a user may read: which table, and which (niveau, territoire) cells.

    ``niveau is None`` means every cell (national). Otherwise the visible cells are the territory
    itself and the levels below it, resolved from the warehouse's referential by
    ``dashboards.data`` (so they follow the published referential):

    - REGION R: R, its départements (referential), its agencies, and every DEPARTEMENT and BASSIN
      all of whose agencies are in R;
    - DEPARTEMENT D: D, its agencies, and every BASSIN all of whose agencies are in D;
    - BASSIN B: B and its agencies.

    A bassin straddling the edge of the territory is not visible (its figure includes agencies
    outside the perimeter). ``NATIONAL`` is visible to national users only.
    """

    table: str
    publie: bool
    niveau: str | None = None
    code: str | None = None

    @classmethod
    def de(cls, utilisateur: Utilisateur) -> Perimetre:
        publie = utilisateur.role in (COMITE, CSE)
        table = TABLE_PUBLIEE if publie else TABLE_INTERNE
        if utilisateur.role == NATIONAL:
            return cls(table=table, publie=publie)
        return cls(
            table=table,
            publie=publie,
            niveau=utilisateur.territoire_niveau,
            code=utilisateur.territoire_code,
        )

    @property
    def tout(self) -> bool:
        return self.niveau is None


# ---------------------------------------------------------------------------------------------
# Users file


def chemin_utilisateurs() -> Path:
    """``SOCLE_UTILISATEURS``, else ``data/utilisateurs.toml`` (git-ignored: it holds hashes)."""
    return Settings.from_env().fichier_utilisateurs


#: Demo users written on first run; their passwords are their identifiers (docs/acces.md).
UTILISATEURS_DEMO = (
    Utilisateur("national", "Démo – national", NATIONAL, "NATIONAL", "FR"),
    Utilisateur("dr76", "Démo – direction régionale Occitanie", DIRECTION_REGIONALE, "REGION", "76"),
    Utilisateur("comite09", "Démo – comité Ariège", COMITE, "DEPARTEMENT", "09"),
    Utilisateur("cse93", "Démo – CSE Provence-Alpes-Côte d'Azur", CSE, "REGION", "93"),
)

_hasher = PasswordHasher()


def hacher(mot_de_passe: str) -> str:
    """Argon2id hash (salted, parameters in the string) of a password."""
    return _hasher.hash(mot_de_passe)


def verifier(hachage: str, mot_de_passe: str) -> bool:
    try:
        return _hasher.verify(hachage, mot_de_passe)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _toml_str(valeur: str) -> str:
    # A JSON string is a valid TOML basic string for the characters used here.
    return json.dumps(valeur, ensure_ascii=False)


def ecrire_utilisateurs_demo(chemin: Path) -> None:
    """Write the demo users file (fresh hashes); never overwrites an existing file."""
    lignes = [
        "# Utilisateurs des tableaux de bord (voir docs/acces.md). Fichier local : ne pas versionner.",
        "",
    ]
    for u in UTILISATEURS_DEMO:
        lignes += [
            "[[utilisateurs]]",
            f"identifiant = {_toml_str(u.identifiant)}",
            f"nom = {_toml_str(u.nom)}",
            f"role = {_toml_str(u.role)}",
            f"territoire_niveau = {_toml_str(u.territoire_niveau)}",
            f"territoire_code = {_toml_str(u.territoire_code)}",
            f"mot_de_passe = {_toml_str(hacher(u.identifiant))}",
            "",
        ]
    chemin.parent.mkdir(parents=True, exist_ok=True)
    # "x": never overwrite a file someone created meanwhile.
    with open(chemin, "x", encoding="utf-8") as f:
        f.write("\n".join(lignes))
    os.chmod(chemin, 0o600)


def creer_utilisateurs_demo(chemin: Path | None = None) -> bool:
    """For ``socle demo`` only: the demo users file when there is none. True if written now."""
    chemin = Path(chemin or chemin_utilisateurs())
    if chemin.exists():  # before hashing: a demo run again keeps its file
        return False
    try:
        ecrire_utilisateurs_demo(chemin)
    except FileExistsError:
        return False
    return True


def exiger_fichier_utilisateurs(chemin: Path | None = None) -> Path:
    """The users file; :class:`ConnexionNonConfiguree` when it is missing.

    A missing file used to be created with the demo accounts (password = identifier): a server
    started without one would have let anyone in as ``national``.
    """
    chemin = Path(chemin or chemin_utilisateurs())
    if not chemin.is_file():
        raise ConnexionNonConfiguree(
            f"Aucun fichier d'utilisateurs en {chemin} : personne ne pourrait se connecter. Créez-le "
            "(format et empreinte des mots de passe : docs/acces.md, « Connexion par défaut ») "
            "ou indiquez le vôtre par SOCLE_UTILISATEURS ; pour essayer avec les comptes de "
            "démonstration : socle demo."
        )
    return chemin


def lire_utilisateurs(chemin: Path | None = None) -> list[dict]:
    """Entries of the users file (:class:`ConnexionNonConfiguree` when it is missing)."""
    with open(exiger_fichier_utilisateurs(chemin), "rb") as f:
        return list(tomllib.load(f).get("utilisateurs", []))


def _utilisateur(entree: Mapping) -> Utilisateur:
    return Utilisateur(
        identifiant=str(entree["identifiant"]),
        nom=str(entree.get("nom") or entree["identifiant"]),
        role=str(entree["role"]),
        territoire_niveau=str(entree["territoire_niveau"]),
        territoire_code=str(entree["territoire_code"]),
    )


def authentifier(identifiant: str, mot_de_passe: str, chemin: Path | None = None) -> Utilisateur | None:
    """The user if the password matches its hash, else None (unknown user, wrong password, or an
    entry without password: those sign in through OpenID Connect only)."""
    for entree in lire_utilisateurs(chemin):
        if entree.get("identifiant") == identifiant:
            hachage = entree.get("mot_de_passe")
            if hachage and verifier(hachage, mot_de_passe):
                return _utilisateur(entree)
            return None
    # Same cost as a wrong password, so the answer time does not tell whether the user exists.
    verifier(_HACHAGE_LEURRE, mot_de_passe)
    return None


#: A hash of a decoy password with the hasher's parameters (a test checks they match), written
#: here rather than computed at import: hashing costs a third of a second of CPU by design, and
#: every process reading the dashboards' modules paid it.
_HACHAGE_LEURRE = "$argon2id$v=19$m=65536,t=3,p=4$YhuHDsM3B+g1b1GCm9TkEQ$L7geu/4yt4VziJaQMUtgZTzqCTHmnCW2SfPAtZzcU4c"


# ---------------------------------------------------------------------------------------------
# Sign-in attempts: throttled and logged

#: After this many failed sign-ins for one identifier within ``FENETRE_ECHECS`` seconds, its
#: attempts are refused for ``DUREE_BLOCAGE`` seconds, right password or not.
ECHECS_AVANT_BLOCAGE = 5
FENETRE_ECHECS = 15 * 60
DUREE_BLOCAGE = 15 * 60
#: Beyond this many identifiers with recent failures, the expired ones are forgotten (memory).
IDENTIFIANTS_SUIVIS = 10_000


class Limiteur:
    """Recent failed sign-ins per identifier, in the server process's memory: shared by all its
    sessions (a new browser session does not start afresh), forgotten at restart.

    Keyed by the identifier whatever its case and spaces, whether the account exists or not (the
    answer must not tell). ``horloge`` is for the tests.
    """

    def __init__(self, echecs_max: int = ECHECS_AVANT_BLOCAGE, fenetre: float = FENETRE_ECHECS,
                 blocage: float = DUREE_BLOCAGE, horloge: Callable[[], float] = time.monotonic):
        self.echecs_max, self.fenetre, self.blocage, self.horloge = echecs_max, fenetre, blocage, horloge
        self._echecs: dict[str, list[float]] = {}
        self._bloque_jusqu_a: dict[str, float] = {}
        self._verrou = threading.Lock()  # sessions run in threads of their own

    @staticmethod
    def _cle(identifiant: str) -> str:
        return identifiant.strip().casefold()[:200]  # a pasted text must not grow the memory

    def attente(self, identifiant: str) -> float:
        """Seconds before ``identifiant`` may try again (0: now)."""
        with self._verrou:
            reste = self._bloque_jusqu_a.get(self._cle(identifiant), 0) - self.horloge()
        return max(reste, 0)

    def echec(self, identifiant: str) -> None:
        cle, maintenant = self._cle(identifiant), self.horloge()
        with self._verrou:
            recents = [t for t in self._echecs.get(cle, []) if t > maintenant - self.fenetre] + [maintenant]
            if len(recents) >= self.echecs_max:
                self._bloque_jusqu_a[cle] = maintenant + self.blocage
                recents = []
            self._echecs[cle] = recents
            if len(self._echecs) > IDENTIFIANTS_SUIVIS:
                self._oublier_expires(maintenant)

    def succes(self, identifiant: str) -> None:
        with self._verrou:
            self._echecs.pop(self._cle(identifiant), None)

    def _oublier_expires(self, maintenant: float) -> None:
        self._echecs = {c: ts for c, ts in self._echecs.items() if ts and ts[-1] > maintenant - self.fenetre}
        self._bloque_jusqu_a = {c: t for c, t in self._bloque_jusqu_a.items() if t > maintenant}


#: The server's limiter (one per process, like the sessions it protects).
LIMITEUR = Limiteur()


def se_connecter(identifiant: str, mot_de_passe: str, chemin: Path | None = None,
                 limiteur: Limiteur | None = None) -> Utilisateur:
    """Sign-in with the form: the user, else :class:`ConnexionRefusee`. Each attempt is logged
    (identifier and outcome, never the password); a blocked identifier is not even checked."""

    limiteur = limiteur or LIMITEUR
    attente = limiteur.attente(identifiant)
    if attente:
        journal.journaliser_connexion(identifiant, "connexion_bloquee")
        raise ConnexionRefusee(
            "Trop de tentatives de connexion échouées pour cet identifiant : réessayez dans "
            f"{math.ceil(attente / 60)} minute(s)."
        )
    u = authentifier(identifiant, mot_de_passe, chemin)
    if u is None:
        limiteur.echec(identifiant)
        journal.journaliser_connexion(identifiant, "echec_connexion")
        raise ConnexionRefusee("Identifiant ou mot de passe incorrect.")
    limiteur.succes(identifiant)
    journal.journaliser_connexion(identifiant, "connexion", u)
    return u


def utilisateur_oidc(claims: Mapping, chemin: Path | None = None) -> Utilisateur | None:
    """Map an OpenID Connect identity (``st.user``) to a user of the file by its e-mail.

    The provider must say the e-mail is verified (``email_verified``, when it sends it); the
    match is case-insensitive on the entry's ``courriel``. Unknown e-mail: None (no access).
    """
    courriel = str(claims.get("email") or "").strip().lower()
    if not courriel or claims.get("email_verified") is False:
        return None
    for entree in lire_utilisateurs(chemin):
        if str(entree.get("courriel") or "").strip().lower() == courriel:
            return _utilisateur(entree)
    return None


def mode_authentification() -> str:
    """``SOCLE_AUTH``: ``fichier`` (default) or ``oidc``."""
    return Settings.from_env().auth


# ---------------------------------------------------------------------------------------------
# Streamlit


def utilisateur_courant() -> Utilisateur | None:
    """The signed-in user of this session, if any."""
    import streamlit as st

    u = st.session_state.get(CLE_SESSION)
    return u if isinstance(u, Utilisateur) else None


def exiger_utilisateur() -> Utilisateur:
    """For a page: the signed-in user, else a French message and the page stops."""
    import streamlit as st

    u = utilisateur_courant()
    if u is None:
        st.error("Connexion requise.", icon=":material/lock:")
        st.stop()
    return u


def exiger_role(*roles: str, motif: str = "Accès refusé : cette page est réservée au niveau national.") -> Utilisateur:
    """For a page restricted to some roles: refuses (and stops) any other user, saying ``motif``."""
    import streamlit as st

    u = exiger_utilisateur()
    if u.role not in roles:
        st.error(motif, icon=":material/block:")
        st.stop()
    return u


def connexion() -> Utilisateur | None:
    """Sign-in form (before ``st.navigation``): the user once signed in, else None (the form is
    shown and nothing else should be)."""
    import streamlit as st

    u = utilisateur_courant()
    if u is not None:
        return u
    if mode_authentification() == "oidc":
        return _connexion_oidc()

    st.title("Connexion")
    with st.form("connexion"):
        identifiant = st.text_input("Identifiant", key="connexion_identifiant")
        mot_de_passe = st.text_input("Mot de passe", type="password", key="connexion_mot_de_passe")
        envoye = st.form_submit_button("Se connecter")
    if envoye:
        try:
            u = se_connecter(identifiant.strip(), mot_de_passe)
        except (ConnexionRefusee, ConnexionNonConfiguree) as exc:
            st.error(str(exc))
            return None
        st.session_state[CLE_SESSION] = u
        st.rerun()
    return None


#: Session key: the refusal of this OpenID Connect identity is already logged (once per session,
#: not at every rerun of the page that says so).
_CLE_REFUS_OIDC = "_connexion_oidc_refusee"


def _connexion_oidc() -> Utilisateur | None:
    import streamlit as st


    if not st.user.is_logged_in:
        st.title("Connexion")
        st.button("Se connecter", on_click=st.login, icon=":material/login:")
        return None
    claims = st.user.to_dict()
    try:
        u = utilisateur_oidc(claims)
    except ConnexionNonConfiguree as exc:
        st.title("Connexion")
        st.error(str(exc))
        return None
    if u is None:
        if not st.session_state.get(_CLE_REFUS_OIDC):
            journal.journaliser_connexion(str(claims.get("email") or ""), "echec_connexion")
            st.session_state[_CLE_REFUS_OIDC] = True
        st.title("Connexion")
        st.error(
            "Votre compte n'a pas de rôle sur les tableaux de bord : demandez-le à "
            "l'administrateur."
        )
        st.button("Se déconnecter", on_click=st.logout)
        return None
    journal.journaliser_connexion(u.identifiant, "connexion", u)
    st.session_state[CLE_SESSION] = u
    return u


def deconnexion() -> None:
    import streamlit as st

    st.session_state.pop(CLE_SESSION, None)
    if mode_authentification() == "oidc" and st.user.is_logged_in:
        st.logout()
