"""The watch over a multi_worker process (pyimagesearch.training.supervisor), without JAX:
a child that ends as JAX's coordination service ends a process whose peer was lost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pyimagesearch.training.distribution import Cluster
from pyimagesearch.training.supervisor import failure_line

REPO = Path(__file__).resolve().parents[2]
# What process 0 prints when process 1 was killed (JAX 0.10.2, shortened), then aborts
DYING = r"""
import os, sys
print("[INFO] training", flush=True)
sys.stderr.write("a warning\n")
sys.stderr.write("Traceback (most recent call last):\nValueError: UNKNOWN: Gloo AllGather "
                 "failed: Connection closed by peer [127.0.0.1]:45444\n")
sys.stderr.write("E1201 14:38:08.863319 26507 coordination_service.cc:1549] Use error "
                 "polling: UNAVAILABLE: The following tasks are unhealthy (stopped sending "
                 "heartbeats):\n1\nF1201 14:38:08.863727 26421 client.h:80] Terminating "
                 "process because the JAX distributed service detected fatal errors.\n"
                 "*** Check failure stack trace: ***\n")
sys.stderr.flush()
os.abort()
"""
WATCH = ("import sys; from pyimagesearch.training.distribution import Cluster; "
         "from pyimagesearch.training.supervisor import watch; "
         "sys.exit(watch([sys.executable, '-c', sys.argv[1]], "
         "Cluster('127.0.0.1:4000', 2, 0, 60)))")  # fmt: skip


def test_a_child_ended_for_a_lost_process_ends_in_one_line_of_ours() -> None:
    result = subprocess.run([sys.executable, "-c", WATCH, DYING], cwd=REPO, capture_output=True,
                            text=True, timeout=60)  # fmt: skip
    assert result.returncode == 2
    assert result.stdout == "[INFO] training\n"
    assert result.stderr.splitlines() == [
        "a warning",
        "error: process 1 of 2 was lost (no heartbeat for 60 s); rerun every process with --resume",
    ]


def test_any_other_failure_of_the_child_is_shown_as_it_is() -> None:
    failing = "import sys; sys.stderr.write('Traceback (most recent call last):\\nKeyError\\n')"
    result = subprocess.run([sys.executable, "-c", WATCH, failing + "; sys.exit(1)"], cwd=REPO,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 1
    assert result.stderr == "Traceback (most recent call last):\nKeyError\n"


def test_a_lost_coordinator_is_named_by_the_others() -> None:
    """What JAX's client prints in process 1 when process 0 (the coordinator) is gone."""
    cluster = Cluster("127.0.0.1:4000", processes=2, process_id=1, timeout=60)
    lines = ["F1201 14:39:00.272779   27321 client.h:80] Terminating process because the JAX "
             "distributed service detected fatal errors. absl::Status: UNAVAILABLE: Failed to "
             "send RPC to coordination service. Either the leader task died\n"]  # fmt: skip
    assert failure_line(lines, cluster) == (
        "process 0 of 2 was lost (the coordinator at 127.0.0.1:4000 stopped answering); "
        "rerun every process with --resume"
    )


def test_a_process_that_never_joined_says_so_in_one_line() -> None:
    """What JAX prints when the coordinator never answered (RegisterTask), then aborts."""
    cluster = Cluster("127.0.0.1:4000", processes=2, process_id=1, timeout=5)
    lines = ["F1201 14:48:16.216209   32223 client.h:80] Terminating process because the JAX "
             "distributed service detected fatal errors. absl::Status: DEADLINE_EXCEEDED: "
             "Deadline Exceeded\n", "\n", "RPC: /xla.coordination.CoordinationService/"
             "RegisterTask\n", "*** Check failure stack trace: ***\n"]  # fmt: skip
    assert failure_line(lines, cluster) == (
        "multi_worker: process 1 could not join the 2 processes at 127.0.0.1:4000 within 5 s "
        "(DEADLINE_EXCEEDED: Deadline Exceeded); check that every process was started with "
        "the same coordinator and number of processes (KERAS_DISTRIBUTION_* or "
        "DISTRIBUTION_*), or raise DISTRIBUTION_TIMEOUT"
    )
