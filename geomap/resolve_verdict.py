"""The resolver's verdicts and explanations (:mod:`geomap.resolve`): the rules that drop a one-word
name instead of placing it, the chosen candidate's confidence, and the ``--explain`` text."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from geomap.extract import Span
    from geomap.gazetteer import Candidate
    from geomap.resolve_group import Group

SMALL_TOWN = 10_000          # a one-word name with only towns smaller than this needs support


def unsupported_hamlet(g: Group) -> bool:
    """A one-word name whose every candidate is a small town, with nothing in the article pointing
    to the chosen one (no neighbour, not in the article's area, no qualifier): in news such a word
    is far more often a surname or a brand ("Welch", "Ford", "Belk") than the hamlet."""
    if g.choice is None or g.fixed is not None or g.qualified or g.choice in g.support:
        return False
    if any(" " in s.text or s.dateline or s.admin_hint or s.place_like for s in g.spans.distinct()):
        return False                           # (place_like: "the village of X", "near X")
    return all(_weak(c) for c in g.candidates)


def stray_town(g: Group) -> bool:
    """A one-word name resolved to a mid-sized town in a country the article never names, with no
    neighbour either ("Obama" in an article about Egypt, "Toyota Corolla" in Texas): such a word
    is a surname or a brand. Capitals and big cities stay."""
    if g.choice is None or g.fixed is not None or g.qualified or g.choice in g.support \
            or g.choice in g.country_support or not g.context:
        return False
    if any(" " in s.text or s.dateline or s.admin_hint for s in g.spans.distinct()):
        return False
    c = g.candidates[g.choice]
    return c.feature.startswith("PPL") and c.feature != "PPLC" and c.population < 100_000


def _weak(c: "Candidate") -> bool:
    """A small town, or a county named without its 'County' (``Licking``, ``McDonald``)."""
    if c.feature.startswith("PPL"):
        return c.population < SMALL_TOWN
    return c.feature == "ADM2" and c.name_kind == "alt" and c.population < 20 * SMALL_TOWN


def chosen_confidence(g: Group) -> tuple[float, int | None]:
    """Softmax share of the chosen candidate, and the runner-up's index."""
    order = sorted(range(len(g.candidates)), key=g.scores.__getitem__, reverse=True)
    runner = next((k for k in order if k != g.choice), None)
    if g.fixed is not None:
        return 0.95, runner
    top = g.scores[g.choice]
    z = sum(math.exp(min(50.0, s - top)) for s in g.scores)
    return round(1.0 / z, 3), runner


def excluded_best(g: Group, span: "Span") -> "Candidate | None":
    """For a qualified name, the likeliest place its qualifier ruled out ("Paris" in France)."""
    if not g.qualified:
        return None
    kept = {c.place.id for c in g.candidates}
    return next((c for c in span.candidates if c.place.id not in kept), None)


def _label(name) -> str:
    """An evidence term's label, built only for --explain: a string, or a format and its values
    (a tuple value is a list of names)."""
    if isinstance(name, str):
        return name
    template, *values = name
    return template.format(*(", ".join(sorted(set(v))[:3]) if isinstance(v, tuple) else v for v in values))


def _describe(c: "Candidate") -> str:
    where = ", ".join(x for x in (c.place.admin1, c.place.country) if x)
    return f"{c.place.name} ({c.feature}{', ' + where if where else ''}, pop {c.population:,})"


def explanation(g: Group, runner: int | None, span: "Span") -> list[str]:
    c = g.choice
    lines = [f"chose {_describe(g.candidates[c])}, score {g.scores[c]:.2f}"
             + (" (fixed by a qualifier)" if g.fixed is not None else "")]
    lines += [f"  + {_label(name)}: {value:+.2f}" for name, value in g.reasons[c]]
    if runner is None and (other := excluded_best(g, span)) is not None:
        lines.append(f"runner-up {_describe(other)}, ruled out by the qualifier")
    if runner is not None:
        lines.append(f"runner-up {_describe(g.candidates[runner])}, score {g.scores[runner]:.2f}")
        mine = {_label(name): v for name, v in g.reasons[c]}
        theirs = {_label(name): v for name, v in g.reasons[runner]}
        diffs = sorted(((mine.get(k, 0.0) - theirs.get(k, 0.0), k) for k in set(mine) | set(theirs)),
                       reverse=True)
        why = [f"{k} ({d:+.2f})" for d, k in diffs if d > 0.05][:3]
        if why:
            lines.append("  won on: " + "; ".join(why))
    lines += list(span.reasons)
    return lines
