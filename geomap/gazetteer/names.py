"""The lookup key shared by the index builder, the importer and the extractor.

Every name stored in the index and every span the extractor looks up goes through
:func:`normalize`, so the two sides always agree (``"U.S."`` and ``"US"`` → ``"us"``,
``"Zaporizhzhia"``/``"Zaporizhzhya"`` stay distinct but ``"Kyïv"`` → ``"kyiv"``).
"""
from __future__ import annotations

import re
import unicodedata

# Latin letters that NFKD does not decompose into a base letter plus a combining mark.
_FOLD = str.maketrans({
    "ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d",
    "þ": "th", "Þ": "th", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ı": "i", "ħ": "h",
    "Ħ": "h", "ŧ": "t", "Ŧ": "t", "ŀ": "l", "Ŀ": "l",
    "’": "'", "‘": "'", "ʼ": "'", "ʻ": "'", "`": "'", "´": "'", "′": "'",
    "-": " ", "‐": " ", "‑": " ", "‒": " ", "–": " ", "—": " ", "_": " ",
    ".": None,
})
MAX_NAME_TOKENS = 8     # longer names are never written out in news text
_SPACES = re.compile(r"\s+")
# Punctuation that may surround a name in running text: "(Kherson)", "Kyiv,", "«Odesa»".
_EDGE = "!\"#$%&'()*+,/:;<=>?@[\\]^{|}~«»“”„‹›¿¡·•…"


def normalize(name: str) -> str:
    """The gazetteer key of ``name``: NFKD without diacritics, casefolded, ``’``→``'``,
    hyphens and whitespace runs → one space, ``.`` removed, surrounding punctuation stripped."""
    text = name.casefold()
    if not text.isascii():
        # Twice: casefold can yield combining marks ("İ" → "i̇") and NFKD new capitals ("𝚨" → "Α").
        text = _strip_marks(_strip_marks(text).casefold())
    text = text.translate(_FOLD)
    text = _SPACES.sub(" ", text).strip()
    return text.strip(_EDGE + " ")


def _strip_marks(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def is_useful_key(key: str) -> bool:
    """Keys that can never be a place mention worth a row: 1 character, or only digits/punctuation."""
    if len(key) < 2:
        return False
    return any(ch.isalpha() for ch in key)


def is_latin(name: str) -> bool:
    """True when every letter of ``name`` is in the Latin script (the articles are English)."""
    for ch in name:
        if ch.isalpha() and ord(ch) > 0x24F and not unicodedata.name(ch, "").startswith("LATIN"):
            return False
    return True


def is_good_alternate(name: str, primary: str) -> bool:
    """Latin-script alternates and Cyrillic ones (Ukrainian and Russian articles: ``Київ``,
    ``Киев``), minus airport/station codes ("KBP", "LAX") and links."""
    if not (is_latin(name) or is_cyrillic(name)) or "http" in name or "/" in name:
        return False
    return not (len(name) <= 4 and name.isupper() and name != primary)


def is_cyrillic(name: str) -> bool:
    """True when ``name`` has letters and every one is Cyrillic (Ukrainian, Russian ... names)."""
    letters = [ch for ch in name if ch.isalpha()]
    return bool(letters) and all("\u0400" <= ch <= "\u04ff" or "\u0500" <= ch <= "\u052f" for ch in letters)
