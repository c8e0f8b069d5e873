"""The background batch writer (usage rows, traces): batches, flushes, and never loses a whole
batch to one bad record."""

import logging
import threading

import pytest
from celery.signals import worker_process_init
from django.db import connection

from apps.utils import batch_writer
from apps.utils.batch_writer import BatchWriter


class Store:
    def __init__(self, bad: frozenset[int] = frozenset()):
        self.bad = bad
        self.batches: list[list[int]] = []
        self.written: list[int] = []
        self.lock = threading.Lock()

    def write(self, items: list[int]) -> None:
        with self.lock:
            self.batches.append(list(items))
            if self.bad & set(items):
                raise ValueError(f"cannot store {sorted(self.bad & set(items))}")
            self.written.extend(items)


def background(store: Store, settings, **kwargs) -> BatchWriter[int]:
    settings.TEST_BATCH_WRITE_SYNC = False
    return BatchWriter("test-writer", store.write, sync_setting="TEST_BATCH_WRITE_SYNC", **kwargs)


def test_records_written_in_the_background_in_batches(settings):
    store = Store()
    writer = background(store, settings, linger=0.5)
    for item in range(30):
        writer.submit(item)
    assert writer.flush(timeout=5)
    assert sorted(store.written) == list(range(30))
    assert len(store.batches) < 30  # lingering gathered several records per write


def test_one_bad_record_does_not_lose_its_batch(settings, caplog):
    store = Store(bad=frozenset({7}))
    writer = background(store, settings, linger=0.5)
    with caplog.at_level(logging.ERROR):
        for item in range(10):
            writer.submit(item)
        assert writer.flush(timeout=5)
    assert sorted(store.written) == [0, 1, 2, 3, 4, 5, 6, 8, 9]
    assert "test-writer could not write a record" in caplog.text
    writer.submit(11)  # the writer goes on
    assert writer.flush(timeout=5)
    assert 11 in store.written


def test_synchronous_mode_writes_in_the_callers_thread(settings):
    store = Store()
    settings.TEST_BATCH_WRITE_SYNC = True
    writer = BatchWriter("test-writer", store.write, sync_setting="TEST_BATCH_WRITE_SYNC")
    writer.submit(1)
    assert store.written == [1]


@pytest.fixture
def in_a_worker():
    """This process as a Celery worker child once its start signal ran (a web process again after)."""
    # A worker child starts with no database connection; an earlier test in this process (the order
    # differs from run to run under pytest-xdist) may have left one, which the writer's error path
    # would check, and a test without database access may not touch it.
    connection.close()
    assert not batch_writer.writing_inline()
    worker_process_init.send(sender=None)
    assert batch_writer.writing_inline()
    yield
    batch_writer.write_inline(False)


def test_a_celery_worker_writes_each_record_before_submit_returns(settings, in_a_worker, caplog):
    store = Store(bad=frozenset({2}))
    writer = background(store, settings, linger=5.0)  # a background write would take seconds
    writer.submit(1)
    assert store.written == [1]
    with caplog.at_level(logging.ERROR):
        writer.submit(2)  # logged, not raised into the task
    assert "test-writer could not write a record" in caplog.text
    writer.submit(3)
    assert store.written == [1, 3]
    assert store.batches == [[1], [2], [3]]


def test_a_backlog_is_written_by_the_submitter_so_a_crash_loses_at_most_two_batches(settings):
    # The writer is stuck on a slow database: records beyond one waiting batch are written at once,
    # in the submitting thread, instead of piling up in memory where a killed process loses them.
    release = threading.Event()
    store = Store()
    slow_started = threading.Event()

    def slow_write(items: list[int]) -> None:
        if threading.current_thread().name == "test-writer":
            slow_started.set()
            release.wait(10)
        store.write(items)

    settings.TEST_BATCH_WRITE_SYNC = False
    writer = BatchWriter("test-writer", slow_write, sync_setting="TEST_BATCH_WRITE_SYNC", batch_size=5, linger=0)
    writer.submit(0)
    assert slow_started.wait(5)  # the writer holds record 0 and waits on the database
    for item in range(1, 16):
        writer.submit(item)
    # 5 records wait for the writer; the other 10 are stored already.
    assert sorted(store.written) == list(range(6, 16))
    release.set()
    assert writer.flush(timeout=5)
    assert sorted(store.written) == list(range(16))
