"""CSV written for people who open it in a spreadsheet: text cells that cannot run as formulas.

Every CSV geomap writes (``regions.csv``, ``mentions.csv``, ``geomap search --format csv``)
(and ``unplaced.csv``) writes its text cells with a ``'`` before one that starts with
``FORMULA_START`` (OWASP CSV injection); numbers are written as numbers.
"""
from __future__ import annotations

import csv
import io
import re
from typing import Iterable, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def csv_field(value) -> str:
    """One CSV field as ``csv_text`` writes it (text made safe, quoted when it holds ``, " CR
    LF``; None empty; numbers as ``str``): for writers that assemble rows from cached pieces."""
    if value is None:
        return ""
    if value.__class__ is not str:
        return str(value)
    if value.startswith(FORMULA_START):
        value = "'" + value
    if _NEEDS_QUOTES.search(value):
        return '"' + value.replace('"', '""') + '"'
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """CSV text (``\\n`` line ends): ``str`` cells made safe, numbers as they are, None empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["'" + v if v.__class__ is str and v.startswith(FORMULA_START) else v
                      for v in row] for row in rows)       # None is written as an empty cell
    return out.getvalue()
