"""Place spans in Ukrainian and Russian text: inflected names, exact offsets, not-places.

The text is never rewritten: a span is ``(start, end)`` into the text as given and covers the
name as the article writes it (``Херсоні`` in "У Херсоні", ``Азовском море`` in "в Азовском
море", ``Херсонській області``).

1. *Tokens*: every word (letters, with an inner apostrophe ``'``/``’``/``ʼ`` as in ``Словʼянськ``).
   Capitalised Cyrillic words are name words; in Ukrainian and Russian only proper names are
   capitalised inside a sentence (adjectives of places are not: "херсонські волонтери").
2. *Runs*: name words joined by a space, a hyphen or ``-на-`` (``Ростов-на-Дону``), plus one
   lowercase head noun right after them (``море``, ``область``, ``водосховище``).
3. *Forms*: each word is looked up as written and as each of its lemmas (pymorphy3, in the
   article's language); a name of several words by the combinations of its words' forms, which
   the index stores for every Cyrillic name of several words (``чорнии море``). The longest run
   of words with a known key wins; the candidates of all its keys are pooled.
4. *Not places* (decided by the words around the match, never by the article's topic):
   a short quoted name (``«Укрзалізниця»``, ``«Голос Америки»``, the cruiser ``«Москва»``), an
   organisation, media, ship or street word before it (``газета``, ``ФК``, ``вулиця``), a
   person (a title before it, ``президент``; a first name or initial before it; a surname or
   patronymic after a first name that is also a place, ``Софія Андрухович``; a word the
   dictionary knows only as a person's name), a longer proper name it is part of (an unknown
   capitalised word before it), and a capitalised sentence start that is a common word or a small
   place the article does not name again (``Мир``, ``Слава``, ``Щастя``).
5. *Kind words*: ``місто``/``город`` before a name keeps its towns, ``річка``/``река`` its rivers.

The result is :class:`geomap.extract.Span` objects for the same resolver as English text.
"""
from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING

from geomap.extract import Span
from geomap.gazetteer.features import COUNTRY_FEATURES, WATER_FEATURES
from geomap.lang import morph

if TYPE_CHECKING:
    from geomap.extract import Extractor

_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)*")
_CAPITAL = re.compile(r"[А-ЯЁІЇЄҐЎ]")
_HYPHEN_JOINS = frozenset({"-", "‐", "‑"})
_HYPHEN_WORDS = frozenset({"на", "над", "под", "під"})       # Ростов-на-Дону, Новгород-Сіверський
_SENTENCE_END = ".!?…\n"
_OPENERS = " \t\r\"'«»“”„‘’([—–-*#>•"
MAX_WORDS = 5                 # words in a name (connectors and the head noun included)
MAX_KEYS = 24                 # key combinations tried per word sequence
STRONG_POPULATION = 20_000    # a sentence-start name this big is meant even when said once
_MAJOR = frozenset("PCLI PCLD PCLF PCLS PCLIX PCL TERR ADM1 CONT RGN SEA OCN GULF STM PEN RSV STRT".split())
_NATURAL = _MAJOR | WATER_FEATURES | frozenset("MTS ISL ISLS SPIT".split())

# Lowercase head nouns that end a name of several words, by lemma (uk and ru): "Чорне море",
# "Херсонській області", "Калужской и Тульской областями".
HEADS = frozenset("""море озеро затока протока область край водосховище півострів острів республіка
коса залив пролив водохранилище полуостров остров республика""".split())
_CONJUNCTIONS = frozenset({" и ", " і ", " та ", " й ", ", "})


# Words before a name that make it a person's (closed class, uk and ru, lowercase).
TITLES = frozenset("""президент президента президентові президенту президентом прем'єр прем’єр
премьер міністр міністра міністром министр министра министром генерал генерала генералом
полковник полковника майор майора пан пана пані панові господин господина госпожа мер мера
мером губернатор губернатора губернатором посол посла речник речника речниця спікер спикер
депутат депутата депутатка журналіст журналістка журналист журналистка командувач командир
командира командующий голова глава главы голови очільник очільника керівник керівника
патріарх патриарх митрополит канцлер канцлера король короля королева принц сенатор сенатора
лідер лидер лідера лидера директор директора радник радника советник советника
письменник письменника писатель поет поэт художник актор актор актриса співак співачка
певец певица тренер тренера футболіст футболист сержант лейтенант капітан капитан""".split())

# Words before a name that make it an organisation's, a newspaper's, a ship's or a street's.
NAMED_THINGS = frozenset("""газета газети газеті газету газеты газете видання издание журнал
журналу журнала телеканал телеканалу телеканала канал каналу радіо радио агентство агентства
агенція агентстві компанія компанії компанию компания компании концерн концерну завод заводу
заводі завода заводе комбінат комбината фабрика фабрики банк банку банка фонд фонду фонда
клуб клубу клуба команда команди команды фк футбольний футбольный крейсер крейсера крейсері
крейсере корабель корабля кораблі корабле судно судна судні судне фрегат фрегата ракетоносець
готель готелю гостиница ресторан кафе театр театру театра стадіон стадіону стадион стадиона
вулиця вулиці вулицю вул улица улицы улице улицу ул проспект проспекту проспекті проспекта
проспекте просп провулок провулку переулок переулка пер бульвар бульвару бульварі бульваре
площа площі площу площадь площади пл набережна набережной шосе шоссе операція операции""".split())

# Prepositions of place: a surname-like word after them is a place ("у Рені", "в Кобрині").
LOCATIVE = frozenset("в у во на під под біля возле около поблизу неподалік навпроти напротив".split())

# Capitalised first words of media and club names that go on with a place: "Эхо Москвы",
# "Голос Америки", "Динамо Київ" (at a sentence start too).
NAME_HEADS = frozenset("""эхо голос радио радіо вести вісті новости новини известия динамо""".split())

# Words before a name that say which kind of place it is.
TOWN_WORDS = frozenset("""місто міста місті містом місту м город города городе городом городу г
селище селища селищі село села селі селом смт поселок поселка поселке посёлок посёлка посёлке
деревня деревни деревне""".split())
WATER_WORDS = frozenset("""річка річки річці річкою річку ріка ріки ріці рікою река реки реке
рекой реку р берег берега березі берегу берегом береги берегах""".split())


class _Word:
    __slots__ = ("start", "end", "text", "cap", "upper", "sentence_start", "head", "forms", "shared")

    def __init__(self, start: int, end: int, text: str, sentence_start: bool):
        self.start, self.end, self.text = start, end, text
        self.cap = bool(_CAPITAL.match(text))
        self.upper = self.cap and len(text) > 1 and text.isupper()
        self.sentence_start = sentence_start
        self.head = False
        self.shared = False             # a head noun borrowed from the next name ("Калужской и Тульской областями")
        self.forms: tuple[str, ...] = ()


class CyrillicExtractor:
    """Finds place spans in Ukrainian or Russian text; shares the English extractor's memoised
    gazetteer lookups, pins and ignored names (``extractor``)."""

    def __init__(self, extractor: "Extractor"):
        self.base = extractor
        self.normalize = extractor.normalize
        self._keys: dict[str, str] = {}

    def spans(self, text: str, lang: str) -> list[Span]:
        """Non-overlapping place spans of ``text`` (language ``uk`` or ``ru``), sorted by start."""
        words = _words(text)
        groups = _runs(text, words, lang)
        if not groups:
            return []
        keyed = []
        for run in groups:
            for w in run:
                if not w.forms:
                    w.forms = morph.word_forms(w.text, lang) if not w.upper else (w.text.lower(),)
            keyed.append(self._sequences(run))
        found = self.base._lookup({k for seqs in keyed for keys in seqs.values() for k in keys})
        quotes = _quoted_names(text)
        lowercase = _Lowercase(text)
        mid_keys = set()                         # keys also written inside a sentence
        matches = []
        for run, seqs in zip(groups, keyed):
            for i, j, key, cands in _longest(run, seqs, found):
                matches.append((run, i, j, key, cands))
                if not run[i].sentence_start:
                    mid_keys.add(key)
        persons: set[str] = set()
        out: list[Span] = []
        header = _DATE_LINE.match(text)
        for run, i, j, key, cands in matches:
            if header and run[i].start < header.end():
                continue                          # the section label of a "date YYYY-MM-DD Section" line
            matched = {k for r, a, b, _, _ in matches if r is run for k in range(a, b)}
            span = self._judge(text, lang, run, i, j, key, cands, quotes, mid_keys, persons, lowercase, matched)
            if span is not None and not (out and span.start < out[-1].end):
                out.append(span)
        return [s for s in out if not (s.key in persons and not _strong(s.candidates, 100_000)
                                        and s.key not in self.base.pinned)]

    # -- keys -------------------------------------------------------------------------------------
    def _key(self, name: str) -> str:
        key = self._keys.get(name)
        if key is None:
            if len(self._keys) > 200_000:
                self._keys.clear()
            key = self._keys[name] = self.normalize(name)
        return key

    def _sequences(self, run: list[_Word]) -> dict[tuple[int, int], list[str]]:
        """For every word sequence of the run that may be a name (starts with a capitalised word,
        at most ``MAX_WORDS``), its candidate keys, the words as written first."""
        out = {}
        for i, first in enumerate(run):
            if not first.cap or first.head:
                continue
            for j in range(min(len(run), i + MAX_WORDS), i, -1):
                combos = itertools.islice(itertools.product(*(w.forms for w in run[i:j])), MAX_KEYS)
                out[i, j] = list(dict.fromkeys(self._key(" ".join(c)) for c in combos))
        return out

    # -- filters ----------------------------------------------------------------------------------
    def _judge(self, text, lang, run, i, j, key, cands, quotes, mid_keys, persons, lowercase, matched) -> Span | None:
        first, last = run[i], run[j - 1]
        start, end = first.start, last.end      # (a shared head ends where its adjective does)
        pinned = key in self.base.pinned
        single = j - i == 1
        before = _word_before(text, start)
        if not pinned:
            if any(a <= start and end <= b for a, b in quotes):
                return None                       # «Укрзалізниця», «Голос Америки», крейсер «Москва»
            if before in NAMED_THINGS:
                return None                       # газета "...", вулиця Київська, ФК Дніпро
            if before in TITLES and morph.may_be_person(first.text, lang):
                persons.add(self._key(last.text))
                return None                       # президент Зеленський (not "голови Мелітополя")
            prev = run[i - 1] if i > 0 else None
            if prev is not None and prev.text.lower() in NAME_HEADS:
                return None                       # "Эхо Москвы", "Голос Америки", "Динамо Київ"
            if prev is not None and prev.cap and not prev.head:
                if _initial(text, prev) or morph.is_first_name(prev.text, lang) and not (
                        _major(cands) and not morph.may_be_surname(first.text, lang)):
                    persons.add(self._key(last.text))
                    for form in last.forms:
                        persons.add(self._key(form))
                    return None                   # Володимир Зеленський, Богдана Хмельницького
                #                                   (not "Слава Україні": a country after a name)
                if (i - 1) not in matched and not prev.sentence_start and not _major(cands):
                    return None                   # half of a longer name: "Вечерняя Москва"
            nxt = run[j] if j < len(run) else None
            if single and nxt is not None and nxt.cap and not nxt.head and j not in matched \
                    and morph.may_be_surname(nxt.text, lang):
                persons.add(self._key(nxt.text))
                return None                       # Софія Андрухович, Володимир Зеленський: a person
            if single and morph.is_person_word(first.text, lang) and not _strong(cands, 100_000) \
                    and before not in LOCATIVE:
                return None                       # a surname that is also a village's name (not "у Рені")
            if first.upper and len(first.text) <= 3 and not any(
                    c.name_kind == "abbr" or c.feature in COUNTRY_FEATURES for c in cands):
                return None                       # acronyms: "ЗСУ", "ООН" (not "США")
            as_written = key == self._key(first.text)
            if single and (_lowercase_after(text, last.end) or j < len(run)) and (
                    morph.is_adjective(first.text, lang) and not _strong(cands, 100_000) if as_written
                    else not any(self._key(n) == key for n in morph.noun_lemmas(first.text, lang))):
                return None                       # an adjective before its noun: "Черноморского флота",
                #                                   "Восточной Сибирью" (a town named "Vostochnyy")
            if single and first.sentence_start and not _sentence_start_place(first, key, cands, lang,
                                                                             mid_keys, lowercase):
                return None
        cands = _without_small_namesakes(_kind_words(before, cands))
        reasons = [f"Cyrillic name ({lang})"] + ([f"'{before}' before it"] if before in TOWN_WORDS | WATER_WORDS else [])
        return Span(start, end, text[start:end], key, cands, reasons=reasons)


def _sentence_start_place(word: _Word, key: str, cands: list, lang: str, mid_keys: set, lowercase) -> bool:
    """A capitalised sentence start is a place only when the article writes the word nowhere
    in lowercase and the name is big (or a major feature), or comes back inside a sentence."""
    if word.text.lower() in lowercase.words or morph.is_function_word(word.text, lang):
        return False                              # "Мир ..." and "мир" elsewhere; "Того ж дня"
    return key in mid_keys or _strong(cands, STRONG_POPULATION)


class _Lowercase:
    """The lowercase words of a text, collected on first use (few articles need them)."""

    def __init__(self, text: str):
        self.text = text
        self._words: frozenset[str] | None = None

    @property
    def words(self) -> frozenset[str]:
        if self._words is None:
            self._words = frozenset(m.group() for m in _WORD.finditer(self.text) if m.group().islower())
        return self._words


def _words(text: str) -> list[_Word]:
    out: list[_Word] = []
    for m in _WORD.finditer(text):
        start = m.start()
        out.append(_Word(start, m.end(), m.group(), _starts_sentence(text, start, out)))
    return out


def _starts_sentence(text: str, start: int, previous: list[_Word]) -> bool:
    i = start - 1
    while i >= 0 and text[i] in _OPENERS:
        i -= 1
    if i < 0 or text[i] == "\n":
        return True
    if text[i] not in _SENTENCE_END:
        return False
    if text[i] == "." and previous and previous[-1].end == i and (_initial(text, previous[-1])
                                                                  or previous[-1].text.lower() in _ABBREVIATIONS):
        return False                              # "В. Зеленський", "м. Херсон"
    return True


_DATE_LINE = re.compile(r"[ \t]*date[ \t]+\d{4}-\d{2}-\d{2}[^\n]*", re.I)
_ABBREVIATIONS = frozenset("м г р вул ул просп пл обл с смт пос".split())


def _initial(text: str, word: _Word) -> bool:
    """A one-letter capital followed by a dot: an initial (``В. Кличко``)."""
    return len(word.text) == 1 and word.cap and text[word.end:word.end + 1] == "."


def _is_head(word: _Word, lang: str) -> bool:
    return word.text.islower() and any(l in HEADS for l in morph.lemmas(word.text, lang))


def _runs(text: str, words: list[_Word], lang: str) -> list[list[_Word]]:
    """Capitalised words joined by a space, a hyphen or ``-на-``, plus one lowercase head noun;
    an adjective coordinated with a name that has one borrows it ("Калужской и Тульской
    областями": "Калужской" is looked up as "калужская область")."""
    out: list[list[_Word]] = []
    current: list[_Word] = []
    k = 0
    while k < len(words):
        w = words[k]
        if w.cap and not _initial(text, w) and len(w.text) > 1 \
                and not (w.sentence_start and morph.is_function_word(w.text, lang)) \
                and not morph.is_preposition(w.text, lang):
            if current and not _joined(text, current[-1], w):
                out.append(current)
                current = []
            current.append(w)
        elif current and w.text in _HYPHEN_WORDS and text[current[-1].end:w.start] in _HYPHEN_JOINS \
                and k + 1 < len(words) and words[k + 1].cap and text[w.end:words[k + 1].start] in _HYPHEN_JOINS:
            w.forms = (w.text,)
            current.append(w)                     # Ростов-на-Дону
        else:
            if current and text[current[-1].end:w.start] == " " and current[-1].cap and _is_head(w, lang):
                w.head = True
                current.append(w)                 # Чорне море, Херсонська область
            if current:
                out.append(current)
                current = []
        k += 1
    if current:
        out.append(current)
    out = [run for run in out if any(w.cap for w in run) and any(_is_cyrillic_word(w) for w in run)]
    for a, b in zip(out, out[1:]):
        if len(a) == 1 and len(b) == 2 and b[1].head and text[a[0].end:b[0].start] in _CONJUNCTIONS:
            shared = _Word(a[0].end, a[0].end, b[1].text, False)
            shared.head = shared.shared = True
            a.append(shared)
    return out


def _joined(text: str, a: _Word, b: _Word) -> bool:
    gap = text[a.end:b.start]
    return gap == " " or gap in _HYPHEN_JOINS


def _is_cyrillic_word(w: _Word) -> bool:
    return "\u0400" <= w.text[0] <= "\u04ff"


def _longest(run: list[_Word], seqs: dict, found: dict):
    """Left to right, the longest word sequence with a known key: ``(i, j, key, candidates)``,
    the candidates of all its keys pooled (a word and its lemmas may name different places)."""
    i = 0
    while i < len(run):
        for j in range(min(len(run), i + MAX_WORDS), i, -1):
            keys = [k for k in seqs.get((i, j), ()) if k in found]
            if keys:
                yield i, j, keys[0], _pool(keys, found)
                i = j
                break
        else:
            i += 1


def _pool(keys: list[str], found: dict) -> list:
    if len(keys) == 1:
        return found[keys[0]]
    seen, out = set(), []
    for k in keys:
        for c in found[k]:
            if c.place.id not in seen:
                seen.add(c.place.id)
                out.append(c)
    out.sort(key=lambda c: -c.population)
    return out


def _quoted_names(text: str) -> list[tuple[int, int]]:
    """Short quoted phrases (at most four words, no sentence inside): names of organisations,
    media, ships, operations. Longer quotes are speech and are read as text."""
    return [(m.start(), m.end()) for m in _QUOTED.finditer(text) if len(m.group(1).split()) <= 4]


_QUOTED = re.compile(r"[«„“\"]([^«»„“”\"\n.!?]{1,60})[»“”\"]")


def _word_before(text: str, start: int) -> str:
    """The word right before ``start`` (lowercase), across one space and an optional opening
    quote ("газета «...»"), or an abbreviation with its dot ("вул. Хрещатик"), else ''."""
    i = start - 1
    while i >= 0 and text[i] in "«„“\"'":
        i -= 1
    if i < 0 or text[i] != " ":
        return ""
    i -= 1
    dot = i >= 0 and text[i] == "."
    if dot:
        i -= 1
    k = i
    while k >= 0 and (text[k].isalpha() or text[k] in "'’ʼ"):
        k -= 1
    word = text[k + 1:i + 1].lower()
    return word if not dot or word in _ABBREVIATIONS else ""


def _strong(cands: list, population: int) -> bool:
    return any(c.population >= population or c.feature in _MAJOR for c in cands)


def _major(cands: list) -> bool:
    return any(c.feature in _MAJOR for c in cands)


def _lowercase_after(text: str, end: int) -> bool:
    """A lowercase word follows right after ``end`` (one space between)."""
    return text[end:end + 1] == " " and text[end + 1:end + 2].islower()


def _without_small_namesakes(cands: list) -> list:
    """A sea, river, region or country keeps its name from villages named after it: "Крим",
    "Дон" are not hamlets of Rostov Oblast (towns of 50,000 or more stay in the running)."""
    if not any(c.feature in _NATURAL for c in cands):
        return cands
    return [c for c in cands if not (c.feature.startswith("PPL") and c.population < 50_000)]


def _kind_words(before: str, cands: list) -> list:
    """``місто Херсон`` keeps the towns, ``річка Дніпро`` the rivers (when there are any)."""
    if before in TOWN_WORDS:
        kept = [c for c in cands if c.feature.startswith("PPL")]
    elif before in WATER_WORDS:
        kept = [c for c in cands if c.feature in WATER_FEATURES]
    else:
        return cands
    return kept or cands
