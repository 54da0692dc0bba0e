"""Pieces of a self-contained HTML page: escaped text, tables, embedded images.

Everything that comes from the data or a config (file names, class names, setting values)
goes through :func:`esc`; images are embedded as ``data:`` URIs (downscaled and, when a PNG
would be large, JPEG-encoded); the page carries its CSS inline and a Content-Security-Policy
that allows no script, no request and no font: it opens from a file, offline, anywhere.

Example:
    >>> page = Page("run 20261126-041502-alexnet")
    >>> page.section("Numbers", table(["name", "value"], [["rank-1", 0.9312]]))
    >>> '<td class="num">0.9312</td>' in page.html()
    True
"""

from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pyimagesearch.utils.reports import cell_text

# Pictures wider than this are downscaled; a PNG larger than PNG_LIMIT bytes is sent as a
# JPEG instead, of at most IMAGE_BUDGET bytes (a 200-photo top-loss grid: about 1 MB at
# quality 85 before the budget; noise needs the lower qualities).
MAX_WIDTH = 1600
PNG_LIMIT = 400_000
IMAGE_BUDGET = 900_000
JPEG_QUALITIES = (85, 70, 55, 40)
LONG_TEXT = 40  # cells longer than this may break anywhere (paths); shorter ones at spaces
LONG = ' class="wrap"'
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
 color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:18px 32px}
header h1{margin:0;font-size:22px;font-weight:600;overflow-wrap:anywhere}
header p{margin:4px 0 0;color:#b9c0cc}
nav{padding:8px 32px;background:#e9ecf1;font-size:13px}
nav a{margin-right:14px;color:#27408b;text-decoration:none}
main{padding:8px 32px 40px;max-width:1700px}
section{background:#fff;border:1px solid #dde1e7;border-radius:6px;margin:18px 0;
 padding:6px 20px 16px}
h2{font-size:18px;margin:14px 0 10px}
h3{font-size:15px;margin:14px 0 6px}
table{border-collapse:collapse;font-size:13px;margin:6px 0}
.scroll{overflow-x:auto;max-width:100%}
th,td{border-bottom:1px solid #e3e6eb;padding:4px 10px;text-align:left;vertical-align:top}
th{overflow-wrap:anywhere;min-width:4em}
th{background:#f0f2f5;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.best td{background:#e8f5e9}
details{margin:6px 0}
summary{cursor:pointer;color:#27408b;font-size:13px}
pre{background:#f3f4f6;padding:10px;overflow:auto;font-size:12px}
img{max-width:100%;height:auto;border:1px solid #e3e6eb}
.muted{color:#6b7280}
.wrap{overflow-wrap:anywhere}
"""


class NumberText(str):
    """A number written for people (``"92.50%"``): right-aligned in a table, as numbers are."""


def esc(value: Any) -> str:
    """``value`` as text safe inside HTML elements and quoted attributes."""
    return html.escape(str(value), quote=True)


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    highlight: int | None = None,
) -> str:
    """An HTML table; numbers (and :class:`NumberText`) right-aligned; row ``highlight``
    marked."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for index, row in enumerate(rows):
        cells = "".join(
            f'<td class="num">{esc(cell_text(v))}</td>'
            if isinstance(v, int | float | NumberText) and not isinstance(v, bool)
            else f"<td{LONG if len(cell_text(v)) > LONG_TEXT else ''}>{esc(cell_text(v))}</td>"
            for v in row
        )
        marked = ' class="best"' if index == highlight else ""
        body.append(f"<tr{marked}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def scrolling(html_table: str) -> str:
    """A wide table that scrolls inside its section instead of widening the page."""
    return f'<div class="scroll">{html_table}</div>'


def key_values(values: Mapping[str, Any]) -> str:
    return table(["", ""], [[k, v] for k, v in values.items()]).replace(
        "<thead><tr><th></th><th></th></tr></thead>", ""
    )


def pre(text: str) -> str:
    return f"<pre>{esc(text)}</pre>"


def paragraph(text: str, muted: bool = False) -> str:
    return f'<p class="muted">{esc(text)}</p>' if muted else f"<p>{esc(text)}</p>"


def encoded_image(pixels: np.ndarray) -> tuple[str, bytes]:
    """(MIME type, bytes) of a BGR image: downscaled to ``MAX_WIDTH``; a PNG, or when the
    PNG would pass ``PNG_LIMIT`` a JPEG of at most ``IMAGE_BUDGET`` bytes (lower quality,
    then smaller, until it fits: four pictures of noise still make a page under 5 MB)."""
    import cv2

    height, width = pixels.shape[:2]
    if width > MAX_WIDTH:
        size = (MAX_WIDTH, max(1, round(height * MAX_WIDTH / width)))
        pixels = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".png", pixels)
    if ok and len(data) <= PNG_LIMIT:
        return "image/png", data.tobytes()
    while True:
        for quality in JPEG_QUALITIES:
            ok, data = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, quality])
            if ok and len(data) <= IMAGE_BUDGET:
                return "image/jpeg", data.tobytes()
        height, width = pixels.shape[:2]
        half = (max(1, width * 3 // 4), max(1, height * 3 // 4))
        pixels = cv2.resize(pixels, half, interpolation=cv2.INTER_AREA)


def image_file(path: str | os.PathLike[str], alt: str) -> str:
    """An ``<img>`` with the picture at ``path`` embedded; a note when it cannot be read."""
    import cv2

    pixels = cv2.imread(os.fspath(path), cv2.IMREAD_COLOR)
    if pixels is None:
        return paragraph(f"(picture not readable: {Path(path).name})", muted=True)
    return image_pixels(pixels, alt)


def image_pixels(pixels: np.ndarray, alt: str) -> str:
    mime, data = encoded_image(pixels)
    encoded = base64.b64encode(data).decode("ascii")
    return f'<img alt="{esc(alt)}" src="data:{mime};base64,{encoded}">'


def figure_image(figure: Any, alt: str) -> str:
    """A matplotlib figure embedded as PNG (the figure is closed)."""
    import cv2
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    pixels = cv2.imdecode(np.frombuffer(buffer.getvalue(), np.uint8), cv2.IMREAD_COLOR)
    return image_pixels(pixels, alt)


class Page:
    """A report page: a title bar, a table of contents and sections, in order."""

    def __init__(self, title: str, subtitle: str = "") -> None:
        self.title = title
        self.subtitle = subtitle
        self.sections: list[tuple[str, str]] = []

    def section(self, heading: str, body: str) -> None:
        self.sections.append((heading, body))

    def html(self) -> str:
        nav = "".join(f'<a href="#s{i}">{esc(h)}</a>' for i, (h, _) in enumerate(self.sections))
        body = "".join(
            f'<section id="s{i}"><h2>{esc(h)}</h2>{content}</section>'
            for i, (h, content) in enumerate(self.sections)
        )
        subtitle = f"<p>{esc(self.subtitle)}</p>" if self.subtitle else ""
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(self.title)}</title><style>{STYLE}</style></head><body>"
            f"<header><h1>{esc(self.title)}</h1>{subtitle}</header>"
            f"<nav>{nav}</nav><main>{body}</main></body></html>\n"
        )
