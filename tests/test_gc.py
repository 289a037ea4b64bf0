"""``geomap._gc.collector_paused``: overlapping pauses share one pause of the collector."""
from __future__ import annotations

import gc
import threading

import pytest

from geomap._gc import collector_paused


@pytest.fixture(autouse=True)
def collector_on():
    gc.enable()
    yield
    gc.enable()


def test_a_pause_turns_the_collector_off_and_on_again_even_on_error():
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(KeyError), collector_paused():
        raise KeyError("x")
    assert gc.isenabled()


def test_overlapping_pauses_keep_it_off_until_the_last_one_ends():
    first, second = collector_paused(), collector_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)        # ended first, not nested: the other still runs
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_collector_the_caller_turned_off_stays_off():
    gc.disable()
    with collector_paused():
        with collector_paused():
            pass
    assert not gc.isenabled()


def test_threads_pausing_at_once_leave_it_on():
    start = threading.Barrier(8)
    seen = []

    def work():
        start.wait()
        for _ in range(200):
            with collector_paused():
                seen.append(gc.isenabled())

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not any(seen)            # never on inside a pause, whoever ended theirs first
    assert gc.isenabled()
