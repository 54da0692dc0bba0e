"""Show file names safely: a name that is not valid UTF-8 is printed with ``\\xNN`` escapes
instead of aborting the print with ``UnicodeEncodeError``.

Example:
    >>> display_path("caf\\udce9.jpg")
    'caf\\\\xe9.jpg'
"""

from __future__ import annotations

import os


def display_path(path: str | os.PathLike[str]) -> str:
    """``path`` as printable text; undecodable bytes (kept as surrogates by ``os.walk``)
    become ``\\xNN``."""
    text = os.fspath(path)
    if isinstance(text, bytes):
        return text.decode("utf-8", "backslashreplace")
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
