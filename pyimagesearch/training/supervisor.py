"""The watch over one ``multi_worker`` process: one line when another process is lost.

When a process of a ``multi_worker`` run is lost (killed, out of memory, its machine
gone), JAX's coordination service ends the others from C++: an abort (SIGABRT) and
pages of its log lines, which Python can neither catch nor replace (its "missed
heartbeat" callback is not offered by ``jax.distributed.initialize``). So a training
script with ``STRATEGY = "multi_worker"`` runs its training in a child process (the same
command, :data:`CHILD` set), and this small process, which imports no Keras, passes the
child's output through, forwards Ctrl-C and SIGTERM, and when the child ends from the
coordination service's verdict prints one line instead of JAX's::

    error: process 1 of 2 was lost (no heartbeat for 60 s); rerun every process with --resume

and exits 2 (a process that could not join the others at start, which JAX also aborts:
the line of :func:`~pyimagesearch.training.distribution.join_failure`). The others end
within ``DISTRIBUTION_TIMEOUT`` seconds of the loss (the heartbeat timeout; 60 by
default) plus a second or two: measured 3.9-4.2 s at ``DISTRIBUTION_TIMEOUT = 5``, 9.2 s
at 10 and 48 s at 60 on the 2-core reference machine; a lost coordinator (process 0) ends
the others at once (0.3 s). From the first line of a Python traceback or of a JAX error
(``E1201 12:00:00...``), the child's stderr is held until it ends: shown as it was
unless the child was ended for a lost process. The child dies with this process (Linux:
``PR_SET_PDEATHSIG``), so killing this one kills the training too.

>>> from pyimagesearch.training.distribution import Cluster
>>> cluster = Cluster("10.0.0.1:4000", processes=3, process_id=0, timeout=60)
>>> failure_line(["E1201 coordination_service.cc] Task 2 heartbeat timeout."], cluster)
'process 2 of 3 was lost (no heartbeat for 60 s); rerun every process with --resume'
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Sequence

from pyimagesearch.training.distribution import Cluster, join_failure

CHILD = "PYIMAGESEARCH_MULTI_WORKER_CHILD"  # set in the child, which trains
# A Python traceback, or an absl error / fatal line ("E1201 14:38:08.863 ..."): the child ends
_ENDING = re.compile(r"Traceback \(most recent call last\):|[EF]\d{4} \d\d:\d\d:\d\d")
_HEARTBEAT = re.compile(r"Task (\d+) heartbeat timeout|stopped sending heartbeats\):\s*(\d+)")
_COORDINATOR_GONE = "Failed to send RPC to coordination service"
_PEER_GONE = re.compile(r"Gloo .* (closed|reset) by peer")
_FATAL = "JAX distributed service detected fatal errors"
_STATUS = re.compile(r"absl::Status: ([^\n]{1,160})")  # what JAX ended the process for


def supervise(cluster: Cluster | None) -> None:
    """In a ``multi_worker`` script's process: run the same command as a child, watch it,
    and end this process with its verdict (see the module's text). In the child, or for
    any other STRATEGY (``cluster`` None): return at once, to train."""
    if cluster is None or os.environ.get(CHILD):
        return
    sys.exit(watch([sys.executable, *sys.orig_argv[1:]], cluster))


def watch(command: Sequence[str], cluster: Cluster) -> int:
    """Run ``command`` as the training child; its exit code, or 2 (one line) for a lost
    process."""
    parent = os.getpid()
    child = subprocess.Popen(
        list(command), env={**os.environ, CHILD: "1"}, stderr=subprocess.PIPE, text=True,
        errors="replace", process_group=0,  # Ctrl-C reaches it once, through this process
        preexec_fn=(lambda: _die_with(parent)) if sys.platform.startswith("linux") else None,
    )  # fmt: skip
    for how in (signal.SIGINT, signal.SIGTERM):
        signal.signal(how, lambda number, frame: child.send_signal(number))
    held = _relay(child.stderr)
    code = child.wait()
    verdict = failure_line(held, cluster) if code != 0 else None
    if verdict is None:
        sys.stderr.write("".join(held))
        return code if code >= 0 else 128 - code
    print(f"error: {verdict}", file=sys.stderr, flush=True)
    return 2


def _relay(stream) -> list[str]:
    """Pass the child's stderr through as it comes, up to the first line of an ending
    (a traceback, a JAX error); that one and the rest: held and returned."""
    held: list[str] = []
    for line in stream:
        if held or _ENDING.match(line):
            held.append(line)
        else:
            sys.stderr.write(line)
            sys.stderr.flush()
    return held


def failure_line(lines: Sequence[str], cluster: Cluster) -> str | None:
    """The line naming the lost process (or saying the child could not join the others),
    from the child's held stderr ``lines``; None when they tell of neither (any other
    failure: shown as it is)."""
    text = "".join(lines)
    if _FATAL in text and "CoordinationService/RegisterTask" in text:  # never joined
        status = _STATUS.search(text)
        return join_failure(cluster, status.group(1).strip() if status else "no answer")
    heartbeat = _HEARTBEAT.search(text)
    if heartbeat:
        lost = int(heartbeat.group(1) or heartbeat.group(2))
        reason = f"no heartbeat for {cluster.timeout} s"
    elif _COORDINATOR_GONE in text:
        lost, reason = 0, f"the coordinator at {cluster.coordinator} stopped answering"
    elif _FATAL in text or _PEER_GONE.search(text):
        lost, reason = None, "its connection closed"
    else:
        return None
    who = f"process {lost} of {cluster.processes}" if lost is not None else (
        f"a process of the {cluster.processes}")  # fmt: skip
    return f"{who} was lost ({reason}); rerun every process with --resume"


def _die_with(parent: int) -> None:  # in the child, before it runs the command
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before that
        os._exit(1)
