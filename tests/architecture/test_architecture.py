"""Imports point one way (CONTRIBUTING.md, « Couches »): no cycle, nothing imports a higher layer.

Read from the source (every ``import``, function-level ones included), not by importing: the rule
holds for code paths no test runs.
"""

from __future__ import annotations

import ast
from pathlib import Path

RACINE = Path(__file__).resolve().parents[2]
PAQUETS = ("pipelines", "dashboards", "quality")

#: Layers, lowest first: a module may import its own layer or a lower one. The first prefix that
#: matches a module gives its layer (the most specific prefixes first).
COUCHES: tuple[tuple[str, ...], ...] = (
    ("pipelines.core",),
    ("pipelines.ingestion", "pipelines.synthetic", "pipelines.secret", "pipelines.equite",
     "pipelines.dbt_runner", "pipelines.moteur_spark", "pipelines.alertes", "quality"),
    ("pipelines.publication", "pipelines.versions"),
    ("pipelines.build",),
    ("pipelines.rapports", "pipelines.export", "pipelines.evaluation"),
    ("dashboards",),
    ("pipelines.cli", "pipelines.definitions", "dashboards.__main__"),
)


def _modules() -> dict[str, Path]:
    out = {}
    for paquet in PAQUETS:
        for f in (RACINE / paquet).rglob("*.py"):
            nom = ".".join(f.relative_to(RACINE).with_suffix("").parts)
            out[nom.removesuffix(".__init__")] = f
    return out


def _imports(fichier: Path, modules: dict[str, Path]) -> set[str]:
    """Project modules imported by a file (``from a.b import c`` is ``a.b.c`` when c is a module)."""
    out = set()
    for n in ast.walk(ast.parse(fichier.read_text(encoding="utf-8"))):
        if isinstance(n, ast.ImportFrom) and n.module and n.level == 0:
            for alias in n.names:
                sous = f"{n.module}.{alias.name}"
                out.add(sous if sous in modules else n.module)
        elif isinstance(n, ast.Import):
            out.update(a.name for a in n.names)
    return {m for m in out if m.split(".")[0] in PAQUETS}


def couche(module: str) -> int:
    rangs = [(len(p), i) for i, prefixes in enumerate(COUCHES) for p in prefixes
             if module == p or module.startswith(p + ".")]
    assert rangs, f"{module} n'a pas de couche : l'ajouter à COUCHES (et à CONTRIBUTING.md)"
    return max(rangs)[1]


def _graphe() -> dict[str, set[str]]:
    modules = _modules()
    return {m: _imports(f, modules) - {m} for m, f in modules.items()}


def test_rien_n_importe_une_couche_superieure():
    graphe = _graphe()
    montantes = sorted(
        f"{m} (couche {couche(m)}) importe {d} (couche {couche(d)})"
        for m, deps in graphe.items() for d in deps if couche(d) > couche(m)
    )
    assert not montantes, "imports vers une couche supérieure :\n" + "\n".join(montantes)


def test_pas_de_cycle_d_imports():
    graphe = _graphe()
    etat: dict[str, int] = {}  # 1 en cours, 2 fini
    cycles: list[list[str]] = []

    def visiter(m: str, chemin: list[str]) -> None:
        etat[m] = 1
        for d in sorted(graphe.get(m, ())):
            if d not in graphe:
                continue  # a package's __init__ folded into its name, or a name, not a module
            if etat.get(d) == 1:
                cycles.append(chemin[chemin.index(d):] + [d] if d in chemin else [m, d])
            elif d not in etat:
                visiter(d, chemin + [d])
        etat[m] = 2

    for m in sorted(graphe):
        if m not in etat:
            visiter(m, [m])
    assert not cycles, "cycles d'imports :\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_la_couche_basse_n_importe_rien_du_projet():
    graphe = _graphe()
    hors = sorted(f"{m} importe {d}" for m, deps in graphe.items() if m.startswith("pipelines.core")
                  for d in deps if not d.startswith("pipelines.core"))
    assert not hors, "\n".join(hors)


def test_le_controle_voit_un_import_montant(tmp_path, monkeypatch):
    # the check itself can fail: a core module importing the build is reported
    faux = tmp_path / "pipelines" / "core"
    faux.mkdir(parents=True)
    (faux / "x.py").write_text("def f():\n    from pipelines.build import run_build\n")
    assert _imports(faux / "x.py", {"pipelines.build": faux}) == {"pipelines.build"}
    assert couche("pipelines.core.x") < couche("pipelines.build")


#: The one module that reads environment variables (CONTRIBUTING.md, « Noms et emplacements »).
LECTEUR_ENVIRONNEMENT = "pipelines.core.settings"
#: What may be done with ``os.environ`` elsewhere: set, restore or remove variables (for a child
#: process or dbt), or copy the whole environment to hand it to a child process.
_ECRITURES_ENVIRONNEMENT = {"update", "pop", "copy", "__setitem__", "__delitem__"}


def _lectures_environnement(source: str) -> list[int]:
    """Lines of ``source`` that read the environment: ``os.getenv``, ``os.environ.get``,
    ``os.environ[...]`` read, ``x in os.environ``, ``os.environ`` handed over as a value…; writes
    (``os.environ[x] = …``, ``update``, ``pop``) and copies (``dict(os.environ)``, ``.copy()``) pass."""
    arbre = ast.parse(source)
    parents = {enfant: n for n in ast.walk(arbre) for enfant in ast.iter_child_nodes(n)}
    lignes = []
    for n in ast.walk(arbre):
        if isinstance(n, ast.ImportFrom) and n.module == "os" and any(a.name in ("environ", "getenv", "getenvb")
                                                                      for a in n.names):
            lignes.append(n.lineno)
        if not isinstance(n, ast.Attribute) or not (isinstance(n.value, ast.Name) and n.value.id == "os"):
            continue
        if n.attr in ("getenv", "getenvb", "environb"):
            lignes.append(n.lineno)
        elif n.attr == "environ":
            p = parents.get(n)
            if isinstance(p, ast.Attribute) and p.attr in _ECRITURES_ENVIRONNEMENT:
                continue
            if isinstance(p, ast.Subscript) and isinstance(p.ctx, (ast.Store, ast.Del)):
                continue
            if (isinstance(p, ast.Call) and isinstance(p.func, ast.Name) and p.func.id == "dict"
                    and p.args == [n]):
                continue
            lignes.append(n.lineno)
    return sorted(lignes)


def test_seuls_les_reglages_lisent_l_environnement():
    lectures = sorted(
        f"{m} ligne {ligne}" for m, f in _modules().items() if m != LECTEUR_ENVIRONNEMENT
        for ligne in _lectures_environnement(f.read_text(encoding="utf-8"))
    )
    assert not lectures, ("variables d'environnement lues hors de pipelines/core/settings.py (en faire un "
                          "champ de Settings) :\n" + "\n".join(lectures))


def test_le_controle_voit_une_lecture_de_l_environnement():
    lues = ("import os\nx = os.environ.get('A')\ny = os.getenv('B')\nz = os.environ['C']\n"
            "w = 'D' in os.environ\nenv = os.environ\nfrom os import environ\n")
    assert _lectures_environnement(lues) == [2, 3, 4, 5, 6, 7]
    ecrites = ("import os\nos.environ['A'] = '1'\nos.environ.update(b='2')\nos.environ.pop('A', None)\n"
               "copie = dict(os.environ)\nsauve = os.environ.copy()\ndel os.environ['B']\n")
    assert _lectures_environnement(ecrites) == []
