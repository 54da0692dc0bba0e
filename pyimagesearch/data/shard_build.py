"""Build one dataset on several machines: one shard each, then one step publishes the set
(the engine of ``build_dataset.py --shard K --of N`` and ``build_dataset.py --publish --of
N``).

Every machine plans the same build (the same config, the images and outputs on shared
storage): the same splits, cut into the same N runs. ``--shard K`` writes run K of every
split (``train-0000K-of-0000N.hdf5`` ...) under ``.partial`` names, with all of this
machine's decoding threads, and records what it wrote beside the build report
(``build_shard-0000K-of-0000N.json``). The last step, ``--publish``, checks that every
shard is there, complete and of this build (the build id is the same on every machine
that plans the same build), writes each split's index, the mean and the report, and
publishes them with the shards together, as a build on one machine does: until then no
file of the new set looks complete, and an earlier set stays as it was.

Example (not run by the tests: several machines):
    >>> build_shard(cfg, shard=0, of=2)       # on one machine   # doctest: +SKIP
    >>> build_shard(cfg, shard=1, of=2)       # on another       # doctest: +SKIP
    >>> report = publish_shards(cfg, of=2)    # once both are done   # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pyimagesearch.config import SPLIT_SETTINGS, Config
from pyimagesearch.data.build_dataset import (
    BuildPlan,
    build_dataset,
    distributed_build_id,
    file_attrs,
    plan_build,
    split_options,
)
from pyimagesearch.data.shard_writer import result_path, shard_jobs, write_result, write_shard
from pyimagesearch.errors import ConfigError
from pyimagesearch.utils.atomic import partial_path
from pyimagesearch.utils.locks import output_locks


def plan_shards(cfg: Config, of: int, overwrite: bool | None = None) -> BuildPlan:
    """The build of ``cfg`` cut into ``of`` shards (``SHARDS = of``), checked as a build."""
    if of < 2:
        raise ConfigError(f"--of must be 2 or more, got {of} (one shard: build without --of)")
    return plan_build(cfg.replace(SHARDS=of), overwrite)


def build_shard(
    cfg: Config, shard: int, of: int, overwrite: bool | None = None, progress: bool = True
) -> dict[str, Any]:
    """Write shard ``shard`` of ``of`` of every split and its record (all unpublished);
    what it wrote, by split."""
    plan = plan_shards(cfg, of, overwrite)
    if not 0 <= shard < of:
        raise ConfigError(f"--shard must be 0 to {of - 1} with --of {of}, got {shard}")
    build_id = distributed_build_id(plan)
    jobs = _jobs(plan, shard, build_id, progress)
    record = result_path(plan.report_path, shard, of)
    with output_locks([*(Path(job["output_path"]) for job in jobs), record], "build"):
        try:
            results = write_shard(jobs)
            write_result(record, build_id, list(plan.splits), results)
        except BaseException:
            for job in jobs:
                with contextlib.suppress(OSError):
                    partial_path(job["output_path"]).unlink()
            raise
    splits = {name: asdict(r.report) for name, r in zip(plan.splits, results, strict=True)}
    return {"shard": shard, "of": of, "build_id": build_id, "record": str(record),
            "splits": splits}  # fmt: skip


def _jobs(plan: BuildPlan, shard: int, build_id: str, progress: bool) -> list[dict[str, Any]]:
    """``build_split``'s arguments of shard ``shard`` of each split."""
    attrs, options = file_attrs(plan, build_id), split_options(plan, progress)
    workers = options.pop("workers")
    jobs = []
    for name, split in plan.splits.items():
        every = shard_jobs(split.paths, split.labels, plan.shards, workers, name=name,
                           output_path=plan.outputs[SPLIT_SETTINGS[name]],
                           attrs={**attrs, "source": split.source}, **options)  # fmt: skip
        jobs.append({**every[shard], "progress": progress})
    return jobs


def publish_shards(
    cfg: Config, of: int, overwrite: bool | None = None, progress: bool = True
) -> dict[str, Any]:
    """Check the ``of`` shards built one at a time, write the indexes, the mean and the
    report, and publish the whole set together; the build report."""
    plan = dataclasses.replace(plan_shards(cfg, of, overwrite), collect=True)
    return build_dataset(plan, progress=progress)


def shard_lines(summary: dict[str, Any]) -> list[str]:
    """What ``build_dataset.py --shard K --of N`` prints."""
    shard, of = summary["shard"], summary["of"]
    lines = [
        f"[INFO] {name:5s}: shard {shard} of {of}: listed {split['listed']:6d}  written "
        f"{split['written']:6d}  skipped {split['skipped']:4d}  "
        f"{split['images_per_second']:7.1f} images/s"
        for name, split in summary["splits"].items()
    ]
    lines.append(
        f"[INFO] shard {shard} of {of} written (not published); once every shard is, publish "
        f"the set with: python build_dataset.py --publish --of {of} (same config)"
    )
    return lines
