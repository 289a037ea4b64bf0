"""A big refresh streams its articles (issue 13): past ``Refresh.TEXT_BUDGET`` the texts read
for planning are let go of and read again a window at a time when processed."""
from __future__ import annotations

import os
import shutil
import time

import pytest

import geomap.pipeline.execute
from geomap.config import load_config
from geomap.pipeline import refresh
from geomap.pipeline.execute import Refresh

from conftest import THIRD, count_reads, write
from test_store_bulk import _content


def _stored(root) -> dict:
    content = _content(root / ".geomap" / "geomap.sqlite")
    content["meta"] = sorted(key for key, _value in content["meta"])
    content["articles"] = [(aid, source.replace(str(root), "ROOT"), *rest)
                           for aid, source, *rest in content["articles"]]
    return content



def test_texts_past_the_budget_are_read_again_and_store_the_same(mapped_project, tmp_path,
                                                                  monkeypatch):
    write(mapped_project / "articles" / "geneva.txt", THIRD)
    for path in (mapped_project / "articles").iterdir():     # settled: both runs stamp them
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    other = tmp_path / "other"
    shutil.copytree(mapped_project, other)
    kept = refresh(load_config(None, other))
    monkeypatch.setattr(Refresh, "TEXT_BUDGET", 0)
    monkeypatch.setattr(Refresh, "WINDOW", 2)           # and two windows
    read = count_reads(monkeypatch)
    split, real_split = [], geomap.pipeline.execute.parse_text

    def splitting(text, *, source, **kwargs):
        split.append(os.path.basename(source))
        return real_split(text, source=source, **kwargs)

    monkeypatch.setattr(geomap.pipeline.execute, "parse_text", splitting)
    streamed = refresh(load_config(None, mapped_project))
    assert sorted(read) == sorted(["odesa.txt", "valencia.md", "geneva.txt"] * 2)
    # Split into passages once, when processed: not also while planning (a text not kept).
    assert sorted(split) == ["geneva.txt", "odesa.txt", "valencia.md"]
    assert (streamed.new, streamed.failed, streamed.geocoded) == (3, 0, kept.geocoded)
    assert _stored(mapped_project) == _stored(other)


def test_a_file_changed_before_its_second_read_is_left_for_the_next_refresh(mapped_project,
                                                                             monkeypatch):
    monkeypatch.setattr(Refresh, "TEXT_BUDGET", 0)
    odesa = mapped_project / "articles" / "odesa.txt"
    planned = geomap.pipeline.execute.plan

    def plan_then_edit(*args, **kwargs):
        decided = planned(*args, **kwargs)
        if not decided.read:                            # planned: the file changes now
            odesa.write_text(odesa.read_text(encoding="utf-8").replace("Istanbul", "Ankara"),
                             encoding="utf-8")
        return decided

    monkeypatch.setattr(geomap.pipeline.execute, "plan", plan_then_edit)
    summary = refresh(load_config(None, mapped_project))
    assert (summary.new, summary.failed) == (1, 1)
    assert any("odesa.txt: changed while the refresh ran" in e for e in summary.errors)
    monkeypatch.setattr(geomap.pipeline.execute, "plan", planned)
    summary = refresh(load_config(None, mapped_project))
    assert (summary.new, summary.failed, summary.unchanged) == (1, 0, 1)
    texts = [row[8] for row in _stored(mapped_project)["articles"]]      # (id, source, ..., text)
    assert any("Ankara" in text for text in texts) and not any("Istanbul" in t for t in texts)


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")    # parse_many ended
def test_a_refresh_on_a_dask_cluster_stores_what_one_in_process_does(mapped_project, tmp_path,
                                                                      monkeypatch):
    """``refresh --executor dask --scheduler ADDR``: geoparsed on the cluster, a window at a
    time (one article per window here), stored and rendered here, the same store."""
    distributed = pytest.importorskip("distributed")
    write(mapped_project / "articles" / "geneva.txt", THIRD)
    for path in (mapped_project / "articles").iterdir():
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    other = tmp_path / "other"
    shutil.copytree(mapped_project, other)
    here = refresh(load_config(None, other))
    monkeypatch.setattr(Refresh, "WINDOW", 1)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:     # inproc://, no socket
        there = refresh(load_config(None, mapped_project), executor="dask",
                        scheduler=cluster.scheduler_address)
    assert (there.new, there.failed, there.geocoded) == (3, 0, here.geocoded) and here.geocoded
    assert _stored(mapped_project) == _stored(other)
    assert (mapped_project / "output" / "map.html").is_file()


def test_a_few_articles_are_geoparsed_in_process_whatever_workers(mapped_project, monkeypatch):
    """``--workers 2`` starts a pool of processes (seconds) only for enough articles."""
    import geomap.executors

    started = []
    real = geomap.executors.ProcessExecutor

    def counting(*args, **kwargs):
        started.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(geomap.executors, "ProcessExecutor", counting)
    assert refresh(load_config(None, mapped_project), workers=2).new == 2
    assert started == []
    write(mapped_project / "articles" / "geneva.txt", THIRD)
    monkeypatch.setattr(Refresh, "POOL_MIN", 1)
    assert refresh(load_config(None, mapped_project), workers=2).new == 1
    assert started == [2]
