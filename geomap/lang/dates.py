"""Ukrainian and Russian dates for the article layout parser (``geomap.articles``).

``18 квітня 2023``, ``18 апреля 2023, 13:31``, ``1 березень 2024`` (month names in the genitive,
as dates are written, or in the nominative); the lines that carry them start with
``Опубліковано``/``Оновлено`` (uk) or ``Опубликовано``/``Обновлено`` (ru), and bylines with
``Автор:``. Closed word classes written by the team.
"""
from __future__ import annotations

import re

MONTHS = {m: i for i, names in enumerate((
    ("січня", "січень", "января", "январь", "янв"),
    ("лютого", "лютий", "февраля", "февраль", "фев"),
    ("березня", "березень", "марта", "март", "мар"),
    ("квітня", "квітень", "апреля", "апрель", "апр"),
    ("травня", "травень", "мая", "май"),
    ("червня", "червень", "июня", "июнь", "июн"),
    ("липня", "липень", "июля", "июль", "июл"),
    ("серпня", "серпень", "августа", "август", "авг"),
    ("вересня", "вересень", "сентября", "сентябрь", "сен", "сент"),
    ("жовтня", "жовтень", "октября", "октябрь", "окт"),
    ("листопада", "листопад", "ноября", "ноябрь", "ноя"),
    ("грудня", "грудень", "декабря", "декабрь", "дек"),
), start=1) for m in names}
# The words that open a "published" line, and a byline ("Автор: Мар'яна Гнатів").
PUBLISHED_WORDS = "Опубліковано|Оновлено|Опубликовано|Обновлено"
BYLINE_WORDS = "Автор:|Автор|Авторка:"
_DAY_MONTH_YEAR = re.compile(r"(?<!\d)(\d{1,2})\s+([а-яёіїєґА-ЯЁІЇЄҐ]+)\.?,?\s+(\d{4})(?!\d)")


def day_month_year(value: str) -> tuple[int, int, int] | None:
    """``(year, month, day)`` of the first Ukrainian or Russian date in ``value``, else None
    (the caller checks that the day exists)."""
    for m in _DAY_MONTH_YEAR.finditer(value):
        month = MONTHS.get(m.group(2).lower())
        if month:
            return int(m.group(3)), month, int(m.group(1))
    return None
