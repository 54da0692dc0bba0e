"""Near-duplicate search: every pair of hashes within a Hamming distance, in blocks.

All pairs of ``n`` 64-bit hashes are compared with one vectorised XOR and popcount per
block of rows against the rest (the upper triangle only); blocks shrink as ``n`` grows, so
the temporaries stay about 32 MB and memory grows only with the hashes themselves; 25,000
images take about a second (``benchmarks/bench_audit.py``).
Pairs are joined into groups (connected components).

Example (not run by the tests: needs the hashes or features of a dataset):
    >>> i, j, d = near_pairs(hashes, threshold=6)     # doctest: +SKIP
    >>> groups = duplicate_groups(i, j, len(hashes))  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from pyimagesearch.config import default

BLOCK_BYTES = 32 * 2**20  # the temporaries of one block: the XOR (8 bytes) and count


def near_pairs(
    hashes: np.ndarray, threshold: int = default("AUDIT_HAMMING"), block: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(i, j, distance)`` of every pair ``i < j`` whose hashes differ in at most
    ``threshold`` bits. Rows go in blocks sized so that a block's temporaries stay near
    ``BLOCK_BYTES`` whatever the number of hashes."""
    hashes = np.asarray(hashes, dtype=np.uint64)
    block = block or max(16, BLOCK_BYTES // (10 * max(1, len(hashes))))
    found_i, found_j, found_d = [], [], []
    for start in range(0, len(hashes), block):
        rows = hashes[start : start + block]
        distance = np.bitwise_count(rows[:, None] ^ hashes[None, start:])  # (b, n - start)
        ii, jj = np.nonzero(distance <= threshold)
        keep = jj > ii  # the upper triangle: each pair once, no image with itself
        found_i.append(ii[keep] + start)
        found_j.append(jj[keep] + start)
        found_d.append(distance[ii[keep], jj[keep]])
    if not found_i:
        empty = np.empty(0, np.int64)
        return empty, empty, np.empty(0, np.uint8)
    return np.concatenate(found_i), np.concatenate(found_j), np.concatenate(found_d)


def similar_features(
    features: np.ndarray, threshold: float = default("AUDIT_COSINE"), block: int = 1024
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(i, j, cosine)`` of every pair of feature rows at least ``threshold`` alike:
    crops and re-encodings that a hash misses."""
    unit = features / np.maximum(np.linalg.norm(features, axis=1, keepdims=True), 1e-12)
    unit = unit.astype(np.float32)
    found_i, found_j, found_s = [], [], []
    for start in range(0, len(unit), block):
        similarity = unit[start : start + block] @ unit[start:].T
        ii, jj = np.nonzero(similarity >= threshold)
        keep = jj > ii
        found_i.append(ii[keep] + start)
        found_j.append(jj[keep] + start)
        found_s.append(similarity[ii[keep], jj[keep]])
    if not found_i:
        empty = np.empty(0, np.int64)
        return empty, empty, np.empty(0, np.float32)
    return np.concatenate(found_i), np.concatenate(found_j), np.concatenate(found_s)


def duplicate_groups(i: np.ndarray, j: np.ndarray, n: int) -> list[np.ndarray]:
    """Groups of two or more images joined by pairs (connected components), largest first."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if len(i) == 0:
        return []
    graph = coo_matrix((np.ones(len(i), np.int8), (i, j)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    members = np.flatnonzero(np.bincount(component)[component] > 1)
    groups = {}
    for index in members:
        groups.setdefault(component[index], []).append(index)
    return sorted((np.array(g) for g in groups.values()), key=len, reverse=True)
