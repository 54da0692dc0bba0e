"""Labels from a mapping file: file name -> label, as Kaggle's ``labels.csv`` (dog breeds)
or Tiny ImageNet's ``val_annotations.txt`` give them.

Example (not run by the tests: needs Kaggle's labels.csv):
    >>> mapping = read_label_file("labels.csv", columns=("id", "breed"))   # doctest: +SKIP
    >>> mapping["000bec180eb18c7604dcecc8fe0dba07"]                        # doctest: +SKIP
    'boston_bull'
"""

from __future__ import annotations

import codecs
import csv
import os
from collections.abc import Sequence
from pathlib import Path

from pyimagesearch.errors import DatasetError

TAB_SUFFIXES = (".tsv", ".txt")


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))  # fmt: skip


def _text_lines(path: Path) -> list[str]:
    """The file's lines: UTF-8 (with or without a BOM), or UTF-16/32 with a BOM (a
    spreadsheet's "Unicode text" export).

    Raises:
        DatasetError: the file is none of these.
    """
    data = path.read_bytes()
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8-sig")
    try:
        return data.decode(encoding).splitlines()
    except UnicodeDecodeError as exc:
        raise DatasetError(
            f"label file {path} is not UTF-8 or UTF-16 text (byte {exc.start}: "
            f"{data[exc.start : exc.start + 1]!r}); save it as UTF-8 CSV"
        ) from None


def read_label_file(
    path: str | os.PathLike[str],
    columns: Sequence[str | int] = (0, 1),
    delimiter: str | None = None,
    header: bool | None = None,
) -> dict[str, str]:
    """``{file name: label}`` from a CSV or TSV file.

    Args:
        columns: the file-name and label columns, by name (the first row is a header) or
            by position (counting from 0).
        delimiter: None: a tab for ``.tsv`` / ``.txt``, a comma otherwise.
        header: whether the first row names the columns; None: when ``columns`` are names.

    Raises:
        DatasetError: no such file, an unknown column, a file named twice with two labels,
            or no row at all.
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"label file not found: {path} (check LABELS_FILE)")
    if delimiter is None:
        delimiter = "\t" if path.suffix.lower() in TAB_SUFFIXES else ","
    by_name = all(isinstance(c, str) for c in columns)
    header = by_name if header is None else header
    rows = [row for row in csv.reader(_text_lines(path), delimiter=delimiter) if row]
    if header:
        index, rows = _header_columns(path, rows, columns)
    elif by_name:
        raise DatasetError("LABELS_COLUMNS names columns, but the file has no header")
    else:
        index = [int(c) for c in columns]
    mapping = _mapping_of(path, rows, index, first_row=2 if header else 1)
    if not mapping:
        raise DatasetError(f"{path} holds no file names and labels")
    return mapping


def _header_columns(
    path: Path, rows: list[list[str]], columns: Sequence[str | int]
) -> tuple[list[int], list[list[str]]]:
    """The positions of ``columns`` (names looked up in the header row, positions as
    given), and the rows below the header."""
    if not rows:
        raise DatasetError(f"{path} is empty")
    names, rows = [c.strip() for c in rows[0]], rows[1:]
    try:
        index = [names.index(c) if isinstance(c, str) else int(c) for c in columns]
    except ValueError:
        raise DatasetError(
            f"{path} has no column {[c for c in columns if c not in names][0]!r}; its "
            f"columns are {', '.join(names)} (set LABELS_COLUMNS)"
        ) from None
    return index, rows


def _mapping_of(
    path: Path, rows: list[list[str]], index: list[int], first_row: int
) -> dict[str, str]:
    """``{file name: label}`` of the rows (``index``: the two columns' positions); a
    file named twice must have one label. ``first_row``: the first row's number in the
    file, for error messages."""
    mapping: dict[str, str] = {}
    for number, row in enumerate(rows, start=first_row):
        if max(index) >= len(row):
            raise DatasetError(f"{path}, row {number}: fewer than {max(index) + 1} columns")
        name, label = row[index[0]].strip(), row[index[1]].strip()
        if mapping.get(name, label) != label:
            raise DatasetError(f"{path} gives {name} two labels: {mapping[name]!r} and {label!r}")
        mapping[name] = label
    return mapping


def label_of(path: str, mapping: dict[str, str]) -> str | None:
    """The label the mapping gives a file: by its name (``val_0.JPEG``), else by its name
    without the extension (Kaggle's ids: ``000bec18...``)."""
    name = os.path.basename(path)
    label = mapping.get(name)
    return label if label is not None else mapping.get(os.path.splitext(name)[0])


def missing_files(found: Sequence[str], mapping: dict[str, str]) -> list[str]:
    """Names in the mapping that match no listed file (by name or by stem)."""
    names = {os.path.basename(p) for p in found}
    stems = {os.path.splitext(n)[0] for n in names}
    return sorted(k for k in mapping if k not in names and k not in stems)
