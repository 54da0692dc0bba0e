"""Start a ``multi_worker`` training as N processes on this machine, to try it (or to use
several processes on one host): ``python -m pyimagesearch.launch --processes 2 train.py
--config config/cifar10_config.py``.

Each process gets Keras' cluster variables (``KERAS_DISTRIBUTION_JOB_ADDRESSES`` =
127.0.0.1 and a free port, ``KERAS_DISTRIBUTION_NUM_PROCESSES``,
``KERAS_DISTRIBUTION_PROCESS_ID``), ``KERAS_BACKEND=jax`` unless one is set, and
``--strategy multi_worker`` unless the command gives a ``--strategy``. Every line a
process prints comes out prefixed with its id (``[1] ...``); Ctrl-C is passed on to every
process; when one fails the others are ended (after ``--grace`` seconds, killed), and the
launcher exits with the failed one's code. Across machines, start each process yourself
(docs/TRAINING.md).

>>> child_environment({}, "127.0.0.1:5000", 2, 1)["KERAS_DISTRIBUTION_PROCESS_ID"]
'1'
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def child_environment(
    environ: Mapping[str, str], address: str, processes: int, process_id: int
) -> dict[str, str]:
    """The environment of process ``process_id``: Keras' cluster variables, JAX unless a
    backend is chosen, unbuffered output (its lines arrive as they are printed)."""
    return {
        **environ,
        "KERAS_BACKEND": environ.get("KERAS_BACKEND", "jax"),
        "KERAS_DISTRIBUTION_JOB_ADDRESSES": address,
        "KERAS_DISTRIBUTION_NUM_PROCESSES": str(processes),
        "KERAS_DISTRIBUTION_PROCESS_ID": str(process_id),
        "PYTHONUNBUFFERED": "1",
    }


_RELAYS: list[threading.Thread] = []  # one a process: its lines, prefixed


def _relay(process_id: int, stream) -> None:
    for line in stream:
        sys.stdout.write(f"[{process_id}] {line}")
        sys.stdout.flush()


def start(command: Sequence[str], processes: int, port: int | None = None) -> list:
    """Start the ``processes`` processes of ``command`` (a script and its arguments)."""
    address = f"127.0.0.1:{port or free_port()}"
    if "--strategy" not in command:
        command = [*command, "--strategy", "multi_worker"]
    print(f"[launch] {processes} processes, coordinator {address}: {' '.join(command)}",
          flush=True)  # fmt: skip
    children = []
    for process_id in range(processes):
        child = subprocess.Popen(
            [sys.executable, *command], env=child_environment(os.environ, address, processes,
            process_id), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,  # Ctrl-C reaches the launcher, which passes it on once
        )  # fmt: skip
        print(f"[launch] process {process_id}: pid {child.pid}", flush=True)
        relay = threading.Thread(target=_relay, args=(process_id, child.stdout), daemon=True)
        relay.start()
        _RELAYS.append(relay)
        children.append(child)
    return children


def wait(children: list, grace: float) -> int:
    """Wait for every process; the first failure ends the others. Its exit code."""
    try:
        while True:
            codes = [child.poll() for child in children]
            failed = [(i, c) for i, c in enumerate(codes) if c not in (None, 0)]
            if failed:
                process_id, code = failed[0]
                print(f"[launch] process {process_id} ended with {_how(code)}: ending the others",
                      flush=True)  # fmt: skip
                stop(children, signal.SIGINT, grace)  # as Ctrl-C: each ends cleanly
                return code if code > 0 else 128 - code
            if all(code == 0 for code in codes):
                return 0
            time.sleep(0.2)
    except KeyboardInterrupt:
        print("[launch] interrupted: passing Ctrl-C on to every process")
        stop(children, signal.SIGINT, grace)
        return 130


def _how(code: int) -> str:
    return f"exit code {code}" if code >= 0 else f"signal {signal.Signals(-code).name}"


def stop(children: list, how: int, grace: float) -> None:
    """Send ``how`` to the processes still running; kill those left after ``grace`` s."""
    for child in children:
        if child.poll() is None:
            child.send_signal(how)
    deadline = time.monotonic() + grace
    for child in children:
        try:
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].replace("\n", " "))
    parser.add_argument("--processes", type=int, required=True, help="number of processes")
    parser.add_argument("--port", type=int, help="the coordinator's port (default: a free one)")
    parser.add_argument("--grace", type=float, default=10.0,
                        help="seconds the others get to stop when one fails")  # fmt: skip
    parser.add_argument("command", nargs=argparse.REMAINDER, help="script and its arguments")
    args = parser.parse_args(argv)
    if args.processes < 1 or not args.command:
        parser.error("give --processes N (at least 1) and a script with its arguments")
    code = wait(start(args.command, args.processes, args.port), args.grace)
    for relay in _RELAYS:  # the last lines of every process
        relay.join(timeout=5)
    return code


if __name__ == "__main__":
    sys.exit(main())
