"""Docstring examples (``--doctest-modules`` over pyimagesearch/) run in a temporary folder:
one that writes a relative path, as ``HDF5DatasetWriter((1000, 256, 256, 3), "train.hdf5")``
does, writes it there and not into the cwd (tests/conftest.py checks the top folder)."""

import pytest


@pytest.fixture(autouse=True)
def _doctests_in_tmp_path(request: pytest.FixtureRequest) -> None:
    if isinstance(request.node, pytest.DoctestItem):
        request.getfixturevalue("monkeypatch").chdir(request.getfixturevalue("tmp_path"))
