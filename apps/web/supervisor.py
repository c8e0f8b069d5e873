"""The child processes of `make run` (web, worker, beat), kept running: a child that exits is started
again after a delay that doubles with each quick failure (1 s, 2 s, 4 s … up to 30 s) and falls back
to the first once the child has run for a while, so a crash loop neither spins the CPU nor gives up.
Stopping (Ctrl-C) ends every child: SIGTERM, then SIGKILL after a grace period. The embedded Valkey
server, a daemon rather than a child, is watched too (`BrokerWatch`)."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Child:
    name: str
    command: Sequence[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restart_at: float | None = None  # when an exited child is due to start again
    delay: float = 0.0  # the wait before the next restart
    starts: int = 0
    exit_codes: list[int] = field(default_factory=list)


class Supervisor:
    def __init__(
        self,
        commands: Mapping[str, Sequence[str]],
        *,
        cwd: Path | str,
        env: Mapping[str, str],
        log: Callable[[str], None],
        first_delay: float = 1.0,
        max_delay: float = 30.0,
        stable_after: float = 60.0,
    ):
        self.children = {name: Child(name, command, delay=first_delay) for name, command in commands.items()}
        self.cwd, self.env, self.log = cwd, dict(env), log
        self.first_delay, self.max_delay, self.stable_after = first_delay, max_delay, stable_after
        self.stopping = False

    def start(self) -> None:
        for child in self.children.values():
            self._spawn(child)

    def _spawn(self, child: Child) -> None:
        # Own session: Ctrl-C reaches only the supervisor, which stops the children in order.
        child.process = subprocess.Popen(child.command, cwd=self.cwd, env=self.env, start_new_session=True)
        child.started_at = time.monotonic()
        child.restart_at = None
        child.starts += 1

    def check(self) -> None:
        """Notice exited children and restart those that are due. Call it every few tenths of a second."""
        now = time.monotonic()
        for child in self.children.values():
            if self.stopping:
                return
            if child.restart_at is not None:
                if now >= child.restart_at:
                    self.log(f"restarting {child.name}")
                    self._spawn(child)
                continue
            code = child.process.poll() if child.process is not None else None
            if code is None:
                continue
            child.exit_codes.append(code)
            if now - child.started_at >= self.stable_after:
                child.delay = self.first_delay  # it ran well for a while: this is a new failure, not a loop
            self.log(f"{child.name} exited with status {code}; restarting in {child.delay:g} s")
            child.restart_at = now + child.delay
            child.delay = min(child.delay * 2, self.max_delay)

    def all_running(self) -> bool:
        return all(c.process is not None and c.process.poll() is None for c in self.children.values())

    def run(
        self, should_stop: Callable[[], bool], interval: float = 0.3, also: Callable[[], None] | None = None
    ) -> None:
        """Check the children until `should_stop`; `also` is called on every round (other watches)."""
        while not should_stop():
            self.check()
            if also is not None:
                also()
            time.sleep(interval)

    def stop_all(self, timeout: float = 15) -> None:
        self.stopping = True
        running = [c.process for c in self.children.values() if c.process is not None and c.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in running:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class BrokerWatch:
    """Starts the embedded Valkey server again when it stops answering (killed, out of memory). It is a
    daemon shared with other users, not a child, so the supervisor cannot wait on it; its append-only
    file brings back what was queued."""

    def __init__(self, directory: Path, log: Callable[[str], None], interval: float = 1.0):
        self.directory, self.log, self.interval = directory, log, interval
        self.next_check = 0.0

    def check(self) -> None:
        from config import embedded_valkey

        now = time.monotonic()
        if now < self.next_check:
            return
        self.next_check = now + self.interval
        if embedded_valkey.ping(embedded_valkey.socket_path(self.directory)):
            return
        self.log("the embedded Valkey server is not answering; starting it again")
        try:
            embedded_valkey.ensure_server(self.directory)
        except (RuntimeError, OSError, subprocess.SubprocessError) as error:
            self.log(f"the embedded Valkey server did not start ({error}); trying again in {self.interval:g} s")
