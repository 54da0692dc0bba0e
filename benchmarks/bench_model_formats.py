"""Storing the logistic regression: skops (runs no code on load) against pickle.

A LogisticRegression on 2,048-value features (ResNet50's), two classes, fitted on random
data: file size and load time (best of ``--rounds``) of ``skops.io`` and ``pickle``, and
the check that both give the same probabilities.

Usage:
    python benchmarks/bench_model_formats.py [--dim 2048] [--rounds 50]
"""

from __future__ import annotations

import argparse
import pickle
import tempfile
import time
from pathlib import Path

import numpy as np
import skops.io
from sklearn.linear_model import LogisticRegression


def best_load(fn, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dim", type=int, default=2048)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, args.dim))
    y = (x[:, 0] > 0).astype(int)
    model = LogisticRegression(max_iter=200).fit(x, y)
    with tempfile.TemporaryDirectory() as tmp:
        sk, pk = Path(tmp) / "m.skops", Path(tmp) / "m.pickle"
        skops.io.dump(model, sk)
        pk.write_bytes(pickle.dumps(model))
        sk_time = best_load(lambda: skops.io.load(sk, trusted=[]), args.rounds)
        pk_time = best_load(lambda: pickle.loads(pk.read_bytes()), args.rounds)
        same = np.array_equal(
            skops.io.load(sk, trusted=[]).predict_proba(x[:50]), model.predict_proba(x[:50])
        )
        print(f"LogisticRegression, {args.dim} features; best of {args.rounds} loads")
        print(f"  skops : {sk.stat().st_size:8d} bytes, load {sk_time * 1000:7.2f} ms")
        print(f"  pickle: {pk.stat().st_size:8d} bytes, load {pk_time * 1000:7.2f} ms")
        print(f"  skops / pickle: size {sk.stat().st_size / pk.stat().st_size:.2f}x, "
              f"load {sk_time / pk_time:.1f}x; same probabilities: {same}")  # fmt: skip


if __name__ == "__main__":
    main()
