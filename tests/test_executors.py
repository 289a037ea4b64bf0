"""Executors: local worker processes and a Dask cluster give exactly the in-process results."""
from __future__ import annotations

import pickle
import pickletools

import pytest

from geomap.config import load_config
from geomap.errors import ConfigError
from geomap.executors import (DaskExecutor, ExecutorOptions, ProcessExecutor, SerialExecutor, Unpacker,
                              make_executor, pack)
from geomap.gazetteer import Gazetteer
from geomap.pipeline import parse_paths
from geomap.resolve import Geoparser

from conftest import PLAIN_MD, SAVED_PAGE, THIRD, write

TEXTS = [SAVED_PAGE, PLAIN_MD, THIRD] * 5 + ["", "No places here at all."]


@pytest.fixture(scope="module")
def serial_results(gazetteer_path):
    config = load_config(None, None)
    with Gazetteer.open(gazetteer_path) as gazetteer:
        parser = Geoparser(gazetteer, config.parse)
        return [parser.parse(t, explain=True) for t in TEXTS]


def _whole(results) -> list:
    """Every field of every mention, the ones equality skips (explain, runner-up) too."""
    return [[(m, m.explain, m.runner_up) for m in mentions] for mentions in results]


def test_what_workers_send_back_is_plain_data_that_unpacks_to_the_same_mentions(serial_results):
    """A chunk's mentions travel as tuples of builtins with each place once (pickling every
    ``Mention`` and ``Place`` object field by field cost ~5 µs a mention at each end), and
    unpack to mentions equal in every field, explanations and runner-up places included."""
    assert any(m.runner_up is not None for ms in serial_results for m in ms)
    assert any(m.explain for ms in serial_results for m in ms)
    packed = pack(serial_results)
    wire = pickle.dumps(packed, protocol=pickle.HIGHEST_PROTOCOL)
    opcodes = {op.name for op, _arg, _pos in pickletools.genops(wire)}
    assert not opcodes & {"GLOBAL", "STACK_GLOBAL", "REDUCE", "BUILD", "NEWOBJ"}   # builtins only
    named = {m.place.id for ms in serial_results for m in ms if m.place is not None}
    assert len(packed[0]) < sum(1 for ms in serial_results for m in ms if m.place is not None)
    assert named <= {fields[0] for fields in packed[0]}
    unpack = Unpacker()
    back = unpack(pickle.loads(wire))
    assert _whole(back) == _whole(serial_results)
    again = unpack(pickle.loads(wire))  # a later chunk naming the same places shares them
    assert {id(m.place) for ms in again for m in ms} == {id(m.place) for ms in back for m in ms}


def test_worker_processes_return_the_in_process_mentions_in_order(gazetteer_path, serial_results):
    config = load_config(None, None)
    pool = ProcessExecutor(2, gazetteer_path, config.parse)
    try:
        assert _whole(pool.parse_many(TEXTS, explain=True)) == _whole(serial_results)
        assert list(pool.parse_many([])) == []
    finally:
        pool.close()


def test_dask_cluster_returns_the_in_process_mentions_in_order(gazetteer_path, serial_results):
    distributed = pytest.importorskip("distributed")
    config = load_config(None, None)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        executor = DaskExecutor(cluster.scheduler_address, gazetteer_path, config.parse)
        try:
            assert _whole(executor.parse_many(TEXTS, explain=True)) == _whole(serial_results)
        finally:
            executor.close()


def test_parse_paths_with_workers_matches_one_process(mapped_project):
    config = load_config(None, mapped_project)
    write(mapped_project / "articles" / "geneva.txt", THIRD)
    write(mapped_project / "articles" / "broken.txt", b"\xff\xfe")
    runs = []
    for workers in (1, 2):
        errors: list[str] = []
        runs.append(([(a.id, mentions, regions) for a, mentions, regions in
                      parse_paths([mapped_project / "articles"], config, workers=workers,
                                  on_error=errors.append)], errors))
    assert runs[0] == runs[1]
    assert len(runs[0][0]) == 3 and len(runs[0][1]) == 1


def test_executor_choice_is_checked(mapped_project):
    config = load_config(None, mapped_project)
    assert isinstance(make_executor(config, lambda: None), SerialExecutor)
    with pytest.raises(ConfigError, match="--scheduler"):
        make_executor(config, lambda: None, ExecutorOptions(executor="dask"))
    with pytest.raises(ConfigError, match="unknown executor"):
        make_executor(config, lambda: None, ExecutorOptions(executor="spark"))
    with pytest.raises(ConfigError, match="at least 1"):
        make_executor(config, lambda: None, ExecutorOptions(workers=0))
