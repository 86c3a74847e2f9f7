"""Access control: users, perimeters enforced by the data layer, sign-in, access log."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import acces, data, data_metadonnees, data_territoires, journal
from dashboards.acces import Utilisateur
from pipelines.core.indicateurs import A1, B1

from .conftest import AGENCES, DEPARTEMENTS, MOIS

RACINE = Path(__file__).resolve().parents[2]
APP = RACINE / "dashboards" / "app.py"
PAGE_JOURNAL = RACINE / "dashboards" / "ecrans" / "journal_acces.py"
TIMEOUT = 60

NATIONAL = Utilisateur("nat", "National", "national", "NATIONAL", "FR")
DR76 = Utilisateur("dr76", "DR Occitanie", "direction_regionale", "REGION", "76")
COMITE31 = Utilisateur("c31", "Comité 31", "comite", "DEPARTEMENT", "31")
COMITE_BASSIN = Utilisateur("c7601", "Comité bassin 7601", "comite", "BASSIN", "7601")
COMITE84 = Utilisateur("c84", "Comité 84", "comite", "REGION", "84")
CSE84 = Utilisateur("cse84", "CSE 84", "cse", "REGION", "84")
TOUS = [NATIONAL, DR76, COMITE31, COMITE_BASSIN, COMITE84, CSE84]


def _attendus(u: Utilisateur) -> set[tuple[str, str]] | None:
    """Visible (niveau, territoire), derived here from the referential lists (None: all)."""
    if u.role == "national":
        return None
    col = {"REGION": 2, "DEPARTEMENT": 1, "BASSIN": 3}[u.territoire_niveau]
    agences = {a[0] for a in AGENCES if a[col] == u.territoire_code}
    vus = {(u.territoire_niveau, u.territoire_code)} | {("AGENCE", a) for a in agences}
    if u.territoire_niveau in ("REGION", "DEPARTEMENT"):
        for b in {a[3] for a in AGENCES}:
            if {a[0] for a in AGENCES if a[3] == b} <= agences:
                vus.add(("BASSIN", b))
    if u.territoire_niveau == "REGION":
        vus |= {("DEPARTEMENT", d) for d, _, r in DEPARTEMENTS if r == u.territoire_code}
    return vus


def _table(path, table: str) -> dict[tuple, dict]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        df = con.sql(f"select * from {table} where type_periode = 'mois'").pl()  # the pages show months
    finally:
        con.close()
    cle = ("indicateur", "periode", "niveau", "territoire", "dimension", "modalite")
    return {tuple(r[c] for c in cle): r for r in df.to_dicts()}


# ---------------------------------------------------------------------------------------------
# Perimeters


def test_perimetre_par_role():
    assert NATIONAL.perimetre.tout and NATIONAL.perimetre.table == "marts.indicateurs"
    assert DR76.perimetre.table == "marts.indicateurs" and not DR76.perimetre.publie
    for u in (COMITE31, COMITE_BASSIN, CSE84):
        assert u.perimetre.table == "publication.indicateurs" and u.perimetre.publie
        assert (u.perimetre.niveau, u.perimetre.code) == (u.territoire_niveau, u.territoire_code)


@pytest.mark.parametrize(
    "role, niveau",
    [("cse", "DEPARTEMENT"), ("direction_regionale", "BASSIN"), ("national", "REGION"), ("admin", "REGION")],
)
def test_utilisateur_incoherent_refuse(role, niveau):
    with pytest.raises(acces.UtilisateurInvalide):
        Utilisateur("x", "X", role, niveau, "76")


def test_un_perimetre_est_obligatoire(entrepot):
    with pytest.raises(TypeError):
        data.extraire(entrepot.path, None, [A1], "REGION", ["76"])
    with pytest.raises(TypeError):
        data.extraire_parent(entrepot.path, None, [A1], "DEPARTEMENT", "31")


@pytest.mark.parametrize("u", TOUS, ids=lambda u: u.identifiant)
def test_toutes_les_requetes_respectent_le_perimetre(entrepot, u):
    p, chemin = u.perimetre, entrepot.path
    attendus = _attendus(u)

    def dans(df):
        return attendus is None or set(df.select("niveau", "territoire").unique().rows()) <= attendus

    choix = data.territoires(chemin, p)
    assert dans(choix.rename({"code": "territoire"}))
    assert set(choix["niveau"]) <= set(data_territoires.NIVEAUX_CHOISIS)
    for niveau, code in [("REGION", "76"), ("REGION", "84"), ("DEPARTEMENT", "31"), ("DEPARTEMENT", "34"),
                         ("BASSIN", "7601"), ("BASSIN", "7602"), ("AGENCE", "31002"), ("NATIONAL", "FR")]:
        existe = any(k[2] == niveau and k[3] == code for k in _table(chemin, "marts.indicateurs"))
        visible = attendus is None or (niveau, code) in attendus
        df = data.extraire(chemin, p, [A1, B1], niveau, [code], dimension=None)
        assert dans(df)
        assert (df.height > 0) == (visible and existe), (niveau, code)
        # Every territory of a level, without naming them: still only the perimeter's.
        assert dans(data.extraire(chemin, p, [A1], niveau, None))
    for niveau, code in [("REGION", "76"), ("REGION", "84"), ("DEPARTEMENT", "31"), ("BASSIN", "7601")]:
        codes = data_territoires.codes_inferieurs(chemin, niveau, code)
        assert dans(data.extraire(chemin, p, [A1], data_territoires.NIVEAU_INFERIEUR[niveau], codes))


def _parent_attendu(niveau: str, code: str) -> tuple[str, str] | None:
    """The comparison parent, derived here from the fixture's referential lists."""
    if niveau == "NATIONAL":
        return None
    if niveau == "REGION":
        return ("NATIONAL", "FR")
    if niveau == "DEPARTEMENT":
        return ("REGION", next(r for d, _, r in DEPARTEMENTS if d == code))
    if niveau == "AGENCE":
        return ("DEPARTEMENT", next(a[1] for a in AGENCES if a[0] == code))
    deps = {a[1] for a in AGENCES if a[3] == code}
    regions = {a[2] for a in AGENCES if a[3] == code}
    if len(deps) == 1:
        return ("DEPARTEMENT", deps.pop())
    return ("REGION", regions.pop()) if len(regions) == 1 else ("NATIONAL", "FR")


def _ancetres(niveau: str, code: str) -> set[tuple[str, str]]:
    vus, courant = set(), (niveau, code)
    while (courant := _parent_attendu(*courant)) is not None:
        vus.add(courant)
    return vus


@pytest.mark.parametrize("u", TOUS, ids=lambda u: u.identifiant)
def test_comparaison_au_parent_publiee_et_limitee_aux_ancetres(entrepot, u):
    """The parent of a territory, for the comparisons: through the perimeter when it is in it;
    else only a **published** ancestor of the perimeter's own territory; nothing for a
    territory outside the perimeter."""
    chemin, p = entrepot.path, u.perimetre
    tables = {"publication": _table(chemin, "publication.indicateurs"), "interne": _table(chemin, "marts.indicateurs")}
    cle = ("indicateur", "periode", "niveau", "territoire", "dimension", "modalite")
    attendus = _attendus(u)
    cibles = [("DEPARTEMENT", "31"), ("DEPARTEMENT", "34"), ("DEPARTEMENT", "69"), ("REGION", "76"),
              ("REGION", "84"), ("AGENCE", "31002"), ("AGENCE", "34001"), ("BASSIN", "7601"), ("BASSIN", "7602")]
    for niveau, code in cibles:
        df = data.extraire_parent(chemin, p, [A1], niveau, code)
        parent = _parent_attendu(niveau, code)
        if attendus is None:
            source = "interne"
        elif (niveau, code) not in attendus:
            assert df.height == 0, (u.identifiant, niveau, code)
            continue
        elif parent in attendus:
            source = "publication" if p.publie else "interne"
        elif parent in _ancetres(u.territoire_niveau, u.territoire_code):
            source = "publication"
        else:
            assert df.height == 0
            continue
        assert set(df.select("niveau", "territoire").unique().rows()) <= {parent}
        for r in df.to_dicts():
            attendu = tables[source][tuple(r[c] for c in cle)]
            assert (r["valeur"], bool(r["secret"])) == (attendu["valeur"], bool(attendu.get("secret", False)))
    if u is COMITE31:
        df = data.extraire_parent(chemin, p, [A1], "DEPARTEMENT", "31")
        assert set(df["territoire"]) == {"76"} and df.height == len(MOIS)
        assert data.extraire_parent(chemin, p, [A1], "DEPARTEMENT", "34").height == 0


#: Internal values no published cell has, written into ``marts.indicateurs`` for the comparison test.
MARQUE_INTERNE = 987_654.0


@pytest.mark.parametrize("u", TOUS, ids=lambda u: u.identifiant)
def test_comparaison_a_d_autres_territoires_publiee_hors_perimetre(entrepot, u):
    """Territories of the same level, for the comparisons: through the perimeter inside it, only
    the **published** cells outside it, never an internal value of a territory the user cannot
    see (the internal cells carry marks here that no published cell has)."""
    chemin, p = entrepot.path, u.perimetre
    con = duckdb.connect(str(chemin))
    try:
        con.execute("update marts.indicateurs set valeur = ? where niveau in ('DEPARTEMENT', 'REGION')",
                    [MARQUE_INTERNE])
    finally:
        con.close()
    attendus = _attendus(u)
    for niveau, codes in (("DEPARTEMENT", ["31", "34", "69"]), ("REGION", ["76", "84"]), ("BASSIN", ["7601", "7602"])):
        df = data.extraire_comparables(chemin, p, [A1, B1], niveau, None)
        assert set(df["territoire"]) == {r[3] for r in _table(chemin, "publication.indicateurs") if r[2] == niveau}
        for r in df.to_dicts():
            dedans = attendus is None or (niveau, r["territoire"]) in attendus
            if dedans and not p.publie:
                continue  # the perimeter's own table, as everywhere else
            assert r["valeur"] != MARQUE_INTERNE, (u.identifiant, niveau, r["territoire"])
        # named codes: the same rule, nothing else
        assert set(data.extraire_comparables(chemin, p, [A1], niveau, codes[:1])["territoire"]) == {codes[0]}
    interne = data.extraire_comparables(chemin, p, [A1], "DEPARTEMENT", ["31"])
    assert (interne["valeur"] == MARQUE_INTERNE).all() == (u in (NATIONAL, DR76))
    # 12-month values read the same way (the published total outside the perimeter)
    douze = data.extraire_comparables(chemin, p, ["entrees"], "DEPARTEMENT", ["69"], type_periode="cumul_12_mois")
    assert douze["valeur"].to_list() == [MARQUE_INTERNE if p.tout else 9_876]
    with pytest.raises(ValueError):
        data.extraire_comparables(chemin, p, [A1], "AGENCE", None)
    with pytest.raises(TypeError):
        data.extraire_comparables(chemin, None, [A1], "DEPARTEMENT", None)


def test_territoires_du_niveau_et_leurs_agences(entrepot):
    departements = data_territoires.territoires_du_niveau(entrepot.path, "DEPARTEMENT")
    assert departements.rows() == [(d, lib, sum(a[1] == d for a in AGENCES)) for d, lib, _ in sorted(DEPARTEMENTS)]
    bassins = dict(data_territoires.territoires_du_niveau(entrepot.path, "BASSIN").select("code", "agences").rows())
    assert bassins == {"1101": 1, "7601": 2, "7602": 1, "8401": 1}


def _ecrire_resultats_qualite(chemin) -> None:
    con = duckdb.connect(str(chemin))
    try:
        con.execute("create schema qualite")
        con.execute("create table qualite.resultats (horodatage timestamp, suite varchar, cible varchar, "
                    "controle varchar, description varchar, severite varchar, succes boolean, details varchar, "
                    "lignes bigint, anomalies bigint)")
        con.execute("insert into qualite.resultats values (now(), 'marts', 'indicateurs', 'taux_borne', "
                    "'taux dans [0, 1]', 'avertissement', false, 'AGENCE 34001 : valeur 7 avant secret', 1234, 3)")
    finally:
        con.close()


def test_resultats_qualite_selon_le_perimetre(entrepot):
    """The checks' details quote internal rows of any territory and their counts span every
    territory: nothing ties them to a perimeter, so only national users read them."""
    _ecrire_resultats_qualite(entrepot.path)
    for u in TOUS:
        (r,) = data_metadonnees.resultats_qualite(entrepot.path, u.perimetre).to_dicts()
        assert (r["controle"], r["succes"], r["severite"]) == ("taux_borne", False, "avertissement")
        valeurs = (r["details"], r["lignes"], r["anomalies"])
        if u.perimetre.tout:
            assert valeurs == ("AGENCE 34001 : valeur 7 avant secret", 1234, 3)
        else:
            assert valeurs == (None, None, None), u.identifiant
    with pytest.raises(TypeError):
        data_metadonnees.resultats_qualite(entrepot.path, None)


def test_comite_31_n_obtient_rien_d_un_autre_departement(entrepot):
    p, chemin = COMITE31.perimetre, entrepot.path
    for dep in ("32", "34", "69"):
        assert data.extraire(chemin, p, [A1, B1], "DEPARTEMENT", [dep], dimension=None).height == 0
    assert data.extraire(chemin, p, [A1], "BASSIN", ["7601"]).height == 0  # straddles 31 and 34
    assert data.extraire(chemin, p, [A1], "AGENCE", ["34001"]).height == 0
    assert data.extraire(chemin, p, [A1], "DEPARTEMENT", None)["territoire"].unique().to_list() == ["31"]
    assert data.territoires(chemin, p).select("niveau", "code").rows() == [("DEPARTEMENT", "31"), ("BASSIN", "7602")]
    assert data.extraire(chemin, p, [A1], "DEPARTEMENT", ["31"]).height == len(MOIS)


def test_un_code_forge_ne_sort_pas_du_perimetre(entrepot):
    """Codes are SQL parameters, never text of the query."""
    forge = Utilisateur("x", "X", "comite", "DEPARTEMENT", "31' or true --")
    assert data.cellules(entrepot.path, forge.perimetre).height == 0
    assert data.extraire(entrepot.path, COMITE31.perimetre, [A1], "DEPARTEMENT", ["34' or true --"]).height == 0
    assert data.extraire(entrepot.path, COMITE31.perimetre, [A1], "DEPARTEMENT' or true --", None).height == 0


# ---------------------------------------------------------------------------------------------
# Users file and passwords


def test_hachage_argon2():
    h = acces.hacher("secret")
    assert h.startswith("$argon2id$") and "secret" not in h
    assert acces.hacher("secret") != h  # salted
    assert acces.verifier(h, "secret")
    assert not acces.verifier(h, "Secret")
    assert not acces.verifier("pas un hachage", "secret")
    # an unknown user costs a verification with the same parameters as a real account's
    assert not acces._hasher.check_needs_rehash(acces._HACHAGE_LEURRE)
    assert not acces.verifier(acces._HACHAGE_LEURRE, "secret")


def test_sans_fichier_aucun_compte_de_demonstration(tmp_path):
    """Only ``socle demo`` writes the demo accounts: a missing file is an error, never created."""
    chemin = tmp_path / "sous" / "utilisateurs.toml"
    with pytest.raises(acces.ConnexionNonConfiguree, match="socle demo"):
        acces.lire_utilisateurs(chemin)
    with pytest.raises(acces.ConnexionNonConfiguree):
        acces.authentifier("national", "national", chemin)
    assert not chemin.exists()


def test_fichier_demo_ecrit_par_la_demo(tmp_path):
    chemin = tmp_path / "sous" / "utilisateurs.toml"
    assert acces.creer_utilisateurs_demo(chemin)
    entrees = acces.lire_utilisateurs(chemin)
    assert {e["identifiant"] for e in entrees} == {u.identifiant for u in acces.UTILISATEURS_DEMO}
    for e in entrees:
        assert e["mot_de_passe"].startswith("$argon2id$") and e["identifiant"] not in e["mot_de_passe"]
    assert chemin.stat().st_mode & 0o077 == 0  # hashes readable by their owner only
    # A second demo keeps the file (and its hashes) as it is.
    contenu = chemin.read_text()
    assert not acces.creer_utilisateurs_demo(chemin)
    assert chemin.read_text() == contenu


@pytest.fixture(scope="module")
def fichier_demo(tmp_path_factory) -> Path:
    chemin = tmp_path_factory.mktemp("demo") / "utilisateurs.toml"
    acces.creer_utilisateurs_demo(chemin)
    return chemin


@pytest.mark.parametrize("u", acces.UTILISATEURS_DEMO, ids=lambda u: u.identifiant)
def test_authentifier_les_utilisateurs_demo(fichier_demo, u):
    assert acces.authentifier(u.identifiant, u.identifiant, fichier_demo) == u
    assert acces.authentifier(u.identifiant, "mauvais", fichier_demo) is None


def test_authentifier_inconnu_et_entree_sans_mot_de_passe(tmp_path):
    chemin = tmp_path / "u.toml"
    chemin.write_text(
        '[[utilisateurs]]\nidentifiant = "oidc"\nnom = "O"\nrole = "cse"\nterritoire_niveau = "REGION"\n'
        'territoire_code = "76"\ncourriel = "Cse@Exemple.fr"\n'
    )
    assert acces.authentifier("inconnu", "x", chemin) is None
    assert acces.authentifier("oidc", "", chemin) is None


def test_correspondance_oidc(tmp_path):
    chemin = tmp_path / "u.toml"
    chemin.write_text(
        '[[utilisateurs]]\nidentifiant = "marie"\nnom = "Marie"\nrole = "comite"\n'
        'territoire_niveau = "BASSIN"\nterritoire_code = "7601"\ncourriel = "Marie.D@exemple.fr"\n'
    )
    u = acces.utilisateur_oidc({"email": "marie.d@EXEMPLE.fr", "email_verified": True}, chemin)
    assert u == Utilisateur("marie", "Marie", "comite", "BASSIN", "7601")
    assert acces.utilisateur_oidc({"email": "marie.d@exemple.fr", "email_verified": False}, chemin) is None
    assert acces.utilisateur_oidc({"email": "autre@exemple.fr"}, chemin) is None
    assert acces.utilisateur_oidc({}, chemin) is None


# ---------------------------------------------------------------------------------------------
# Access log


def _journal(tmp_path) -> list[dict]:
    chemin = tmp_path / "journal_acces.jsonl"
    return [json.loads(ligne) for ligne in chemin.read_text().splitlines()] if chemin.exists() else []


def test_journaliser_ajoute_une_ligne_par_evenement(tmp_path):
    journal.journaliser(DR76, "synthese_territoriale", "REGION:76")
    journal.journaliser(COMITE31, "synthese_territoriale", "DEPARTEMENT:31", A1, "telechargement")
    lignes = _journal(tmp_path)
    assert len(lignes) == 2
    assert lignes[0]["identifiant"] == "dr76" and lignes[0]["role"] == "direction_regionale"
    assert lignes[0]["page"] == "synthese_territoriale" and lignes[0]["territoire"] == "REGION:76"
    assert lignes[0]["action"] == "vue" and lignes[0]["horodatage"].endswith("+00:00")
    assert lignes[1]["indicateur"] == A1 and lignes[1]["action"] == "telechargement"
    lu = journal.lire_journal()
    assert lu.height == 2 and lu["identifiant"][0] == "c31"  # most recent first
    with pytest.raises(ValueError):
        journal.journaliser(DR76, "p", action="suppression")


def test_le_journal_ne_reecrit_jamais(tmp_path):
    chemin = tmp_path / "journal_acces.jsonl"
    chemin.write_text("ligne ancienne abimée\n")
    journal.journaliser(NATIONAL, "p")
    assert chemin.read_text().startswith("ligne ancienne abimée\n")
    assert journal.lire_journal().height == 1  # the damaged line is skipped


def test_limiteur_bloque_apres_des_echecs_repetes():
    horloge = [1_000.0]
    lim = acces.Limiteur(echecs_max=3, fenetre=60, blocage=300, horloge=lambda: horloge[0])
    for _ in range(2):
        lim.echec("Marie")
        horloge[0] += 10
    assert lim.attente("marie") == 0
    lim.echec(" MARIE ")  # the same identifier, whatever its case and spaces
    assert lim.attente("marie") == 300 and lim.attente("autre") == 0
    horloge[0] += 299
    assert lim.attente("marie") == 1
    horloge[0] += 1
    assert lim.attente("marie") == 0
    # Failures older than the window are forgotten; a success forgets them all.
    lim.echec("paul")
    lim.echec("paul")
    horloge[0] += 61
    lim.echec("paul")
    assert lim.attente("paul") == 0
    lim.echec("paul")
    lim.succes("paul")
    lim.echec("paul")
    assert lim.attente("paul") == 0
    assert (acces.ECHECS_AVANT_BLOCAGE, acces.FENETRE_ECHECS, acces.DUREE_BLOCAGE) == (5, 15 * 60, 15 * 60)


def test_chaque_tentative_de_connexion_est_journalisee(fichier_demo, tmp_path):
    lim = acces.Limiteur(echecs_max=2)
    with pytest.raises(acces.ConnexionRefusee, match="incorrect"):
        acces.se_connecter("dr76", "secret-tape-par-erreur", fichier_demo, lim)
    assert acces.se_connecter("dr76", "dr76", fichier_demo, lim).role == "direction_regionale"
    for _ in range(2):
        with pytest.raises(acces.ConnexionRefusee, match="incorrect"):
            acces.se_connecter("inconnu", "x", fichier_demo, lim)
    with pytest.raises(acces.ConnexionRefusee, match="Trop de tentatives"):
        acces.se_connecter("inconnu", "x", fichier_demo, lim)
    lignes = _journal(tmp_path)
    assert [(e["identifiant"], e["role"], e["page"], e["action"]) for e in lignes] == [
        ("dr76", None, "connexion", "echec_connexion"),
        ("dr76", "direction_regionale", "connexion", "connexion"),
        ("inconnu", None, "connexion", "echec_connexion"),
        ("inconnu", None, "connexion", "echec_connexion"),
        ("inconnu", None, "connexion", "connexion_bloquee"),
    ]
    assert "secret-tape-par-erreur" not in (tmp_path / "journal_acces.jsonl").read_text()
    assert journal.lire_journal()["action"][0] == "connexion_bloquee"


# ---------------------------------------------------------------------------------------------
# The app


def _app(u: Utilisateur | None, entrepot, monkeypatch, fichier=APP) -> AppTest:
    monkeypatch.setenv("SOCLE_WAREHOUSE", str(entrepot.path))
    at = AppTest.from_file(str(fichier), default_timeout=TIMEOUT)
    if u is not None:
        at.session_state["utilisateur"] = u
    return at


def test_sans_connexion_seul_le_formulaire(entrepot, monkeypatch):
    at = _app(None, entrepot, monkeypatch).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Connexion"]
    assert not at.metric and not at.dataframe and not at.selectbox


def test_session_forgee_sans_utilisateur_valide(entrepot, monkeypatch):
    at = _app(None, entrepot, monkeypatch)
    at.session_state["utilisateur"] = {"identifiant": "national", "role": "national"}
    at.run()
    assert [t.value for t in at.title] == ["Connexion"] and not at.metric


def _se_connecter(at: AppTest, identifiant: str, mot_de_passe: str) -> AppTest:
    at.text_input(key="connexion_identifiant").input(identifiant)
    at.text_input(key="connexion_mot_de_passe").input(mot_de_passe)
    return at.button[0].click().run()


def test_connexion_par_le_formulaire(entrepot, monkeypatch, fichier_demo, tmp_path):
    monkeypatch.setenv("SOCLE_UTILISATEURS", str(fichier_demo))
    at = _app(None, entrepot, monkeypatch).run()
    _se_connecter(at, "dr76", "faux")
    assert at.error and "incorrect" in at.error[0].value
    _se_connecter(at, "dr76", "dr76")
    assert not at.exception
    assert at.title[0].value == "Synthèse"
    assert at.selectbox(key="sel_territoire_REGION").options == ["Occitanie"]
    # Both attempts are in the access log (the identifier, never the password), then the view.
    assert [(e["identifiant"], e["action"]) for e in _journal(tmp_path)] == [
        ("dr76", "echec_connexion"), ("dr76", "connexion"), ("dr76", "vue")
    ]


def test_connexion_bloquee_apres_des_echecs_repetes(entrepot, monkeypatch, fichier_demo, tmp_path):
    monkeypatch.setenv("SOCLE_UTILISATEURS", str(fichier_demo))
    at = _app(None, entrepot, monkeypatch).run()
    for _ in range(acces.ECHECS_AVANT_BLOCAGE):
        _se_connecter(at, "dr76", "faux")
    # Even the right password is refused now, in every session of the server.
    autre = _app(None, entrepot, monkeypatch).run()
    _se_connecter(autre, "dr76", "dr76")
    assert autre.error and "Trop de tentatives" in autre.error[0].value
    assert [t.value for t in autre.title] == ["Connexion"] and not autre.selectbox
    actions = [e["action"] for e in _journal(tmp_path)]
    assert actions == ["echec_connexion"] * acces.ECHECS_AVANT_BLOCAGE + ["connexion_bloquee"]


def test_sans_fichier_d_utilisateurs_la_connexion_le_dit(entrepot, monkeypatch):
    at = _se_connecter(_app(None, entrepot, monkeypatch).run(), "national", "national")
    assert not at.exception
    assert at.error and "Aucun fichier d'utilisateurs" in at.error[0].value


def test_cse_avec_parametre_d_adresse_d_une_autre_region(entrepot, monkeypatch, tmp_path):
    at = _app(CSE84, entrepot, monkeypatch)
    at.query_params["niveau"] = "REGION"
    at.query_params["territoire"] = "76"
    at.run()
    assert not at.exception
    assert at.selectbox(key="sel_territoire_REGION").value == "84"
    assert at.selectbox(key="sel_territoire_REGION").options == ["Auvergne-Rhône-Alpes"]
    assert "après secret statistique" in at.caption[0].value
    assert "Occitanie" not in " ".join(c.value for c in at.caption)
    # The view is logged: who, role, page, territory.
    lignes = _journal(tmp_path)
    assert len(lignes) == 1
    assert (lignes[0]["identifiant"], lignes[0]["role"], lignes[0]["page"], lignes[0]["territoire"]) == (
        "cse84", "cse", "synthese", "REGION:84"
    )
    at.run()
    assert len(_journal(tmp_path)) == 1  # same view: no new line at each rerun


def test_comite_31_ne_peut_pas_choisir_la_region(entrepot, monkeypatch, tmp_path):
    at = _app(COMITE31, entrepot, monkeypatch)
    at.query_params["niveau"] = "REGION"
    at.query_params["territoire"] = "76"
    at.run()
    assert not at.exception
    assert at.selectbox(key="sel_niveau").options == ["Département", "Bassin d'emploi"]
    assert at.selectbox(key="sel_territoire_DEPARTEMENT").options == ["31 – Haute-Garonne"]
    assert "31 – Haute-Garonne" in at.caption[0].value
    # A forged session selection is replaced by the perimeter's at the next run.
    assert _journal(tmp_path)[0]["identifiant"] == "c31"
    assert _journal(tmp_path)[0]["territoire"] == "DEPARTEMENT:31"


def test_comite_ne_voit_que_des_valeurs_publiees(entrepot, monkeypatch):
    """Agency 31002 (A1 = 7) and bassin 7602 are secret: « s », never 7, in the committee's
    view; the direction sees 7."""
    import duckdb

    con = duckdb.connect(str(entrepot.path), read_only=True)
    secrets = con.execute("select count(*) from publication.indicateurs where secret").fetchone()[0]
    con.close()
    assert secrets > 0
    for u, attendu in ((COMITE31, "s"), (DR76, "7")):
        at = _app(u, entrepot, monkeypatch)
        at.query_params["niveau"] = "BASSIN"
        at.query_params["territoire"] = "7602"
        at.run()
        assert not at.exception
        at.switch_page("ecrans/territoires.py").run()
        assert not at.exception
        textes = [str(v) for d in at.dataframe for v in d.value.to_numpy().ravel()]
        assert attendu in textes, (u.identifiant, textes)
        if u is COMITE31:
            assert "7" not in textes


@pytest.mark.parametrize("u", [DR76, COMITE31, CSE84], ids=lambda u: u.identifiant)
def test_page_journal_refusee_hors_national(entrepot, monkeypatch, u):
    journal.journaliser(NATIONAL, "synthese_territoriale", "REGION:76")
    at = _app(u, entrepot, monkeypatch, PAGE_JOURNAL).run()
    assert not at.exception
    assert at.error and "réservée au niveau national" in at.error[0].value
    assert not at.dataframe


def test_page_journal_refusee_sans_connexion(entrepot, monkeypatch):
    at = _app(None, entrepot, monkeypatch, PAGE_JOURNAL).run()
    assert at.error and not at.dataframe


def test_page_journal_national(entrepot, monkeypatch):
    journal.journaliser(DR76, "synthese_territoriale", "REGION:76")
    journal.journaliser(CSE84, "synthese_territoriale", "REGION:84")
    at = _app(NATIONAL, entrepot, monkeypatch, PAGE_JOURNAL).run()
    assert not at.exception and not at.error
    tableau = at.dataframe[0].value
    # The two events, plus this view of the journal itself.
    assert set(tableau["Utilisateur"]) == {"dr76", "cse84", "nat"}
    at.multiselect(key="j_qui").set_value(["dr76"]).run()
    assert at.dataframe[0].value["Territoire"].tolist() == ["REGION:76"]


def test_page_journal_montre_les_envois_d_alertes_aux_etablissements(entrepot, monkeypatch):
    from pipelines.core import journal_acces

    journal_acces.ajouter(journal.chemin_journal(), "dagster", None, journal_acces.PAGE_ALERTES, "ETABLISSEMENT:76",
                          None, journal_acces.ACTION_ENVOI_ALERTES, nb_alertes=3, sha256="ab" * 32)
    at = _app(NATIONAL, entrepot, monkeypatch, PAGE_JOURNAL).run()
    at.multiselect(key="j_qui").set_value(["dagster"]).run()
    ligne = at.dataframe[0].value.iloc[0]
    assert (ligne["Page"], ligne["Territoire"], ligne["Action"]) == (
        "Alertes aux établissements", "ETABLISSEMENT:76", "envoi d'alertes de détournement de finalité")


# ---------------------------------------------------------------------------------------------
# OpenID Connect (st.login), with the identity AppTest lets a test give to ``st.user``

UTILISATEURS_OIDC = (
    '[[utilisateurs]]\nidentifiant = "marie"\nnom = "Marie"\nrole = "comite"\n'
    'territoire_niveau = "DEPARTEMENT"\nterritoire_code = "31"\ncourriel = "marie.d@exemple.fr"\n'
)


def _app_oidc(entrepot, monkeypatch, tmp_path, user: dict) -> AppTest:
    (tmp_path / "utilisateurs.toml").write_text(UTILISATEURS_OIDC)
    monkeypatch.setenv("SOCLE_AUTH", "oidc")
    at = _app(None, entrepot, monkeypatch)
    at.user = user
    return at.run()


def test_oidc_non_connecte_propose_la_connexion(entrepot, monkeypatch, tmp_path):
    at = _app_oidc(entrepot, monkeypatch, tmp_path, {"is_logged_in": False})
    assert not at.exception
    assert [t.value for t in at.title] == ["Connexion"]
    assert [b.label for b in at.button] == ["Se connecter"] and not at.selectbox


def test_oidc_courriel_connu_donne_son_perimetre(entrepot, monkeypatch, tmp_path):
    at = _app_oidc(entrepot, monkeypatch, tmp_path,
                   {"is_logged_in": True, "email": "Marie.D@exemple.fr", "email_verified": True})
    assert not at.exception
    assert at.title[0].value == "Synthèse"
    assert at.selectbox(key="sel_territoire_DEPARTEMENT").options == ["31 – Haute-Garonne"]
    assert "après secret statistique" in at.caption[0].value
    premiere = _journal(tmp_path)[0]
    assert (premiere["identifiant"], premiere["role"], premiere["action"]) == ("marie", "comite", "connexion")


def test_oidc_courriel_inconnu_sans_acces(entrepot, monkeypatch, tmp_path):
    at = _app_oidc(entrepot, monkeypatch, tmp_path,
                   {"is_logged_in": True, "email": "intrus@exemple.fr", "email_verified": True})
    assert not at.exception
    assert at.error and "pas de rôle" in at.error[0].value
    assert not at.selectbox and [t.value for t in at.title] == ["Connexion"]
    at.run()
    # The refused identity is logged once per session, not at every rerun.
    assert [(e["identifiant"], e["action"]) for e in _journal(tmp_path)] == [("intrus@exemple.fr", "echec_connexion")]
