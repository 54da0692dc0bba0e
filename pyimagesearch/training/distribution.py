"""Training on several devices or processes: ``STRATEGY`` on the backend that runs.

* ``mirrored``: every device of this machine; ``tf.distribute.MirroredStrategy`` on
  TensorFlow, Keras' own ``keras.distribution.DataParallel`` on JAX.
* ``multi_worker``: several processes (on one machine or many), JAX only, through
  ``keras.distribution``: ``jax.distributed`` joins the processes (gloo collectives on CPUs,
  NCCL on GPUs), ``DataParallel(auto_shard_dataset=False)`` makes each global batch of
  the processes' shares. The cluster comes from ``DISTRIBUTION_JOB_ADDRESSES``,
  ``DISTRIBUTION_NUM_PROCESSES``, ``DISTRIBUTION_PROCESS_ID``, else Keras' own variables
  ``KERAS_DISTRIBUTION_JOB_ADDRESSES``, ``KERAS_DISTRIBUTION_NUM_PROCESSES``,
  ``KERAS_DISTRIBUTION_PROCESS_ID`` (``python -m pyimagesearch.launch`` sets them). Every
  process reads only its rows of each global batch (``BATCH_SIZE``, divisible by the
  number of processes); process 0 alone writes files.

TensorFlow's ``MultiWorkerMirroredStrategy`` is refused (Keras 3's ``fit`` fails under
it: keras-team/keras#20585; :func:`~pyimagesearch.utils.backends.check_strategy`).

>>> cluster = Cluster("127.0.0.1:1234", processes=2, process_id=1, timeout=60)
>>> cluster.writer, cluster.share(10)
(False, (5, 10))
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pyimagesearch.config import Config
from pyimagesearch.errors import ConfigError

VARIABLES = {
    "DISTRIBUTION_JOB_ADDRESSES": "KERAS_DISTRIBUTION_JOB_ADDRESSES",
    "DISTRIBUTION_NUM_PROCESSES": "KERAS_DISTRIBUTION_NUM_PROCESSES",
    "DISTRIBUTION_PROCESS_ID": "KERAS_DISTRIBUTION_PROCESS_ID",
}


@dataclass(frozen=True)
class Cluster:
    """The processes of a ``multi_worker`` run, as this process sees them."""

    coordinator: str  # host:port of process 0
    processes: int
    process_id: int
    timeout: int  # seconds: to join at start; a lost process ends the others after it

    @property
    def writer(self) -> bool:
        """Process 0 alone writes the model, its record, checkpoints, history and runs."""
        return self.process_id == 0

    def share(self, rows: int) -> tuple[int, int]:
        """``(start, stop)`` of this process's rows among a global batch of ``rows`` (the
        rows a last, smaller batch cannot share evenly are left out)."""
        each = rows // self.processes
        return self.process_id * each, (self.process_id + 1) * each

    def line(self) -> str:
        """What every process prints at its start."""
        return (f"multi_worker: process {self.process_id} of {self.processes}, coordinator "
                f"{self.coordinator} (timeout {self.timeout} s)")  # fmt: skip


def cluster_of(cfg: Config, environ: Mapping[str, str] | None = None) -> Cluster | None:
    """The cluster of a ``multi_worker`` run (None for any other STRATEGY), from the
    settings, else Keras' variables; refused in one line when incomplete.

    >>> cfg = Config({"STRATEGY": "multi_worker"})
    >>> cluster_of(cfg, {"KERAS_DISTRIBUTION_JOB_ADDRESSES": "10.0.0.1:4000",
    ...                  "KERAS_DISTRIBUTION_NUM_PROCESSES": "2",
    ...                  "KERAS_DISTRIBUTION_PROCESS_ID": "0"}).line()
    'multi_worker: process 0 of 2, coordinator 10.0.0.1:4000 (timeout 60 s)'
    """
    if cfg.get("STRATEGY") != "multi_worker":
        return None
    environ = os.environ if environ is None else environ
    values = {name: _value(cfg, name, environ) for name in VARIABLES}
    missing = [f"{name} (or {VARIABLES[name]})" for name, v in values.items() if v is None]
    if missing:
        raise ConfigError(
            "STRATEGY = 'multi_worker' needs the cluster: set "
            + ", ".join(missing)
            + " (python -m pyimagesearch.launch --processes N starts one on this machine)"
        )
    processes, process_id = values["DISTRIBUTION_NUM_PROCESSES"], values["DISTRIBUTION_PROCESS_ID"]
    if not 0 <= process_id < processes:
        raise ConfigError(f"DISTRIBUTION_PROCESS_ID {process_id} is not one of the "
                          f"{processes} processes' ids (0..{processes - 1})")  # fmt: skip
    coordinator = str(values["DISTRIBUTION_JOB_ADDRESSES"]).split(",")[0].strip()
    return Cluster(coordinator, processes, process_id, cfg.get("DISTRIBUTION_TIMEOUT"))


def _value(cfg: Config, name: str, environ: Mapping[str, str]) -> Any:
    value = cfg.get(name)
    if value is not None:
        return value
    text = environ.get(VARIABLES[name])
    if text is None or name == "DISTRIBUTION_JOB_ADDRESSES":
        return text
    try:
        return int(text)
    except ValueError:
        raise ConfigError(f"{VARIABLES[name]}={text!r} is not a whole number") from None


def check_batch(cluster: Cluster | None, batch_size: int) -> None:
    """``BATCH_SIZE`` is the global batch: every process takes an equal share of it."""
    if cluster is not None and batch_size % cluster.processes:
        raise ConfigError(
            f"BATCH_SIZE {batch_size} is the global batch of the {cluster.processes} "
            f"processes and must divide among them: use a multiple of {cluster.processes}"
        )


class KerasDistribution:
    """A ``keras.distribution`` data-parallel run, with the two things the trainer asks of
    a strategy: ``scope()`` and ``num_replicas_in_sync``."""

    def __init__(self, distribution: Any, devices: int) -> None:
        self.distribution = distribution
        self.num_replicas_in_sync = devices

    def scope(self):
        return self.distribution.scope()


def start_distribution(strategy: str | None, cluster: Cluster | None):
    """The strategy object of ``STRATEGY`` (None: one device), created before the model
    and any other backend work; ``multi_worker`` first joins the cluster (every process
    waits for the others, at most ``cluster.timeout`` seconds)."""
    if strategy is None:
        return None
    import keras

    if keras.backend.backend() == "tensorflow":  # mirrored (check_strategy refused others)
        import tensorflow as tf

        return tf.distribute.MirroredStrategy()
    if cluster is not None:
        _join(cluster)
    devices = keras.distribution.list_devices()
    parallel = keras.distribution.DataParallel(devices=devices, auto_shard_dataset=False)
    keras.distribution.set_distribution(parallel)
    return KerasDistribution(parallel, len(devices))


def _join(cluster: Cluster) -> None:
    """``keras.distribution.initialize`` for JAX (``jax.distributed.initialize``), with
    gloo collectives on CPUs and the cluster's timeouts (Keras' own takes none)."""
    import jax

    # CPU devices' collectives (GPUs use NCCL whatever this says); before any JAX work
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    try:
        jax.distributed.initialize(
            coordinator_address=cluster.coordinator,
            num_processes=cluster.processes,
            process_id=cluster.process_id,
            initialization_timeout=cluster.timeout,
            heartbeat_timeout_seconds=cluster.timeout,
            shutdown_timeout_seconds=cluster.timeout,
        )
    except Exception as exc:  # JAX's runtime errors: an unreachable coordinator, a count
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
        raise ConfigError(join_failure(cluster, reason)) from None


def join_failure(cluster: Cluster, reason: str) -> str:
    """The line for a process that could not join the others (JAX's ``reason``); JAX
    raises it, or aborts the process with it (then the supervisor prints this line)."""
    return (f"multi_worker: process {cluster.process_id} could not join the "
            f"{cluster.processes} processes at {cluster.coordinator} within "
            f"{cluster.timeout} s ({reason}); check that every process was started with "
            "the same coordinator and number of processes (KERAS_DISTRIBUTION_* or "
            "DISTRIBUTION_*), or raise DISTRIBUTION_TIMEOUT")  # fmt: skip


def synchronise(name: str) -> None:
    """Wait until every process of a multi-process run reaches ``name``."""
    import jax

    if jax.process_count() > 1:
        from jax.experimental import multihost_utils

        multihost_utils.sync_global_devices(name)


def weights_fingerprint(model) -> str:
    """The first 16 hex digits of the sha256 of ``model``'s weights, in order: equal
    fingerprints, equal weights to the bit."""
    import hashlib

    import numpy as np

    digest = hashlib.sha256()
    for weight in model.weights:
        digest.update(np.ascontiguousarray(np.asarray(weight)).tobytes())
    return digest.hexdigest()[:16]
