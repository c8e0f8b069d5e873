"""Child process that runs the xllamacpp server: ``python -m apps.service_providers.local_llm.serve CONFIG``.

Started by ``server.ensure_local_server``; it imports no Django so it starts fast. It binds a free
loopback port, writes ``{"pid", "port"}`` to the ready file once the model is loaded, and exits when
the process it watches (its parent, or ``owner_pid``) is gone, so no server outlives the platform.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from apps.service_providers.local_llm.chat_templates import resolve_chat_template

WATCH_INTERVAL_SECONDS = 0.5


def build_params(config: dict[str, Any]) -> Any:
    import xllamacpp as xlc

    model_file = Path(config["model_path"])
    template, stops = resolve_chat_template(config["chat_template"], model_file)
    params = xlc.CommonParams()
    params.model.path = str(model_file)
    params.model_alias = {config["model_name"]}
    params.hostnames = ["127.0.0.1"]
    params.port = 0  # the OS picks a free port at bind time, so there is no race with another process
    params.n_parallel = config["parallel"]
    # Slots split the context when the KV cache is not unified, so each conversation gets `context_size`.
    params.n_ctx = config["context_size"] * config["parallel"]
    params.cpuparams.n_threads = config["threads"]
    params.cpuparams_batch.n_threads = config["threads"]
    params.use_jinja = True
    params.chat_template = template
    params.antiprompt = stops
    params.sampling.penalty_repeat = config["repeat_penalty"]
    params.verbosity = config["verbosity"]
    return params


def _write_ready_file(path: Path, data: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def watch(owner_pid: int) -> None:
    """Block until the owner is gone. A direct parent is watched through getppid, which changes when the
    parent dies even if its pid is later reused; any other owner by signalling it."""
    is_parent = owner_pid == os.getppid()
    while True:
        if (os.getppid() != owner_pid) if is_parent else not _alive(owner_pid):
            return
        time.sleep(WATCH_INTERVAL_SECONDS)


def main(argv: list[str]) -> int:
    config = json.loads(argv[0])
    import xllamacpp as xlc

    server = xlc.Server(build_params(config))
    port = int(server.listening_address.rsplit(":", 1)[1])
    _write_ready_file(Path(config["ready_file"]), {"pid": os.getpid(), "port": port})
    print(f"local LLM ready on {server.listening_address}", flush=True)
    watch(int(config["owner_pid"]))
    print("owner process is gone; local LLM exiting", flush=True)
    # Skip the server's orderly teardown: it waits on in-flight requests nobody will read.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
