"""Ukrainian and Russian articles: Cyrillic names, inflection with exact offsets, not-places,
language detection and dates (the team's own sentences, on the reduced test gazetteer)."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from geomap.articles import parse_date, parse_text
from geomap.config import ParseConfig, Pin
from geomap.gazetteer import normalize
from geomap.lang import language_spans
from geomap.lang.detect import detect_language
from geomap.resolve import Geoparser


def found(gp: Geoparser, text: str) -> list[tuple[str, str | None]]:
    """(text as written, place name) per mention; every offset checked against the text."""
    out = []
    for m in gp.parse(text):
        assert text[m.start:m.end] == m.text
        out.append((m.text, m.place.name if m.place else None))
    return out


# -- the index -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, place", [
    ("Київ", "Kyiv"), ("Киев", "Kyiv"), ("Херсон", "Kherson"), ("Бахмут", "Bakhmut"), ("Москва", "Moscow"),
    ("Чорне море", "Black Sea"), ("Черное море", "Black Sea"), ("Херсонська область", "Kherson Oblast"),
    ("Донецкая область", "Donetsk Oblast"), ("Донеччина", "Donetsk Oblast"), ("Росія", "Russia"),
    ("Україна", "Ukraine"), ("США", "United States"),
])
def test_cyrillic_names_are_indexed(gaz, name, place):
    key = normalize(name)
    assert place in [c.place.name for c in gaz.lookup([key]).get(key, [])]


def test_multi_word_names_also_have_their_lemma_key(gaz):
    # "Азовское море" stored as "азовский море" too: "в Азовском море" reaches it via lemmas
    key = normalize("азовский море")
    assert [c.place.name for c in gaz.lookup([key])[key]] == ["Sea of Azov"]


def test_normalize_folds_short_i_and_yi_alike_for_index_and_query():
    assert normalize("Київ") == normalize("КИЇВ") == "киів"
    assert normalize("Словʼянськ") == normalize("Слов’янськ") == normalize("Слов'янськ")


# -- inflection and offsets -----------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("У Херсоні знову пролунали вибухи.", [("Херсоні", "Kherson")]),
    ("Потяг вирушив до Києва з Харкова.", [("Києва", "Kyiv"), ("Харкова", "Kharkiv")]),
    ("В Белгороде снова прогремели взрывы.", [("Белгороде", "Belgorod")]),
    ("В Азовском море задержали судно.", [("Азовском море", "Sea of Azov")]),
    ("На Донеччині тривають бої.", [("Донеччині", "Donetsk Oblast")]),
    ("Кораблі стоять у Чорному морі.", [("Чорному морі", "Black Sea")]),
    ("Обстріли в Херсонській області тривають.", [("Херсонській області", "Kherson Oblast")]),
    ("Донецкая область под обстрелом, сообщили власти.", [("Донецкая область", "Donetsk Oblast")]),
    ("Він народився в Кривому Розі.", [("Кривому Розі", "Kryvyy Rih")]),
])
def test_inflected_names_resolve_with_exact_offsets(gp, text, expected):
    assert found(gp, text) == expected


def test_transliterations_meet_in_one_place(gp):
    ids = {m.place.id for t in ("Kyiv was quiet.", "In Kiev it rained.", "У Києві тихо.", "В Киеве тихо.")
           for m in gp.parse(t)}
    assert len(ids) == 1


def test_coordinated_adjectives_share_their_head_noun(gp):
    text = "Дроны сбили над Калужской и Тульской областями."
    names = found(gp, text)
    assert ("Тульской областями", "Tula Oblast") in names
    assert ("Калужской", "Kaluga Oblast") in names


def test_a_river_word_or_a_bank_before_a_name_means_the_water(gp):
    assert found(gp, "Окупанти обстріляли місто з лівого берега Дніпра.") == [("Дніпра", "Dnipro River")]


def test_a_town_word_before_a_name_means_the_town(gp):
    assert found(gp, "Вибухи пролунали у місті Дніпрі вночі.") == [("Дніпрі", "Dnipro")]


# -- not places -------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Президент Володимир Зеленський провів нараду.",
    "Софія Андрухович прочитала лекцію.",               # a first name, not Sofia
    "Про це написала газета «Вечерняя Москва».",         # a newspaper in quotes
    "Крейсер «Москва» затонув у квітні.",                 # a ship
    "Укрзалізниця призначила додаткові потяги.",
    "Штаб Черноморского флота получил повреждения.",      # an adjective, not Chornomorske
    "Мир настав не скоро, і мир цей крихкий.",           # a sentence start that is a common word
    "Того ж дня нічого не сталося.",                      # a pronoun, not Togo
    "Вона розрахована на дев'ятсот учнів.",
    "Эхо Москвы сообщило о задержаниях.",                 # a radio station at a sentence start
    "Динамо Київ обіграло суперника.",                    # a club
    "Андрій Київ отримав нагороду.",                      # a surname after a first name
])
def test_persons_organisations_and_sentence_starts_are_not_places(gp, text):
    assert found(gp, text) == []


def test_a_surname_seen_after_a_first_name_is_not_a_place_alone(gp):
    text = "Губернатор Віталій Кім заявив про обстріл. Кім також повідомив про Миколаїв."
    assert [n for _, n in found(gp, text)] == ["Mykolayiv"]


def test_a_big_place_opening_a_sentence_is_kept(gp):
    assert found(gp, "Херсон знову під обстрілом.") == [("Херсон", "Kherson")]


def test_a_title_before_a_genitive_place_keeps_the_place(gp):
    assert ("Мелітополя", "Melitopol") in found(gp, "За словами мера Мелітополя Івана Федорова, місто тримається.")


def test_pins_and_ignore_work_for_cyrillic_names(gaz):
    settings = ParseConfig(ignore=("Херсон",), pins=(Pin(name="Бахмут", lat=48.6, lon=38.0),))
    names = [(m.text, m.place and m.place.lat) for m in Geoparser(gaz, settings).parse(
        "У Херсоні і Бахмуті тихо. Херсон чекає.")]
    assert names == [("Бахмуті", 48.6)]


# -- language and dates ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, lang", [
    ("У Херсоні знову пролунали вибухи, повідомила обласна адміністрація.", "uk"),
    ("В Белгороде снова прогремели взрывы, сообщил губернатор.", "ru"),
    ("Kyiv was shelled again, officials said.", "en"),
    ("Officials in Kyiv (Київ) said the city was shelled overnight by drones.", "en"),
])
def test_language_per_article(text, lang):
    assert detect_language(text) == lang


def test_a_mixed_inbox_is_parsed_by_each_articles_rules(gp):
    # the same Geoparser, one article after the other: English rules stay English
    assert found(gp, "Officials in Kherson said the city was shelled.") == [("Kherson", "Kherson")]
    assert found(gp, "У Херсоні знову вибухи.") == [("Херсоні", "Kherson")]
    assert found(gp, "Paris Hilton visited Kyiv.") == [("Kyiv", "Kyiv")]


@pytest.mark.parametrize("value, iso", [
    ("18 квітня 2023", "2023-04-18"), ("18 апреля 2023, 13:31", "2023-04-18"),
    ("1 березня 2024", "2024-03-01"), ("5 мая 2022", "2022-05-05"), ("31 лютого 2023", None),
    ("18 квітнякв 2023", None),
])
def test_ukrainian_and_russian_dates(value, iso):
    assert parse_date(value) == iso


@pytest.mark.parametrize("published, iso", [
    ("Опубліковано 9 березня 2022, 18:45", "2022-03-09"), ("Опубликовано 18 апреля 2023, 13:31", "2023-04-18"),
    ("Оновлено: 2 травня 2023", "2023-05-02"),
])
def test_published_lines_are_read_by_the_layout_parser(published, iso):
    text = f"Заголовок статті\n\nАвтор: Мар'яна Гнатів\n{published}\n\nУ Херсоні тихо.\n"
    article = parse_text(text, source="a.txt", article_id="a", sha256="0")
    assert article.published == iso
    assert article.byline == "Мар'яна Гнатів"
    assert article.title == "Заголовок статті"


def test_every_row_of_the_cyrillic_table_names_a_known_target():
    # the builder skips targets a reduced index lacks, so a typo must be caught here
    from geomap.gazetteer.inputs import read_tsv

    countries = {r["target"] for r in read_tsv("names.tsv") if len(r["target"]) == 2} | {"RU", "UA", "US", "GB"}
    areas = {f'{r["country"]}/{r["name"]}' for r in read_tsv("admin1.tsv")}
    slugs = {f'geomap:{r["slug"]}' for r in read_tsv("places.tsv")}
    for row in read_tsv("cyrillic.tsv"):
        target = row["target"]
        assert (len(target) == 2 and target.isupper()) or target.startswith(("CONT-", "city:")) \
            or target in areas or target in slugs, row
        assert row["name_kind"] in ("alt", "abbr"), row
    assert countries


@pytest.mark.parametrize("text, expected", [
    ("Експерти називають Лиман наступною ціллю.", [("Лиман", "Lyman")]),       # also a surname and a noun
    ("Родичі живуть у Пінську та Кобрині.", [("Пінську", "Pinsk"), ("Кобрині", "Kobryn")]),  # a locative
    ("Миколаїв уперше отримав питну воду.", [("Миколаїв", "Mykolayiv")]),     # read first as an adjective
    ("Слава Україні, сказав він.", [("Україні", "Ukraine")]),                  # a name before a country
    ("ЧЕРНІВЦІ — Між Чернівцями та Сучавою ходить потяг.",
     [("ЧЕРНІВЦІ", "Chernivtsi"), ("Чернівцями", "Chernivtsi"), ("Сучавою", "Suceava")]),
])
def test_places_that_look_like_persons_adjectives_or_follow_a_capitalised_word(gp, text, expected):
    assert found(gp, text) == expected


_ALPHABET = "АБВГДЕЄЖЗИІЇЙКЛМНОПРСТУФХЦЧШЩЮЯЁЫЭабвгдеєжзиіїйклмнопрстуфхцчшщьюяёыэъʼ'’-—«»\". ,\n"
_WORDS = ["Херсон", "Херсоні", "Києва", "Чорне", "море", "області", "Херсонській", "у", "в", "Ростов", "на",
          "Дону", "«Москва»", "В.", "Кличко", "Софія", "—", "і", "та", "Калужской", "областями", "date"]


@given(st.lists(st.one_of(st.sampled_from(_WORDS), st.text(_ALPHABET, max_size=12)), max_size=40))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_cyrillic_spans_are_exact_sorted_and_disjoint_on_any_text(gp, parts):
    text = " ".join(parts)
    spans = language_spans(gp.extractor, text)
    for s in spans:
        assert text[s.start:s.end] == s.text and s.start < s.end
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))
    for m in gp.parse(text):
        assert text[m.start:m.end] == m.text
