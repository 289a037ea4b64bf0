"""Online geocoders behind geopy: chosen by name, cached, rate-limited, honest about failures.

The offline gazetteer places every mention; an online service (Nominatim, Photon, or any other
geopy geocoder named in ``geocoder.service``) can then *refine* those places. Each query goes
through three layers::

    cache  ->  geopy RateLimiter(swallow_exceptions=False)  ->  geopy geocoder (HTTP)

- The cache answers repeated queries across runs, so a hit never waits and never touches the
  network. Only definite answers are cached: a record for "found", ``None`` for "not found".
- The rate limiter spaces network calls ``min_delay_seconds`` apart (Nominatim's usage policy asks
  for at most one per second) and retries geopy's service errors ``max_retries`` times.
- Anything that is not a definite answer -- timeouts, HTTP errors (429, 5xx, ...), unreadable or
  wrong-shaped JSON, refused connections -- raises ``GeocoderError`` and is never cached: an outage
  must not be remembered as "this place does not exist".
- A service that refuses us (429 after the retries, quota, 401/403) is left alone for a while:
  see ``OnlineGeocoder``.

geopy is imported lazily: importing it costs ~150 ms, and most runs are offline.
"""
from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import math
import time
import unicodedata
from typing import TYPE_CHECKING, Any, Mapping

from geomap import __version__
from geomap.config import GeocoderConfig
from geomap.errors import ConfigError, GeocoderError
from geomap.geocode_cache import MISSING, GeocodeCache, MemoryCache
from geomap.geocode_osm import OSM_FIELDS, nominatim_fields
from geomap.model import Mention, Place

if TYPE_CHECKING:
    from geopy.location import Location

__all__ = ["MISSING", "GeocodeCache", "MemoryCache", "OnlineGeocoder", "cache_key",
           "make_geocoder", "normalize_query", "place_from_record"]

#: Bumped whenever the cache key or the cached record's layout changes, so old entries miss.
CACHE_FORMAT = 1

#: Results are asked for in English, like the offline gazetteer's names.
LANGUAGE = "en"

#: Nominatim's public server allows one request per second (usage policy).
NOMINATIM_PUBLIC_DOMAIN = "nominatim.openstreetmap.org"

#: How long to stop asking after an HTTP 429 that names no Retry-After.
RATE_LIMIT_PAUSE_SECONDS = 60.0

#: User agents that identify a library or a documentation example, not an application.
_STOCK_USER_AGENTS = frozenset({
    "", "geomap", "geopy", "my-application", "my_app/1", "my_user_agent/1.0",
    "specify_your_app_name_here", "python-requests", "python-urllib",
})


# -- building a geocoder from the config --------------------------------------------------------

def make_geocoder(cfg: GeocoderConfig, cache: GeocodeCache) -> OnlineGeocoder | None:
    """The online geocoder ``cfg`` asks for, or None when ``cfg.service`` is ``offline``.

    Every mistake a user can make in ``geocoder:`` is a ``ConfigError`` naming the key: an
    unknown service, an option the service does not take, a missing required option, Nominatim
    without an application-specific ``user_agent``, impossible delays.
    """
    service = str(cfg.service).strip().lower()
    if service == "offline":
        return None
    cls = _geocoder_class(service)
    _check_timing(cfg)
    options = _constructor_options(cls, cfg)
    if _is_nominatim(cls):
        _check_nominatim_policy(cfg, cfg.options)
    try:
        geocoder = cls(**options)
    except (TypeError, ValueError) as e:      # geopy's ConfigurationError is a ValueError
        raise ConfigError(f"{cls.__name__} rejected the options: {e}", key="geocoder.options") from e
    return OnlineGeocoder(service, geocoder, cache, min_delay_seconds=cfg.min_delay_seconds,
                          max_retries=cfg.max_retries, error_wait_seconds=cfg.error_wait_seconds)


def _geocoder_class(service: str) -> type:
    from geopy.exc import GeocoderNotFound
    from geopy.geocoders import SERVICE_TO_GEOCODER, get_geocoder_for_service

    try:
        return get_geocoder_for_service(service)
    except GeocoderNotFound:
        import difflib

        names = sorted(SERVICE_TO_GEOCODER)
        close = difflib.get_close_matches(service, names, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        few = ["offline", "nominatim", "photon", "arcgis", "pelias", "opencage", "googlev3"]
        raise ConfigError(
            f"unknown geocoder {service!r}; {hint}valid names include {', '.join(few)} "
            f"(and {len(names) - len(few) + 1} more geopy services)",
            key="geocoder.service") from None


def _check_timing(cfg: GeocoderConfig) -> None:
    """geopy's RateLimiter only ``assert``s these; a user deserves a message naming the key."""
    for name in ("timeout", "min_delay_seconds", "error_wait_seconds", "max_retries"):
        value = getattr(cfg, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"must be a number, not {value!r}", key=f"geocoder.{name}")
    if not cfg.timeout > 0:
        raise ConfigError(f"must be a positive number of seconds, not {cfg.timeout!r}",
                          key="geocoder.timeout")
    if not cfg.min_delay_seconds >= 0:
        raise ConfigError(f"must be zero or more seconds, not {cfg.min_delay_seconds!r}",
                          key="geocoder.min_delay_seconds")
    if not isinstance(cfg.max_retries, int) or cfg.max_retries < 0:
        raise ConfigError(f"must be a whole number >= 0, not {cfg.max_retries!r}",
                          key="geocoder.max_retries")
    if not cfg.error_wait_seconds >= cfg.min_delay_seconds:
        raise ConfigError(
            f"must be at least geocoder.min_delay_seconds ({cfg.min_delay_seconds}), "
            f"not {cfg.error_wait_seconds!r}", key="geocoder.error_wait_seconds")


def _constructor_options(cls: type, cfg: GeocoderConfig) -> dict[str, Any]:
    """``cfg.options`` checked against ``cls.__init__``'s signature, plus the timeout."""
    options = dict(cfg.options)
    params = {name: p for name, p in inspect.signature(cls.__init__).parameters.items()
              if name != "self"}
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    for name in options:
        if not isinstance(name, str):
            raise ConfigError(f"option names must be text, not {name!r}", key="geocoder.options")
        if name == "timeout":
            raise ConfigError("set geocoder.timeout instead", key="geocoder.options.timeout")
        if name == "adapter_factory":
            raise ConfigError("geomap chooses the HTTP adapter", key="geocoder.options.adapter_factory")
        if name not in params and not takes_any:
            accepted = ", ".join(n for n, p in params.items()
                                 if n not in ("timeout", "adapter_factory")
                                 and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD))
            raise ConfigError(f"{cls.__name__} does not take this option (it takes: {accepted})",
                              key=f"geocoder.options.{name}")
    for name, p in params.items():
        required = p.default is p.empty and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        if required and name not in options:
            raise ConfigError(f"required by {cls.__name__}", key=f"geocoder.options.{name}")
    if "user_agent" in params and "user_agent" not in options:
        options["user_agent"] = f"geomap/{__version__}"
    return {**options, "timeout": cfg.timeout, "adapter_factory": _adapter_factory()}


def _adapter_factory() -> type:
    """geopy's stdlib adapter, whatever else is installed.

    geopy prefers ``requests`` when it is importable, and requests' transport retries obey a
    429/503 ``Retry-After`` header by sleeping for as long as the server asks -- unbounded,
    invisible, outside the rate limiter. With urllib every wait is the RateLimiter's.
    """
    from geopy.adapters import URLLibAdapter

    return URLLibAdapter


def _is_nominatim(cls: type) -> bool:
    from geopy.geocoders import Nominatim

    return cls is Nominatim


def _check_nominatim_policy(cfg: GeocoderConfig, options: Mapping[str, Any]) -> None:
    """Nominatim's usage policy: identify the application; on the public server, <= 1 request/s."""
    agent = options.get("user_agent")
    if agent is None or _is_stock_user_agent(str(agent)):
        raise ConfigError(
            "Nominatim's usage policy requires a user_agent that identifies your application, "
            "e.g. 'newsroom-map/1.0 (you@example.org)'; library defaults and sample strings are "
            "refused", key="geocoder.options.user_agent")
    domain = str(options.get("domain", NOMINATIM_PUBLIC_DOMAIN)).strip("/").lower()
    if domain == NOMINATIM_PUBLIC_DOMAIN and cfg.min_delay_seconds < 1:
        raise ConfigError(
            "the public Nominatim server allows at most one request per second; use >= 1 "
            "(or set geocoder.options.domain to your own Nominatim)",
            key="geocoder.min_delay_seconds")


def _is_stock_user_agent(agent: str) -> bool:
    name = agent.strip().lower()
    product = name.split("/", 1)[0].strip()
    return name in _STOCK_USER_AGENTS or product in _STOCK_USER_AGENTS


# -- the geocoder ---------------------------------------------------------------------------------

class OnlineGeocoder:
    """A geopy geocoder behind a cache and a ``RateLimiter``; answers are ``geomap.model.Place``.

    ``rate_limiter`` is geopy's ``RateLimiter`` around ``geocoder.geocode``; tests replace its
    ``_clock``/``_sleep`` (and ``clock`` here) to check the delays without waiting.

    A service that refuses us -- HTTP 429 after the retries, an exceeded quota, a rejected key,
    403 -- would refuse every further query too, and Nominatim bans clients that keep asking.
    So after a refusal no query reaches the network for the ``Retry-After`` time (429; 60 s when
    it names none), or for this geocoder's life (the others need a person to act).
    """

    def __init__(self, service: str, geocoder: Any, cache: GeocodeCache, *,
                 min_delay_seconds: float = 1.0, max_retries: int = 2,
                 error_wait_seconds: float = 2.0) -> None:
        from geopy.extra.rate_limiter import RateLimiter

        self.service = service
        self.geocoder = geocoder
        self.cache = cache
        self.rate_limiter = RateLimiter(
            geocoder.geocode, min_delay_seconds=min_delay_seconds, max_retries=max_retries,
            error_wait_seconds=error_wait_seconds, swallow_exceptions=False)
        self.clock = time.monotonic
        self._paused_until = -math.inf
        self._pause_note = ""
        self._accepted = _keyword_names(geocoder.geocode)
        self._domain = getattr(geocoder, "domain", None)
        self._defaults = self._supported({"addressdetails": True, "language": LANGUAGE})

    def accepts(self, param: str) -> bool:
        """Whether the service's ``geocode`` takes ``param`` (e.g. ``country_codes``)."""
        return self._accepted is None or param in self._accepted

    def geocode(self, query: str, **params: Any) -> Place | None:
        """The service's best match for ``query`` (None: definitely not found).

        ``params`` go to the geopy geocoder's ``geocode`` (e.g. ``country_codes="ua"`` for
        Nominatim). ``kind`` and ``country`` are "" when the service does not tell them.
        Raises ``GeocoderError`` when the service gives no definite answer.
        """
        record = self._lookup(query, params)
        return None if record is None else place_from_record(self.service, record)

    def _lookup(self, query: str, params: Mapping[str, Any], *, exactly_one: bool = True
                ) -> dict | None:
        """The cached or fetched record for ``query`` (``exactly_one=False``: ``{"records": [...]}``,
        the service's list, under a key of its own); fetched answers are cached."""
        text = " ".join(str(query).split())
        if not text:
            raise ValueError("an empty query cannot be geocoded")
        unknown = [name for name in params if not self.accepts(name)]
        if unknown:
            raise TypeError(f"{self.service} geocode() takes no {', '.join(unknown)}")
        params = {**self._defaults, **params}
        keyed = params if exactly_one else {**params, "exactly_one": False}
        key = cache_key(self.service, text, keyed, domain=self._domain)
        cached = self.cache.get(key)
        if cached is not MISSING:
            return cached
        record = self._fetch(text, params, exactly_one=exactly_one)
        if not exactly_one:
            record = {"records": record}
        self.cache.put(key, record)
        return record

    def candidates(self, query: str, *, limit: int = 5, **params: Any) -> list[tuple[Place, dict]]:
        """Up to ``limit`` answers for ``query``, best first, each ``(place, raw reply)`` (the raw
        reply tells the OSM class and type). Cached like ``geocode`` (an empty list is a definite
        "not found"); raises ``GeocoderError`` when the service gives no definite answer."""
        found = self._lookup(query, {**params, **self._supported({"limit": limit})}, exactly_one=False)
        return [(place_from_record(self.service, r), r.get("raw") or {}) for r in found["records"][:limit]]

    def refine(self, mentions: list[Mention]) -> tuple[list[Mention], list[str]]:
        """Re-place resolved mentions through the service; the offline answer stays otherwise.

        Each distinct query is sent once per call. The query is built from the offline place
        (name, admin1, country name) with the country as a ``country_codes`` hint where the
        service takes one. The offline place is kept when the service finds nothing, fails, or
        answers with a place in another country than the one the resolver chose from the article.
        Places pinned to explicit coordinates (``pin:`` ids) are the user's decision and are
        never re-placed.
        Returns the mentions (same order) and one message per failing query.
        """
        answers: dict[str, Place | None] = {}
        errors: list[str] = []
        refined = []
        for mention in mentions:
            offline = mention.place
            if offline is None or offline.id.startswith("pin:"):
                refined.append(mention)
                continue
            query, params = self._query_for(offline)
            key = cache_key(self.service, query, params)
            if key not in answers:
                try:
                    answers[key] = self.geocode(query, **params)
                except GeocoderError as e:
                    answers[key] = None
                    if str(e) not in errors:
                        errors.append(str(e))
            refined.append(self._replace(mention, answers[key]))
        return refined, errors

    # -- helpers ----------------------------------------------------------------------------------
    def _fetch(self, text: str, params: Mapping[str, Any], *, exactly_one: bool = True
               ) -> dict | None | list[dict]:
        """The service's record for ``text`` (None: not found), or with ``exactly_one=False`` the
        list of its records (empty: not found)."""
        from geopy import exc

        if self.clock() < self._paused_until:
            # No query in the message: every skipped query then reports the same, once.
            raise GeocoderError(f"{self.service}: further queries skipped {self._pause_note}")
        try:
            location = self.rate_limiter(text, exactly_one=exactly_one, **params)
        except exc.GeopyError as e:
            reason = _describe(e, self.geocoder.timeout)
            if isinstance(e, (exc.GeocoderQuotaExceeded, exc.GeocoderAuthenticationFailure,
                              exc.GeocoderInsufficientPrivileges)):
                self._pause(e, reason)
            raise GeocoderError(f"{self.service}: {text!r}: {reason}") from e
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as e:
            # geopy's parsers index straight into the reply: JSON of the wrong shape ends here.
            raise GeocoderError(
                f"{self.service}: {text!r}: unexpected reply ({type(e).__name__}: {e})") from e
        if not exactly_one:
            return [_record(self.service, text, loc) for loc in location or ()]
        if location is None:
            return None
        return _record(self.service, text, location)

    def _pause(self, error: Exception, reason: str) -> None:
        from geopy.exc import GeocoderRateLimited

        if isinstance(error, GeocoderRateLimited):
            seconds = error.retry_after or RATE_LIMIT_PAUSE_SECONDS
            self._pause_note = f"for {seconds:g} s after: {reason}"
        else:
            seconds = math.inf
            self._pause_note = f"for the rest of this run after: {reason}"
        self._paused_until = self.clock() + seconds

    def _supported(self, params: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in params.items() if self.accepts(k)}

    def _query_for(self, place: Place) -> tuple[str, dict[str, Any]]:
        """A free-text query for an offline place, and the country hint the service takes."""
        parts = [place.name]
        if place.admin1 and place.kind not in ("country", "admin1") and \
                place.admin1.casefold() != place.name.casefold():
            parts.append(place.admin1)
        if place.country and place.kind != "country":
            country = country_name(place.country)
            if country and country.casefold() != place.name.casefold():
                parts.append(country)
        hints = {"country_codes": place.country.lower()} if place.country else {}
        return ", ".join(parts), self._supported(hints)

    def _replace(self, mention: Mention, online: Place | None) -> Mention:
        offline = mention.place
        if online is None or (online.country and offline.country
                              and online.country != offline.country):
            return mention
        merged = dataclasses.replace(
            online,
            country=online.country or offline.country,
            kind=online.kind or offline.kind,
            admin1=online.admin1 or offline.admin1,
            admin2=online.admin2 or offline.admin2,
            population=online.population or offline.population,
        )
        reason = (f"{self.service}: {merged.name} ({merged.lat:.4f}, {merged.lon:.4f}) "
                  f"replaces offline {offline.id}")
        explain = mention.explain + (reason,) if mention.explain else ()   # only when asked for
        return dataclasses.replace(mention, place=merged, explain=explain)


def _keyword_names(func: Any) -> frozenset[str] | None:
    """Keyword parameters ``func`` takes (None: it takes any)."""
    params = inspect.signature(func).parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return None
    return frozenset(p.name for p in params if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD))


def _describe(error: Exception, timeout: float) -> str:
    """One short line for the summary; the server's body can be long or hostile, so it is cut."""
    from geopy import exc

    status = getattr(error.__cause__, "status_code", None)     # geopy's AdapterHTTPError
    if isinstance(error, exc.GeocoderRateLimited):
        wait = f", retry after {error.retry_after}s" if error.retry_after else ""
        text = f"rate limited by the service (HTTP 429{wait})"
    elif isinstance(error, exc.GeocoderQuotaExceeded):
        text = "quota exceeded"
    elif isinstance(error, exc.GeocoderAuthenticationFailure):
        text = "authentication failed: check the key in geocoder.options"
    elif isinstance(error, exc.GeocoderInsufficientPrivileges):
        text = "access refused (HTTP 403): check geocoder.options (Nominatim: user_agent)"
    elif isinstance(error, exc.GeocoderTimedOut) and status is None:
        text = f"no reply within {timeout:g} s"
    elif isinstance(error, (exc.GeocoderUnavailable, exc.GeocoderTimedOut)):
        # geopy raises GeocoderTimedOut for an HTTP 503/504 reply too: say what came back
        text = f"service unavailable ({f'HTTP {status}' if status else error})"
    elif isinstance(error, exc.GeocoderParseError):
        text = "unreadable reply (not JSON)"
    elif type(error) is exc.GeocoderServiceError:
        text = f"service error ({error})"
    else:
        text = f"{type(error).__name__}: {error}"
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:199] + "…"


def country_name(code: str) -> str:
    """An English country name for the query ("" if the code is not ISO 3166-1)."""
    import pycountry

    country = pycountry.countries.get(alpha_2=code.upper())
    if country is None:
        return ""
    return getattr(country, "common_name", None) or country.name


# -- cache keys and records -------------------------------------------------------------------------

def normalize_query(query: str) -> str:
    """Case and spacing never change a geocoder's answer; they must not split the cache."""
    return " ".join(unicodedata.normalize("NFC", query).casefold().split())


def cache_key(service: str, query: str, params: Mapping[str, Any], *,
              domain: str | None = None) -> str:
    """``<service>:<sha256>`` of everything that changes the answer: the server, the normalised
    query and the geocode parameters (country hints, language, ...)."""
    norm = {k: _normalize_param(k, v) for k, v in params.items() if k != "timeout"}
    payload = json.dumps(
        {"format": CACHE_FORMAT, "service": service, "domain": domain,
         "query": normalize_query(query), "params": norm},
        sort_keys=True, ensure_ascii=False, default=str)
    return f"{service}:{hashlib.sha256(payload.encode('utf-8')).hexdigest()}"


def _normalize_param(name: str, value: Any) -> Any:
    if name == "country_codes" and value:
        codes = [value] if isinstance(value, str) else list(value)
        return sorted({c.lower() for c in codes})
    return value


def _record(service: str, query: str, location: Location) -> dict:
    """What the cache keeps for a found place: enough to rebuild the ``Place`` offline later."""
    raw = location.raw if isinstance(location.raw, Mapping) else {}
    lat, lon = location.latitude, location.longitude
    nominatim_like = OSM_FIELDS.get(service) is nominatim_fields
    if nominatim_like and (raw.get("lat") is None or raw.get("lon") is None):
        # geopy turns a reply without coordinates into (0, 0): never let that reach the map.
        raise GeocoderError(f"{service}: {query!r}: unexpected reply (no coordinates)")
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise GeocoderError(f"{service}: {query!r}: unexpected reply (coordinates {lat}, {lon})")
    return {"address": location.address, "lat": lat, "lon": lon, "raw": dict(raw)}


def place_from_record(service: str, record: Mapping[str, Any]) -> Place:
    """The ``Place`` for a cached record; OSM-based services get OSM ids and kinds."""
    parse = OSM_FIELDS.get(service)
    fields = parse(service, record.get("raw") or {}) if parse else {}
    name = fields.pop("name", "") or str(record["address"]).split(",")[0].strip()
    place_id = fields.pop("id", "") or f"{service}:{_stable_hash(record)}"
    return Place(id=place_id, name=name, lat=float(record["lat"]), lon=float(record["lon"]),
                 country=fields.get("country", ""), kind=fields.get("kind", ""),
                 admin1=fields.get("admin1", ""), admin2=fields.get("admin2", ""))


def _stable_hash(record: Mapping[str, Any]) -> str:
    text = f"{float(record['lat']):.5f},{float(record['lon']):.5f}|{record['address']}"
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]
