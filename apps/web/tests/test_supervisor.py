"""`make run`'s supervisor (apps/web/supervisor.py) with fake children: a child that exits is started
again after a doubling delay, said in the log; stopping ends every child."""

import sys
import time

from apps.web.supervisor import Supervisor

QUICK_EXIT = [sys.executable, "-c", "import sys; sys.exit(3)"]
LONG_RUNNING = [sys.executable, "-c", "import time; time.sleep(60)"]


def _supervise(commands, **options) -> tuple[Supervisor, list[str]]:
    lines: list[str] = []
    supervisor = Supervisor(commands, cwd=".", env={}, log=lines.append, **options)
    supervisor.start()
    return supervisor, lines


def _check_until(supervisor: Supervisor, condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        supervisor.check()
        time.sleep(0.02)


def test_a_child_that_exits_is_restarted_with_a_doubling_delay_and_others_keep_running():
    supervisor, lines = _supervise(
        {"worker": QUICK_EXIT, "web": LONG_RUNNING}, first_delay=0.1, max_delay=0.4, stable_after=60
    )
    worker, web = supervisor.children["worker"], supervisor.children["web"]
    web_process = web.process
    try:
        _check_until(supervisor, lambda: worker.starts == 4 and len(worker.exit_codes) == 4)
        assert worker.exit_codes == [3, 3, 3, 3]
        exits = [line for line in lines if "exited" in line]
        assert exits == [
            "worker exited with status 3; restarting in 0.1 s",
            "worker exited with status 3; restarting in 0.2 s",
            "worker exited with status 3; restarting in 0.4 s",
            "worker exited with status 3; restarting in 0.4 s",  # capped at max_delay
        ]
        assert lines.count("restarting worker") == 3
        assert web.process is web_process
        assert web_process.poll() is None
        assert web.starts == 1
    finally:
        supervisor.stop_all(timeout=5)


def test_the_delay_starts_over_after_a_child_ran_well_for_a_while():
    supervisor, lines = _supervise(
        {"worker": [sys.executable, "-c", "import time, sys; time.sleep(0.3); sys.exit(1)"]},
        first_delay=0.05,
        max_delay=10,
        stable_after=0.2,
    )
    try:
        _check_until(supervisor, lambda: len(supervisor.children["worker"].exit_codes) == 3)
    finally:
        supervisor.stop_all(timeout=5)
    assert [line for line in lines if "exited" in line] == ["worker exited with status 1; restarting in 0.05 s"] * 3


def test_stopping_ends_every_child_and_restarts_none():
    supervisor, lines = _supervise({"web": LONG_RUNNING, "beat": LONG_RUNNING}, first_delay=0.01)
    processes = [child.process for child in supervisor.children.values()]
    assert supervisor.all_running()
    supervisor.stop_all(timeout=5)
    assert all(process.poll() is not None for process in processes)
    supervisor.check()
    time.sleep(0.05)
    supervisor.check()
    assert not lines
    assert all(child.starts == 1 for child in supervisor.children.values())


def test_a_child_that_ignores_sigterm_is_killed_after_the_grace_period():
    ignores_term = [
        sys.executable,
        "-c",
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)",
    ]
    supervisor, _ = _supervise({"worker": ignores_term})
    time.sleep(0.3)  # let it install its handler
    started = time.monotonic()
    supervisor.stop_all(timeout=0.5)
    assert supervisor.children["worker"].process.poll() is not None
    assert time.monotonic() - started < 3
