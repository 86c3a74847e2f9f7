"""A build killed at random points, and two builds at once.

Replays the delivery of scenario X (earlier half, faulty files, correction… on top of the published
build A) with `socle construire` subprocesses SIGKILLed at seeded random delays inside each phase
(ingestion, dbt, publication), then started again to completion. Readers must see the previous
good publication (A) all along, and the end state must equal X, the same inbox built without
interruption (running alongside). Two builds started at once: one refuses clearly (the lock).
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from .conftest import BuildProcess, assert_nothing_lost, full_state, published_state

pytestmark = pytest.mark.slow

LOCK_MESSAGE = "une autre construction"


def _published(state: dict) -> dict:
    return {k: state[k] for k in ("marts", "publication", "arrete")}


def _two_at_once(s) -> tuple[BuildProcess, BuildProcess]:
    """Start two builds of the same warehouse at once; return (loser, winner)."""
    p1, p2 = s.start("K"), s.start("K")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        for loser, winner in ((p1, p2), (p2, p1)):
            if loser.proc.poll() is not None:
                return loser, winner
        if all(p.proc.poll() is not None for p in (p1, p2)):
            break
        time.sleep(0.05)
    p1.kill(), p2.kill()
    pytest.fail("neither build refused:\n" + p1.output[-2000:] + "\n---\n" + p2.output[-2000:])


def _tuer_pendant(s, phase: str, p, rng, debut: float, fin: float, reduction: float):
    """SIGKILL the build ``p`` of K after a random delay in [debut, fin] from the start of
    ``phase``. Phase lengths come from build A: when the kill lands in a later phase (as harmless,
    but not what is tested), a new build of K is killed sooner (the window divided by
    ``reduction``), four tries at most. Returns (build, delay, phase seen, return code)."""
    for _ in range(4):
        assert p.wait_phase(phase), p.output
        delay = rng.uniform(debut, fin)
        time.sleep(delay)
        vue = p.phase_now()
        rc = p.kill()
        if vue == phase:
            break
        debut, fin = debut / reduction, fin / reduction
        p = s.start("K")
    return p, delay, vue, rc


@pytest.fixture(scope="module")
def chain(scenario, rng) -> dict:
    s = scenario
    s.clone("A", "K")
    s.add_x_delivery("K")
    s.start_x()  # the uninterrupted build of the same inbox runs alongside
    inbox, warehouse, _ = s.dirs("K")
    d = s.results["A"]["durations"]  # phase lengths measured on A (a smaller delivery: delays fall inside)
    log: dict = {}

    # 1. killed during ingestion. Ingestion lasts well under a second on a loaded CI machine: when
    # the kill lands after it (already in dbt), that kill is harmless too; try again, sooner.
    p, delay, phase, rc = _tuer_pendant(s, "ingestion", s.start("K"), rng, 0.0, 0.8 * d["ingestion"], 4)
    log["ingestion"] = {"delai": delay, "phase": phase, "rc": rc, "publie": published_state(warehouse),
                        "sortie": p.output}

    # 2. two builds started at once: one refuses; the other is killed during dbt
    loser, winner = _two_at_once(s)
    loser.wait()
    log["concurrence"] = {"rc": loser.proc.returncode, "sortie": loser.output,
                          "duree": loser.marks.get("fin", time.monotonic()) - loser.started}
    # dbt's length on A is a guess for K: when the kill lands after dbt (a later phase, as
    # harmless), a new build of K is killed sooner
    p, delay, phase, rc = _tuer_pendant(s, "dbt", winner, rng, 0.1 * d["dbt"], 0.9 * d["dbt"], 3)
    log["dbt"] = {"delai": delay, "phase": phase, "rc": rc, "publie": published_state(warehouse),
                  "sortie": p.output}

    # 3. killed during publication: frozen first (SIGSTOP) to look at what readers see, then killed
    p = s.start("K")
    assert p.wait_phase("publication"), p.output
    delay = rng.uniform(0.0, d["publication"])
    time.sleep(delay)
    alive = p.proc.poll() is None
    if alive:
        os.kill(p.proc.pid, signal.SIGSTOP)
    phase = p.phase_now()
    frozen_view = published_state(warehouse)
    rc = p.kill()
    log["publication"] = {"delai": delay, "phase": phase, "vivant": alive, "rc": rc, "publie": frozen_view,
                          "publie_apres": published_state(warehouse), "sortie": p.output}

    # 4. started again, to completion
    p = s.start("K")
    rc = p.wait()
    log["fin"] = {"rc": rc, "sortie": p.output, "etat": full_state(warehouse)}
    log["inbox"], log["warehouse"] = inbox, warehouse
    for name in ("ingestion", "dbt", "publication"):  # visible with -s: where the kills landed
        k = log[name]
        print(f"[fautes] arrêt visé « {name} » : tué après {k['delai']:.3f} s, dans la phase « {k['phase']} », rc {k['rc']}")
    return log


def test_killed_during_ingestion_readers_keep_the_last_good_publication(scenario, chain):
    k = chain["ingestion"]
    assert k["rc"] == -signal.SIGKILL and k["phase"] == "ingestion", (k["phase"], k["delai"])
    assert k["publie"] == _published(scenario.results["A"]["state"])


def test_second_build_started_at_once_refuses_clearly(scenario, chain):
    c = chain["concurrence"]
    assert c["rc"] == 1
    assert LOCK_MESSAGE in c["sortie"] and "verrou" in c["sortie"] and str(scenario.dirs("K")[1]) in c["sortie"]
    assert "• Ingestion" not in c["sortie"]  # it touched nothing
    # and the first one was not disturbed: it went on into dbt (where it was killed)
    assert chain["dbt"]["phase"] == "dbt"


def test_killed_during_dbt_readers_keep_the_last_good_publication(scenario, chain):
    k = chain["dbt"]
    assert k["rc"] == -signal.SIGKILL and k["phase"] == "dbt", (k["phase"], k["delai"])
    assert k["publie"] == _published(scenario.results["A"]["state"])


def test_killed_during_publication_readers_see_the_old_or_the_new_never_a_mix(scenario, chain):
    k = chain["publication"]
    assert k["phase"] == "publication"
    old = _published(scenario.results["A"]["state"])
    new = _published(scenario.x()["state"])
    assert old != new
    assert k["publie"] in (old, new), "a reader opened a half-published warehouse"
    assert k["publie_apres"] in (old, new)


def test_restarted_build_ends_in_the_state_of_an_uninterrupted_build(scenario, chain):
    fin = chain["fin"]
    assert fin["rc"] == 0, fin["sortie"][-5000:]
    x = scenario.x()["state"]
    got = fin["etat"]
    for part in ("marts", "publication", "arrete", "raw", "fichiers", "quarantaine"):
        assert got[part] == x[part], part
    assert_nothing_lost(chain["warehouse"], chain["inbox"])


def test_rejected_files_end_in_quarantine_exactly_once(scenario, chain):
    def listing(inbox):
        q = inbox / "_quarantaine"
        return sorted(p.relative_to(q).as_posix() for p in q.rglob("*") if p.is_file())

    assert listing(chain["inbox"]) == listing(scenario.x()["inbox"])
