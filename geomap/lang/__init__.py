"""Languages other than English: Ukrainian and Russian articles (Cyrillic script).

- :mod:`geomap.lang.detect`: the language of an article (``en``, ``uk``, ``ru``), per article, so
  a mixed inbox works;
- :mod:`geomap.lang.morph`: lemmas and name tags from pymorphy3's Ukrainian and Russian
  dictionaries (registry packages, offline), memoised per word;
- :mod:`geomap.lang.cyrillic`: the extractor for Cyrillic text (inflected names with exact
  offsets, persons, organisations and titles that are not places);
- :mod:`geomap.lang.dates`: Ukrainian and Russian dates and "Опубліковано"/"Опубликовано" lines.

English text never reaches these modules: the English extractor and resolver rules are unchanged.
"""
from __future__ import annotations

import weakref

_CYRILLIC = weakref.WeakKeyDictionary()     # English extractor → its Cyrillic companion


def language_spans(extractor, text: str):
    """The place spans of ``text`` by the rules of its language: the English extractor's for
    Latin-script text (a compact :class:`geomap.spanlist.SpanList`), :class:`geomap.lang.cyrillic.CyrillicExtractor` for Ukrainian and Russian
    (made once per extractor, sharing its memoised lookups)."""
    from geomap.lang.detect import detect_language

    lang = detect_language(text)
    if lang == "en":
        return extractor.span_list(text)
    cyrillic = _CYRILLIC.get(extractor)
    if cyrillic is None:
        from geomap.lang.cyrillic import CyrillicExtractor

        cyrillic = _CYRILLIC[extractor] = CyrillicExtractor(extractor)
    return cyrillic.spans(text, lang)
