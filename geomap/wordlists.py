"""The closed word classes of the English extractor, in one place.

Team-written closed-class English words (not data about places): months, function words, titles,
institution, street, media and feature words, plus the GeoNames feature-code sets the filters read.
First names come from the US Census (``geomap/data/first_names.txt``) plus given names frequent in
world news (``first_names_world.txt``), loaded once on first use. :mod:`geomap.extract`,
:mod:`geomap.tokens`, :mod:`geomap.extract_rules` and :mod:`geomap.unplaced` read them from here.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path


DATA = Path(__file__).parent / "data"

# --- small word classes (team-written: closed-class English words, not data about places) --------

MONTHS = frozenset("""january february march april may june july august september october november
december jan feb mar apr jun jul aug sep sept oct nov dec""".split())
WEEKDAYS = frozenset("""monday tuesday wednesday thursday friday saturday sunday mon tue tues wed
thu thur thurs fri sat sun""".split())

# Function words and frequent sentence openers: capitalised only because a sentence starts there.
STOPWORDS = frozenset("""a an the this that these those there their they them then than thus here
he she it its his her we our you your i me my us in on at to of for from by with without within into
onto upon over under after before during since until while when where what which who whom whose why
how if but and or nor so yet as also although though because unless whether both either neither
each every all any some many most more much few several such no not only just even still again
about above across against along among around behind below beneath beside besides between beyond
near through throughout toward towards via per despite except inside outside like unlike
is are was were be been being am has have had do does did will would shall should can could may
might must let lets get got go going come according meanwhile however moreover furthermore
therefore instead otherwise indeed perhaps maybe yes today tonight tomorrow yesterday now later
earlier once twice first second third last next new old another other others one two three four
five six seven eight nine ten hundreds thousands dozens please thank thanks dear mr mrs ms
""".split())

# Words that, placed after a place name, make an organisation *of that place*: the place is kept
# (local news annotates "Gainesville Police", "Ohio State University").
INSTITUTION = frozenset("""police sheriff sheriff's department dept fire rescue ems city town village
county parish state states township district borough municipal metropolitan metro area region
regional community public national international federal central school schools high elementary
middle junior senior college university academy institute hospital medical clinic health center
centre library museum zoo park parks airport port harbor harbour station
bridge tunnel railway railroad rail transit airlines airline church cathedral
temple mosque synagogue diocese court courthouse jail prison detention correctional council board
commission commissioners committee assembly legislature parliament senate house government
administration authority agency office bureau ministry army navy guard forces force military
defense defence chamber commerce club league association society foundation fund union utilities
utility water power electric energy gas transportation housing development planning emergency
management services service bank trust credit market mall plaza square hall arena stadium
coliseum fairgrounds fair festival symphony orchestra theater theatre opera ballet tech technical
circuit superior supreme district's mayor council's democratic republican democrats republicans
party coroner attorney prosecutor's clerk treasurer assessor commissioner chief marshal
volunteer volunteers humane animal control convention visitors bureau chapter branch campus
county's city's state's area's cup open marathon juniors policemen officers firefighters residents
officials authorities voters students teachers workers leaders""".split())

# Street words: "Wichita Drive" is a street (reported as one, placed in the article's town), not Wichita.
STREET_WORDS = frozenset("""street st avenue ave road rd drive boulevard blvd lane parkway pkwy pike
highway hwy route""".split())

# Nouns that name an administrative unit when they follow a place name ("Kherson region").
ADMIN_WORDS = frozenset("""region oblast province county parish governorate district prefecture
state territory krai raion okrug canton department municipality borough township""".split())

# Generic words that make a capitalised "X Word" a place even when only X is in the gazetteer.
PLACE_SUFFIXES = frozenset("county parish township".split())

# Titles: what follows is a person ("Gov. Perry", "President Jordan", "Mr Putin").
TITLES = frozenset("""mr mrs ms miss mx dr prof sir dame lord lady madam gov governor sen senator
rep representative congressman congresswoman assemblyman assemblywoman councilman councilwoman
alderman del delegate president vice premier chancellor minister secretary ambassador envoy judge
justice magistrate sheriff deputy mayor chief officer trooper detective det sgt sergeant lt
lieutenant capt captain col colonel gen general maj major adm admiral cmdr commander cpl corporal
pvt private spc specialist pope cardinal bishop archbishop rev reverend father pastor rabbi imam
sheikh king queen prince princess emperor empress coach dean principal superintendent
commissioner speaker spokesman spokeswoman spokesperson chairman chairwoman chairperson director
attorney atty sister brother mother son daughter wife husband uncle aunt
defender forward quarterback pitcher guard goalkeeper striker midfielder""".split())

# Words after a place that make the run a newspaper or broadcaster ("Washington Post").
MEDIA = frozenset("""post times journal tribune herald gazette chronicle news daily telegraph
observer inquirer register courier sentinel star globe sun standard independent
guardian mirror express record bulletin dispatch enquirer review reporter ledger beacon
press-herald constitution free-press""".split())

# Lowercase words that may sit inside a proper name between capitalised words.
CONNECTORS = frozenset("""of the and de del della der des di do dos da das du la le les van von y upon on
al el es ul ad bin ibn am an im ob sur sous en ter ten aan""".split())

# Directions and descriptions before a place that do not make a longer name ("Northeast Georgia").
DESCRIPTIVE = frozenset("""north south east west northern southern eastern western central
northeast northwest southeast southwest northeastern northwestern southeastern southwestern
upper lower greater metro metropolitan downtown rural suburban historic old occupied coastal mid
""".split())

# Abbreviations after which a dot does not end the run ("St. Louis", "Gov. Perry").
DOT_JOINERS = frozenset("st ste ft mt pt gov sen rep dr mr mrs ms lt gen col capt sgt rev prof".split())


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """US Census first names plus world-news given names (``geomap/data/first_names*.txt``),
    loaded once on first use."""
    names = _word_list(DATA / "first_names.txt") | _word_list(DATA / "first_names_world.txt")
    return names - STOPWORDS - MONTHS - WEEKDAYS - DESCRIPTIVE - NOT_PLACES - TITLES


def _word_list(path: Path) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


# Gaps that join two tokens of one name ("Bab el-Mandeb", "Port-au-Prince").
ARABIC_ARTICLES = frozenset("al el ad ar as ash at az ed en er es et ez an ul".split())
HYPHEN_CONNECTORS = frozenset(f"-{w}-" for w in "au aux de du des en la le les sur sous upon on by the".split())

# Words right after a place name that make it the name of something else (a disease, a currency).
NAMED_AFTER = (" virus", " fever", " ebolavirus", " hemorrhagic", " haemorrhagic", " disease",
                "$", " dollar")

# Natural features written around a name: "Neches River", "Lake Opechee", "Fort Hood", "Gulf of Aden".
FEATURE_SUFFIXES = frozenset("""river creek lake lakes island islands bay mountain mountains valley
peninsula canyon desert glacier falls wilderness""".split())
FEATURE_PREFIXES = frozenset("lake mount mt fort ft cape".split())        # "Lake Opechee", "Fort Hood"
FEATURE_OF = frozenset("sea gulf bay isle lake strait straits".split())     # "Gulf of Aden"

# Street words written abbreviated ("St.", "Ave."): the dot is part of the street's name.
STREET_ABBREVIATIONS = frozenset("st ave rd blvd pkwy hwy".split())

# Name suffixes: "George Bush Sr.", "Martin Luther King Jr" are persons.
NAME_SUFFIXES = frozenset("jr sr ii iii iv".split())

# Words before a name that make it the place where something is ("a resident of Lubbock").
LOCATIVES = (" in ", " of ", " at ", " near ", " from ", " to ")


# Capitalised words that are names of small places somewhere but, in news, almost never mean them.
NOT_PLACES = frozenset("""christmas easter passover hanukkah ramadan thanksgiving halloween
god jesus christ allah christian christians muslim jewish catholic protestant baptist methodist
bible church gospel heaven democrat democrats republican republicans congress parliament
none nothing everyone everything someone something anyone man woman men women arab arabs english
""".split())

# Words for natural features: "Sea of X", "X River" are other places than the town X.
FEATURE_HEADS = frozenset("""sea gulf bay lake lakes isle island islands strait straits cape mount
mountain mountains river creek sound peninsula canal channel ocean desert valley falls glacier
""".split())


COUNTRY_LEVEL = frozenset("PCLI PCLD PCLF PCLS PCLIX PCL TERR CONT".split())
SAINT = frozenset("st ste saint sainte ft fort mt mount pt port".split())
# Closed-class words no place name starts or ends with (unlike "New", "Old", "Two", "The").
FUNCTION_WORDS = frozenset("""a an this that these those there their they them he she it its his her
we our you your i me my in on at to of for from by with without into onto upon over under after
before during since until while when where what which who whom whose why how if but and or nor so
yet as although though because unless whether is are was were be been being am has have had do
does did will would shall should can could may might must according meanwhile however""".split())
MAJOR_FEATURES = frozenset("PCLI PCLD PCLF PCLS PCLIX PCL TERR ADM1 CONT RGN SEA OCN GULF".split())
# Frequent sentence openers that are also names of small places somewhere.
COMMON_OPENERS = frozenset("""although both during early even given like many most much only
other over police several since such then there these they this those though thus under unlike
until what when where while why with within yet officials authorities residents""".split())


# --- per-word flags (issue 9): every class a token's casefolded word belongs to, as one int ----------
# Computed once per distinct word of an article (``tokens.iter_tokens`` stores them on ``Token.flags``),
# so a rule asks ``tok.flags & (MONTH | WEEKDAY)`` instead of one set lookup per class.
MONTH, WEEKDAY, STOP, INSTITUTION_WORD, STREET, ADMIN, TITLE, MEDIA_WORD = (1 << k for k in range(8))
DESCRIPTIVE_WORD, DOT_JOINER, NOT_PLACE, FEATURE_HEAD, COMMON_OPENER, SAINT_WORD, NAME_SUFFIX, \
    FUNCTION_WORD = (1 << k for k in range(8, 16))
FEATURE_WORD = 1 << 16         # a feature suffix, prefix or "X of" word ("River", "Lake", "Gulf of")
_FLAG_CLASSES = ((MONTHS, MONTH), (WEEKDAYS, WEEKDAY), (STOPWORDS, STOP), (INSTITUTION, INSTITUTION_WORD),
                 (STREET_WORDS, STREET), (ADMIN_WORDS, ADMIN), (TITLES, TITLE), (MEDIA, MEDIA_WORD),
                 (DESCRIPTIVE, DESCRIPTIVE_WORD), (DOT_JOINERS, DOT_JOINER), (NOT_PLACES, NOT_PLACE),
                 (FEATURE_HEADS, FEATURE_HEAD), (COMMON_OPENERS, COMMON_OPENER), (SAINT, SAINT_WORD),
                 (NAME_SUFFIXES, NAME_SUFFIX), (FUNCTION_WORDS, FUNCTION_WORD),
                 (FEATURE_SUFFIXES | FEATURE_PREFIXES | FEATURE_OF, FEATURE_WORD))


def word_flags(lower: str) -> int:
    """The flags (``MONTH | TITLE | ...``) of a casefolded word: one bit per word class holding it."""
    flags = 0
    for words, bit in _FLAG_CLASSES:
        if lower in words:
            flags |= bit
    return flags
