"""Crash safety: real ``geomap refresh`` processes SIGKILLed at random moments (seeded).

After every kill the store passes ``PRAGMA integrity_check`` and ``output/map.html`` is absent
(before the first complete refresh) or exactly a complete map of the stored data: one of the
renders that uninterrupted refreshes make of the corpus before or after the change. Then an
undisturbed refresh must converge to the same store content as an uninterrupted run.
"""
from __future__ import annotations

import json
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import write, write_config

REPO = Path(__file__).resolve().parent.parent
CITIES = ("Odesa", "Kyiv", "Kharkiv", "Lviv", "Warsaw", "Krakow", "Berlin", "Hamburg", "Vienna",
          "Geneva", "Madrid", "Valencia", "Seville", "Lisbon", "Istanbul", "Ankara", "Cairo",
          "Nairobi", "Lagos", "Lima", "Bogota", "Toronto", "Chicago", "Houston", "Mumbai")
KILLS_PER_PHASE = 10


def article(rng: random.Random, n: int) -> str:
    lines = [f" date 2024-{1 + n % 12:02d}-{1 + n % 27:02d} World",
             f"{rng.choice(CITIES)} and {rng.choice(CITIES)} sign a trade accord", "",
             "By Maria Novak", "Published 5 March 2024"]
    for _ in range(rng.randint(3, 6)):
        a, b, c = rng.sample(CITIES, 3)
        lines.append(f"Officials in {a} said a convoy left for {b} on Monday, while talks in {c} "
                     f"went on late into the night.")
    return "\n".join(lines) + "\n"


def make_project(root: Path, gazetteer: Path, count: int) -> None:
    rng = random.Random(7)
    for n in range(count):
        write(root / "articles" / f"a{n:03d}.txt", article(rng, n))
    write_config(root, gazetteer)


def change_corpus(root: Path) -> None:
    """New, changed and deleted articles: the second phase's work."""
    rng = random.Random(8)
    for n in range(100, 110):
        write(root / "articles" / f"a{n:03d}.txt", article(rng, n))
    for n in (1, 2, 3):
        write(root / "articles" / f"a{n:03d}.txt", article(rng, 500 + n))
    for n in (4, 5):
        (root / "articles" / f"a{n:03d}.txt").unlink()


def refresh_process(root: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "geomap", "--root", str(root), "refresh"],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def refresh_fully(root: Path) -> float:
    started = time.monotonic()
    child = refresh_process(root)
    _, err = child.communicate(timeout=120)
    assert child.returncode == 0, err.decode()
    return time.monotonic() - started


def map_payload(root: Path) -> str | None:
    """The data of a complete map.html (the root folder's path masked); None when there is none.
    Fails on a partial file."""
    path = root / "output" / "map.html"
    if not path.exists():
        return None
    html = path.read_text(encoding="utf-8")
    assert html.rstrip().endswith("</html>"), "a truncated map.html"
    found = re.search(r'<script type="application/json" id="geomap-data">(.*?)</script>', html, re.S)
    assert found, "map.html without its data"
    return found.group(1).replace(json.dumps(str(root))[1:-1], "ROOT")


def store_content(root: Path) -> str:
    """Everything the map is made of, without timestamps (the root folder's path masked)."""
    db = sqlite3.connect(root / ".geomap" / "geomap.sqlite")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        content = {
            "articles": db.execute("SELECT id, source, sha256, title, published, text FROM articles "
                                   "ORDER BY id").fetchall(),
            "passages": db.execute("SELECT * FROM passages ORDER BY 1, 2").fetchall(),
            "mentions": db.execute("SELECT * FROM mentions ORDER BY 1, 2").fetchall(),
            "places": db.execute("SELECT * FROM places ORDER BY id").fetchall(),
            "regions": db.execute("SELECT * FROM place_regions ORDER BY 1, 2").fetchall(),
        }
        return json.dumps(content, ensure_ascii=False).replace(json.dumps(str(root))[1:-1], "ROOT")
    finally:
        db.close()


def check_after_kill(root: Path, complete_maps: set[str | None]) -> None:
    if (root / ".geomap" / "geomap.sqlite").exists():
        store_content(root)                     # integrity and foreign keys
    assert map_payload(root) in complete_maps
    assert not (root / "output" / "articles").exists() or (root / "output" / "articles").is_dir()


def test_sigkill_at_random_moments_never_corrupts_and_the_next_refresh_converges(tmp_path,
                                                                                 gazetteer_path):
    project, reference = tmp_path / "project", tmp_path / "reference"
    make_project(project, gazetteer_path, 60)
    make_project(reference, gazetteer_path, 60)
    duration = refresh_fully(reference)
    complete_maps = {None, map_payload(reference)}

    rng = random.Random(20241127)
    kills = 0
    for phase in (1, 2):
        if phase == 2:
            change_corpus(project)
            change_corpus(reference)
            duration = refresh_fully(reference)     # this phase's work is smaller
            complete_maps.add(map_payload(reference))
            complete_maps.discard(None)         # phase 1 ended with a complete map
        for _ in range(KILLS_PER_PHASE):
            child = refresh_process(project)
            time.sleep(rng.uniform(0.05, duration * 0.8))
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
            kills += child.returncode == -signal.SIGKILL
            check_after_kill(project, complete_maps)
        refresh_fully(project)
        assert store_content(project) == store_content(reference)
        assert map_payload(project) == map_payload(reference)
        pages = sorted(p.name for p in (project / "output" / "articles").iterdir())
        assert pages == sorted(p.name for p in (reference / "output" / "articles").iterdir())
        assert not list((project / "output").glob(".render-*"))
    # Each kill leaves less work, so later refreshes may finish before their kill; a quarter
    # of the kills at least must land in a running refresh for the test to mean anything.
    assert kills >= KILLS_PER_PHASE // 2, f"only {kills} kills landed"


def test_a_refresh_waits_for_a_running_one_when_asked(tmp_path, gazetteer_path):
    make_project(tmp_path, gazetteer_path, 3)
    first = refresh_process(tmp_path)
    time.sleep(0.3)
    second = subprocess.run([sys.executable, "-m", "geomap", "--root", str(tmp_path), "refresh",
                             "--wait", "60"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert first.wait(timeout=60) == 0
    assert second.returncode == 0, second.stderr
    assert second.stdout.startswith(("nothing new", "refreshed"))
