"""Progress bars for long work (progressbar2), silenced on request."""

from __future__ import annotations

import sys

import progressbar


def progress_bar(label: str, total: int, enabled: bool = True) -> progressbar.ProgressBar:
    """A started bar ``label: 42% |####   | 420 of 1000 ETA 0:00:03``.

    Example (not run by the tests: draws a progress bar):
        >>> bar = progress_bar("extracting", 1000)   # doctest: +SKIP
        >>> bar.update(420); bar.finish()            # doctest: +SKIP
    """
    if not enabled:
        return progressbar.NullBar(max_value=max(total, 1)).start()
    widgets = [
        f"{label}: ",
        progressbar.Percentage(),
        " ",
        progressbar.Bar(),
        " ",
        progressbar.SimpleProgress(),
        " ",
        progressbar.ETA(),
    ]
    bar = progressbar.ProgressBar(max_value=max(total, 1), widgets=widgets, fd=_Stderr())
    return bar.start()


class _Stderr:
    """The standard error of the moment. progressbar2 swaps ``sys.stderr`` for the one it
    found on import, which may since have been replaced and closed (a redirected stderr,
    pytest's capsys): the bar would fail writing."""

    def __getattr__(self, name: str):
        return getattr(sys.stderr, name)
