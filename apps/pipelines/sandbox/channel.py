"""The parent's end of the pipes to the sandbox child.

To the child: length-prefixed marshal frames (we are the trusted side, and the child can decode them
without importing anything). From the child: JSON, one object per line, because marshal must never
read data an attacker may have written.

Every read and write waits at most until the run's deadline, so a child that stops reading or writing
(or one that escaped the Python layer and talks nonsense) can never block the worker. Lines are size-
capped before they are parsed, and stderr is drained alongside stdout so the child cannot stall on a
full pipe; its first few KB are kept for the platform log.
"""

from __future__ import annotations

import json
import marshal
import os
import selectors
import subprocess
import time
from typing import Any

STDERR_KEPT_BYTES = 8_000
_CHUNK = 65_536


class DeadlineReached(Exception):
    pass


class ProtocolViolation(Exception):
    pass


class MessageTooLarge(ProtocolViolation):
    pass


class Channel:
    def __init__(self, process: subprocess.Popen[bytes], *, deadline: float, max_line_bytes: int) -> None:
        assert process.stdin is not None
        assert process.stdout is not None
        assert process.stderr is not None
        self.deadline = deadline
        self.max_line_bytes = max_line_bytes
        self.stderr = bytearray()
        self._stdin = process.stdin.fileno()
        self._received = bytearray()
        self._pending = bytearray()
        self._stdout_closed = False
        self._stdin_closed = False
        self._selector = selectors.DefaultSelector()
        for stream, label in ((process.stdout, "out"), (process.stderr, "err")):
            os.set_blocking(stream.fileno(), False)
            self._selector.register(stream.fileno(), selectors.EVENT_READ, label)
        os.set_blocking(self._stdin, False)

    def close(self) -> None:
        self._selector.close()

    def send(self, message: dict[str, Any]) -> None:
        """Write a message (marshal-able values only); a child that died meanwhile is noticed on the
        next receive."""
        if self._stdin_closed:
            return
        payload = marshal.dumps(message)
        self._pending += len(payload).to_bytes(4, "big") + payload
        self._selector.register(self._stdin, selectors.EVENT_WRITE, "in")
        try:
            self._pump(lambda: not self._pending)
        finally:
            if not self._stdin_closed:
                self._selector.unregister(self._stdin)

    def receive(self) -> dict[str, Any] | None:
        """The next message, or None once the child has closed its end (exited or crashed)."""
        self._pump(lambda: b"\n" in self._received or self._stdout_closed)
        line, newline, rest = self._received.partition(b"\n")
        if not newline:
            return None
        self._received = bytearray(rest)
        try:
            message = json.loads(line)
        except (ValueError, RecursionError):
            raise ProtocolViolation("a line that is not JSON (or nested too deeply)") from None
        if not isinstance(message, dict):
            raise ProtocolViolation("a message that is not an object")
        return message

    def _pump(self, done) -> None:
        while not done():
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise DeadlineReached
            for key, _ in self._selector.select(remaining):
                if key.data == "in":
                    self._write()
                elif key.data == "out":
                    self._read_stdout(key.fd)
                else:
                    self._read_stderr(key.fd)

    def _write(self) -> None:
        try:
            written = os.write(self._stdin, self._pending[:_CHUNK])
        except BlockingIOError:
            return
        except (BrokenPipeError, ConnectionResetError):
            self._stdin_closed = True
            self._selector.unregister(self._stdin)
            self._pending.clear()
            return
        del self._pending[:written]

    def _read_stdout(self, fd: int) -> None:
        chunk = _read(fd)
        if chunk is None:
            return
        if not chunk:
            self._stdout_closed = True
            self._selector.unregister(fd)
            return
        self._received += chunk
        if len(self._received) > self.max_line_bytes and b"\n" not in self._received:
            raise MessageTooLarge(f"a message larger than {self.max_line_bytes:,} bytes")

    def _read_stderr(self, fd: int) -> None:
        chunk = _read(fd)
        if chunk is None:
            return
        if not chunk:
            self._selector.unregister(fd)
            return
        if len(self.stderr) < STDERR_KEPT_BYTES:
            self.stderr += chunk[: STDERR_KEPT_BYTES - len(self.stderr)]


def _read(fd: int) -> bytes | None:
    try:
        return os.read(fd, _CHUNK)
    except BlockingIOError:
        return None
    except (ConnectionResetError, BrokenPipeError):
        return b""
