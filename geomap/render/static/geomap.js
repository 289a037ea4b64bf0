/* geomap: the analyst's map. Markers, pop-ups, search, filters, legend, offline base map and the
 * view in the URL hash, for map.html; the timeline, article list, region table and names not
 * placed are in geomap-views.js (loaded first, called with this file's shared state).
 *
 * ONE filter state (dates, undated, region or layer, hidden kinds, text, place) selects a subset
 * of mentions; every view (markers, pop-up passages and counts, region table, timeline, article
 * list, names not placed) shows that subset. A mention of place p in article a is in it when
 * p's kind is shown, p is in the chosen region/layer (if any), p is the chosen place (if any),
 * a's date is in the range (undated: when "include undated" is on), and the text (if any) is
 * in p's name or in a's title or quoted passages.
 *
 * Quoted passages are not in the data: they load on demand from chunk files beside map.html
 * (passages/<n>.js, each a script calling window.geomapPassages; render/passages.py), a pop-up
 * showing "loading…" until its place's chunk is in. Each chunk loads once. A text query needs
 * the passages that can hold it: passages/index.js (render/search_index.py) says which chunks
 * have every 4-gram of the query; those load (every chunk for a query under 4 characters or
 * without the index), the views updating when they are in (geomap.ready is false meanwhile).
 * Focusing the search box loads every chunk while the page is idle. A map saved without a
 * folder (the Python API) and a small map embed the chunks (data.passages).
 *
 * Start-up (geomapStart, geomap-start.js, loaded first) parses the payload's head and parts
 * (render/payload_parts.py) and
 * builds the tables (geomapTables) and the first subset in slices of ~30 ms with yields between
 * them, so that no task runs long (issue 13); window.geomap.ready turns true at the end.
 *
 * data.places rows: [id, name, kind, country, lat, lon, [region#], mentions, articles,
 *                    chunk#, passages, place page (0: placePage(id)), links, written names,
 *                    origin (0: offline; else who placed it online, with its data credit)];
 * links: the place's articles by number, ascending, each the step from the previous number, or
 *        [step, mentions, passages] when the article names it more than once;
 * a chunk: {places: {place id: quotes}, texts: [quoted passage text]}; a quote: [article page,
 *          passage anchor (-1: none), text#, offset, length, cut flags (1: start, 2: end),
 *          [start, end, ...] highlights relative to the quote], newest article first;
 * data.articles rows: [page, title, date, source(, id when the page name is not the id)], by
 *          stable number (a full build numbers them newest first, a refresh appends new ones:
 *          every view orders them by date itself, artOrder);
 * data.chunks: how many chunk files; data.regions: region labels (configured
 * regions first); data.regionNames, regionLayer, regionBounds: per configured region;
 * data.layers: [name, label] per configured layer; data.regionCounts: per configured region
 * [layer label, places, mentions, articles] (all articles); data.legend: per layer [label,
 * outline, fill, opacity(, choropleth colours, most mentions)]; data.unplaced: [name,
 * [article#, mentions, anchor, ...]]; data.tiles: false when there is no tile layer.
 * The element #geomap-world holds GeoJSON country outlines, parsed only when they are shown.
 * Every string from the data is untrusted: it only ever goes into textContent, a text node or an
 * attribute set through the DOM, and links are made from our own page names.
 */
function geomapInit(map, layerControl, data, tileLayer, regionLayers, tables) {
  "use strict";
  var places = data.places, articles = data.articles, regions = data.regions;
  var DAY = 86400000, NP = places.length, NA = articles.length;
  var NR = (data.regionNames || []).length, layers = data.layers || [];
  regionLayers = regionLayers || [];

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function escapeHtml(text) {       // for the few Leaflet APIs that take HTML (layer names)
    var span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }
  function button(text, title, onClick) {
    var b = el("button", "gm-btn", text);
    b.type = "button";
    if (title) b.title = title;
    b.addEventListener("click", onClick);
    return b;
  }

  /* The place page's file stem, as render.place_cut.escaped_name makes it. */
  function placePage(row) {
    if (row[11]) return row[11];
    return row[0].replace(/[^A-Za-z0-9-]/gu, function (c) {
      var e = encodeURIComponent(c);
      return e !== c ? e.replace(/%/g, "_")
        : "_" + ("0" + c.charCodeAt(0).toString(16).toUpperCase()).slice(-2);
    });
  }
  function articleHref(page, anchor) {
    return "articles/" + encodeURIComponent(page) + ".html" + (anchor >= 0 ? "#p" + anchor : "");
  }
  function isoDay(days) { return new Date(days * DAY).toISOString().slice(0, 10); }
  function dayOf(value) {
    var t = value ? Date.parse(String(value).slice(0, 10)) : NaN;
    return isNaN(t) ? null : Math.floor(t / DAY);
  }

  /* ---- decoded tables ------------------------------------------------------------------ */
  var artDay = new Float64Array(NA), firstDay = Infinity, lastDay = -Infinity;
  for (var a = 0; a < NA; a++) {
    var d = dayOf(articles[a][2]);
    artDay[a] = d === null ? NaN : d;
    if (d !== null) { firstDay = Math.min(firstDay, d); lastDay = Math.max(lastDay, d); }
  }
  /* Article numbers are stable, not ranks (a refresh appends new articles: render/map_cache.py),
   * so the newest-first order is made here as render.quotes.article_ranks makes it: by date,
   * newest first, undated last, then by id (row[4] when the page name is not the id).
   * artOrder[k]: the k-th newest article; artPos[a]: article a's place in that order. */
  var artOrder = new Int32Array(NA), artPos = new Int32Array(NA);
  (function () {
    var ids = new Array(NA), dates = new Array(NA), order = new Array(NA);
    for (var i = 0; i < NA; i++) {
      order[i] = i;
      dates[i] = String(articles[i][2] || "");
      ids[i] = String(articles[i][4] || articles[i][0]);
    }
    order.sort(function (x, y) {
      if (dates[x] !== dates[y]) return dates[x] > dates[y] ? -1 : 1;
      return ids[x] < ids[y] ? -1 : ids[x] > ids[y] ? 1 : 0;
    });
    for (i = 0; i < NA; i++) { artOrder[i] = order[i]; artPos[order[i]] = i; }
  })();
  var pairStart = tables.pairStart, total = tables.total, pairArt = tables.pairArt;
  var pairMen = tables.pairMen, pairPas = tables.pairPas, perArt = tables.perArt;
  var artPlaces = tables.artPlaces, regStart = tables.regStart, regList = tables.regList, k;
  var layerOf = data.regionLayer || [], regionIndex = new Map(), layerIndex = new Map();
  (data.regionNames || []).forEach(function (name, r) { regionIndex.set(name, r); });
  layers.forEach(function (l, i) { layerIndex.set(l[0], i); });

  /* Timeline bins: days, weeks or months, chosen by the span of the article dates. */
  var dated = firstDay <= lastDay, span = dated ? lastDay - firstDay + 1 : 0;
  var unit = span <= 120 ? "day" : span <= 3 * 366 ? "week" : "month";
  var first = dated ? new Date(firstDay * DAY) : null;
  var month0 = first ? first.getUTCFullYear() * 12 + first.getUTCMonth() : 0;
  function binOf(day) {
    if (unit === "day") return day - firstDay;
    if (unit === "week") return Math.floor((day - firstDay) / 7);
    var t = new Date(day * DAY);
    return t.getUTCFullYear() * 12 + t.getUTCMonth() - month0;
  }
  function binStart(b) {
    if (unit === "day") return firstDay + b;
    if (unit === "week") return firstDay + 7 * b;
    var m = month0 + b;
    return Math.floor(Date.UTC(Math.floor(m / 12), m % 12, 1) / DAY);
  }
  function binEnd(b) { return binStart(b + 1) - 1; }
  var NB = dated ? binOf(lastDay) + 1 : 0, artBin = new Int32Array(NA);
  for (a = 0; a < NA; a++) artBin[a] = isNaN(artDay[a]) ? -1 : binOf(artDay[a]);

  /* ---- the filter state and the subset it selects ------------------------------------- */
  var state = emptyState();
  function emptyState() {
    return {from: null, to: null, undated: true, region: -1, layer: -1, hidden: {}, q: "",
            place: -1, sort: "new"};
  }
  var placeIndex = new Map();
  places.forEach(function (row, i) { placeIndex.set(row[0], i); });

  /* ---- passage chunks, loaded on demand -------------------------------------------------- */
  var NC = data.chunks || 0, chunks = new Array(NC), chunkWait = new Array(NC), loadedChunks = 0;
  var pageNumber = null;             // article page -> article number, made on the first chunk
  function articleOf(quote) {         // undefined: an article gone since the chunk was written
    return pageNumber.get(quote[0]);
  }
  function received(n, chunk) {       // kept as it came: no work per quote until it is shown
    if (!(n >= 0 && n < NC) || chunks[n] || !chunk || typeof chunk.places !== "object") return;
    if (!pageNumber) {
      pageNumber = new Map();
      articles.forEach(function (row, i) { pageNumber.set(row[0], i); });
    }
    chunks[n] = {places: chunk.places, texts: chunk.texts || [], failed: !!chunk.failed};
    loadedChunks++;
    artBlob = null;
    if (searchable) searchable(chunks[n]);   // a chunk file: ready for searches as it lands
    var waiting = chunkWait[n] || [];
    chunkWait[n] = null;
    waiting.forEach(function (f) { f(); });
  }
  var searchable = null;           // (embedded chunks are made searchable on the first search)
  if (data.passages) Object.keys(data.passages).forEach(function (n) { received(+n, data.passages[n]); });
  window.geomapPassages = received;
  /* Run done() once chunk n is in (at once if it is); its script is added to the page once. */
  function loadChunk(n, done) {
    if (chunks[n] || !(n >= 0 && n < NC)) { done(); return; }
    if (chunkWait[n]) { chunkWait[n].push(done); return; }
    chunkWait[n] = [done];
    var script = document.createElement("script");
    script.src = "passages/" + n + ".js";
    script.async = true;
    script.onerror = function () {     // missing or blocked: say so rather than load forever
      if (!chunks[n]) received(n, {places: {}, texts: [], failed: true});
    };
    document.head.appendChild(script);
  }
  function loadList(list, done) {    // these chunks, sixteen at a time, then done()
    var next = 0, left = list.length;
    function more() {
      if (next < list.length) loadChunk(list[next++], landed);
    }
    function landed() {
      if (--left === 0) done(); else more();
    }
    if (!left) { done(); return; }
    for (var i = 0; i < 16; i++) more();
  }
  function every() {
    var all = [];
    for (var n = 0; n < NC; n++) all.push(n);
    return all;
  }

  /* A text query needs only the chunks that can hold it: passages/index.js has a bit set of
   * hashed 4-grams per chunk (render/search_index.py); a chunk is loaded when every 4-gram of
   * the query has its bit set. Without the index (a query under 4 characters, an old map, a
   * missing file) every chunk loads, as before. */
  var index = null, indexTried = !!data.passages, indexWait = null, lastQ = null, lastC = null;
  window.geomapPassageIndex = function (value) {
    if (index || !value || value.gram !== 4 || !Array.isArray(value.bits) ||
        typeof value.sets !== "string") return;
    var raw = window.atob(value.sets), sets = new Uint8Array(raw.length), offset = [], at = 0;
    for (var i = 0; i < raw.length; i++) sets[i] = raw.charCodeAt(i);
    value.bits.forEach(function (bits) { offset.push(at); at += bits >> 3; });
    if (at === sets.length) index = {bits: value.bits, offset: offset, sets: sets};
  };
  function loadIndex(done) {
    if (indexTried) { done(); return; }
    if (indexWait) { indexWait.push(done); return; }
    indexWait = [done];
    var script = document.createElement("script");
    function finish() {
      if (indexTried) return;
      indexTried = true;
      var waiting = indexWait;
      indexWait = null;
      waiting.forEach(function (f) { f(); });
    }
    script.src = "passages/index.js";
    script.async = true;
    script.onload = script.onerror = finish;
    document.head.appendChild(script);
  }
  function gramHash(f, i) {          // the 4 code units at f[i], as render/search_index.py's _hash
    var h = Math.imul(f.charCodeAt(i), 0x9E3779B1) ^ Math.imul(f.charCodeAt(i + 1), 0x85EBCA77) ^
      Math.imul(f.charCodeAt(i + 2), 0xC2B2AE3D) ^ Math.imul(f.charCodeAt(i + 3), 0x27D4EB2F);
    h ^= h >>> 16;
    h = Math.imul(h, 0x7FEB352D);
    h ^= h >>> 15;
    return h >>> 0;
  }
  function candidates(q) {           // the chunks that may hold q (lower-cased); null: every one
    if (!index || q.length < 4 || q.indexOf("\n") >= 0) return null;
    if (q === lastQ) return lastC;
    var f = q.replace(/\u03c2/g, "\u03c3"), hashes = [], out = [], i, n;
    for (i = 0; i + 3 < f.length; i++) hashes.push(gramHash(f, i));
    for (n = 0; n < Math.min(NC, index.bits.length); n++) {
      var mask = index.bits[n] - 1, at = index.offset[n], ok = 1;
      for (i = 0; i < hashes.length && ok; i++) {
        var bit = hashes[i] & mask;
        ok = (index.sets[at + (bit >>> 3)] >> (bit & 7)) & 1;
      }
      if (ok) out.push(n);
    }
    lastQ = q;
    lastC = out;
    return out;
  }
  function passagesMissing(q) {      // true while query q waits for chunks it may match
    if (!q || loadedChunks >= NC) return false;
    if (!indexTried) return true;
    var list = candidates(q) || every();
    for (var i = 0; i < list.length; i++) if (!chunks[list[i]]) return true;
    return false;
  }
  function loadFor(q, done) {        // the chunks q may match, then done()
    loadIndex(function () { loadList(candidates(q) || every(), done); });
  }
  /* A hand on the search box: the index, then every chunk, load while the page is idle, so
   * that the query about to be typed finds its passages in memory. */
  var warming = false;
  function warm() {
    if (warming || !NC || loadedChunks >= NC) return;
    warming = true;
    var idle = window.requestIdleCallback || function (f) { return window.setTimeout(f, 20); };
    var next = 0;
    function pump() {
      while (next < NC && (chunks[next] || chunkWait[next])) next++;
      if (next < NC) loadChunk(next++, function () { idle(pump, {timeout: 500}); });
    }
    loadIndex(function () { idle(pump, {timeout: 500}); idle(pump, {timeout: 500}); });
  }
  function quotesOf(p) {             // the place's quotes, or null while its chunk loads
    var chunk = chunks[places[p][9]], id = places[p][0];
    if (!chunk) return null;
    return Object.prototype.hasOwnProperty.call(chunk.places, id) ? chunk.places[id] : [];
  }

  /* A text query matches an article when its lower-cased title or one of its loaded quoted
   * texts holds the query. Each chunk keeps its texts lower-cased and, per text, the articles
   * quoting it (made when a chunk file lands, so no search pays for every chunk at once). */
  searchable = function (chunk) {
    if (chunk.low !== undefined) return chunk;
    var n = chunk.texts.length, low = [], starts = new Int32Array(n + 1), pos = 0, i;
    for (i = 0; i < n; i++) {
      low.push(String(chunk.texts[i]).toLowerCase());
      starts[i] = pos;
      pos += low[i].length + 1;
    }
    starts[n] = pos;
    chunk.low = low.join("\n");         // one string per chunk, a line break between texts
    chunk.starts = starts;
    chunk.arts = [];
    for (i = 0; i < n; i++) chunk.arts.push([]);
    Object.keys(chunk.places).forEach(function (id) {
      chunk.places[id].forEach(function (q) {
        var a = articleOf(q), list = chunk.arts[q[2]];
        if (a !== undefined && list && list[list.length - 1] !== a) list.push(a);
      });
    });
    return chunk;
  };
  var titleLow = null;
  function matchText(q, out) {       // out[a] = 1 for the articles whose text holds q
    var i, k;
    if (q.indexOf("\n") >= 0) {      // only a match across title and passages can hold one
      var b = blobs();
      for (i = 0; i < NA; i++) out[i] = b[i].indexOf(q) >= 0 ? 1 : 0;
      return;
    }
    if (!titleLow) titleLow = articles.map(function (row) { return String(row[1]).toLowerCase(); });
    for (i = 0; i < NA; i++) out[i] = titleLow[i].indexOf(q) >= 0 ? 1 : 0;
    for (var c = 0; c < chunks.length; c++) {
      if (!chunks[c]) continue;
      var chunk = searchable(chunks[c]), text = chunk.low, starts = chunk.starts;
      var at = text.indexOf(q);
      while (at >= 0) {                // (q holds no line break: a match lies in one text)
        var lo = 0, hi = starts.length - 2;
        while (lo < hi) {              // the text the match is in
          var mid = (lo + hi + 1) >> 1;
          if (starts[mid] <= at) lo = mid; else hi = mid - 1;
        }
        var arts = chunk.arts[lo];
        for (k = 0; k < arts.length; k++) out[arts[k]] = 1;
        at = text.indexOf(q, starts[lo + 1]);
      }
    }
  }
  var artBlob = null;               // lower-cased title + loaded quoted passages, per article
  function blobs() {                 // (for a query holding a line break)
    if (artBlob) return artBlob;
    artBlob = articles.map(function (row) { return [row[1]]; });
    chunks.forEach(function (chunk) {
      if (!chunk) return;
      Object.keys(chunk.places).forEach(function (id) {
        chunk.places[id].forEach(function (q) {
          var a = articleOf(q);
          if (a !== undefined) artBlob[a].push(chunk.texts[q[2]]);
        });
      });
    });
    artBlob = artBlob.map(function (parts) { return parts.join("\n").toLowerCase(); });
    return artBlob;
  }

  var S = {                          // the current subset (compute() fills it)
    artOk: new Uint8Array(NA), qArt: null, nameHit: null, placeOk: new Uint8Array(NP),
    plMen: new Int32Array(NP), plArt: new Int32Array(NP), plPas: new Int32Array(NP),
    artMen: new Int32Array(NA), bins: new Float64Array(NB), allBins: new Float64Array(NB),
    regPl: new Int32Array(NR), regMen: new Int32Array(NR), regArt: new Int32Array(NR),
    regBins: [], places: 0, mentions: 0, articles: 0
  };
  for (var r = 0; r < NR; r++) S.regBins.push(new Float64Array(NB));
  for (k = 0; k < total; k++) if (artBin[pairArt[k]] >= 0) S.allBins[artBin[pairArt[k]]] += pairMen[k];

  function placeAllowed(p) {
    var row = places[p];
    if (state.hidden[row[2]]) return false;
    if (state.place >= 0 && state.place !== p) return false;
    if (state.region >= 0) return row[6].indexOf(state.region) >= 0;
    if (state.layer >= 0) {
      for (var i = 0; i < row[6].length; i++) if (layerOf[row[6][i]] === state.layer) return true;
      return false;
    }
    return true;
  }
  function pairOk(p, a) {
    return S.artOk[a] && (!S.qArt || S.nameHit[p] || S.qArt[a]);
  }

  /* compute() = computeStart(), computePlaces over every place, computeEnd(); the map's
   * first compute runs in slices of places (no long task at open), later ones at once. */
  function compute() {
    computeStart();
    computePlaces(0, NP);
    computeEnd();
  }
  function computeStart() {
    var from = state.from, to = state.to, i;
    for (i = 0; i < NA; i++) {
      var day = artDay[i];
      S.artOk[i] = isNaN(day) ? (state.undated ? 1 : 0)
        : (from === null || day >= from) && (to === null || day <= to) ? 1 : 0;
    }
    var q = state.q.trim().toLowerCase();
    if (q) {
      if (passagesMissing(q)) loadFor(q, passagesIn);
      S.qArt = new Uint8Array(NA);
      S.nameHit = new Uint8Array(NP);
      matchText(q, S.qArt);
      for (i = 0; i < NP; i++) S.nameHit[i] = places[i][1].toLowerCase().indexOf(q) >= 0 ? 1 : 0;
    } else {
      S.qArt = S.nameHit = null;
    }
    S.artMen.fill(0); S.bins.fill(0); S.regPl.fill(0); S.regMen.fill(0); S.regArt.fill(0);
    S.regBins.forEach(function (bins) { bins.fill(0); });
    S.places = S.mentions = S.undated = 0;
  }
  function computePlaces(start, end) {
    var i, k2, r2, art, men, arts, pas, m;
    for (i = start; i < end; i++) {
      men = arts = pas = 0;
      var ok = placeAllowed(i), r0 = regStart[i], r1 = regStart[i + 1];
      S.placeOk[i] = ok ? 1 : 0;
      if (ok) {
        for (k2 = pairStart[i]; k2 < pairStart[i + 1]; k2++) {
          art = pairArt[k2];
          if (!pairOk(i, art)) continue;
          m = pairMen[k2];
          men += m; pas += pairPas[k2]; arts++;
          S.artMen[art] += m;
          var bin = artBin[art];
          if (bin >= 0) S.bins[bin] += m;
          else S.undated += m;
          for (r2 = r0; r2 < r1; r2++) {
            S.regMen[regList[r2]] += m;
            if (bin >= 0) S.regBins[regList[r2]][bin] += m;
          }
        }
        if (men) {
          S.places++;
          for (r2 = r0; r2 < r1; r2++) S.regPl[regList[r2]]++;
        }
      }
      S.plMen[i] = men; S.plArt[i] = arts; S.plPas[i] = pas;
      S.mentions += men;
    }
  }
  function computeEnd() {            // articles per region (each once), then articles in all
    var seen = new Int32Array(NR).fill(-1), i, k2, r2;
    S.articles = 0;
    for (i = 0; i < NA; i++) {
      if (!S.artMen[i]) continue;
      S.articles++;
      if (!NR) continue;
      for (k2 = perArt[i]; k2 < perArt[i + 1]; k2++) {
        var p2 = artPlaces[k2];
        if (!S.placeOk[p2] || !pairOk(p2, i)) continue;
        for (r2 = regStart[p2]; r2 < regStart[p2 + 1]; r2++) {
          if (seen[regList[r2]] !== i) { seen[regList[r2]] = i; S.regArt[regList[r2]]++; }
        }
      }
    }
  }
  function filtered() {
    return state.from !== null || state.to !== null || !state.undated || state.region >= 0 ||
      state.layer >= 0 || state.place >= 0 || !!state.q.trim() ||
      Object.keys(state.hidden).some(function (kind) { return state.hidden[kind]; });
  }

  /* ---- pop-ups -------------------------------------------------------------------------- */
  function quoteNode(quote, texts) {
    var text = String(texts[quote[2]] || "").substr(quote[3], quote[4]), marks = quote[6];
    var q = el("blockquote"), pos = 0;
    if (quote[5] & 1) q.appendChild(document.createTextNode("\u2026"));
    for (var i = 0; i + 1 < marks.length; i += 2) {
      if (marks[i] < pos) continue;
      q.appendChild(document.createTextNode(text.slice(pos, marks[i])));
      q.appendChild(el("mark", null, text.slice(marks[i], marks[i + 1])));
      pos = marks[i + 1];
    }
    q.appendChild(document.createTextNode(text.slice(pos) + (quote[5] & 2 ? "\u2026" : "")));
    return q;
  }

  function popupFor(row) {
    var p = placeIndex.get(row[0]), box = el("div", "gm-pop");
    box.appendChild(el("h3", null, row[1]));
    box.appendChild(el("p", "gm-facts", [row[2], row[3]].filter(Boolean).join(" \u00b7 ")));
    if (row[6].length) {   // each region label once, with the layers having it (as place pages)
      var byLabel = new Map();
      row[6].forEach(function (r) {
        var layer = r < NR && layers[layerOf[r]] ? layers[layerOf[r]][1] : "";
        if (!byLabel.has(regions[r])) byLabel.set(regions[r], []);
        if (layer && layer !== regions[r] && byLabel.get(regions[r]).indexOf(layer) < 0) {
          byLabel.get(regions[r]).push(layer);
        }
      });
      var parts = [];
      byLabel.forEach(function (ls, label) {
        parts.push(ls.length ? label + " (" + ls.join("; ") + ")" : label);
      });
      box.appendChild(el("p", "gm-in", "In: " + parts.join(" \u00b7 ")));
    }
    if (row[14]) box.appendChild(el("p", "gm-origin", row[14]));
    var narrowed = S.plMen[p] !== row[7];
    var count = el("p", "gm-count", plural(S.plMen[p], "mention") + " in " +
      plural(S.plArt[p], "article") + (narrowed ? " matching the filters" : "") + " \u00b7 ");
    var all = el("a", "gm-all", "all " + plural(row[7], "mention"));
    all.href = "places/" + encodeURIComponent(placePage(row)) + ".html";
    count.appendChild(all);
    box.appendChild(count);
    var list = el("ol", "gm-quotes"), item = null, previous = -1, shownQuotes = 0;
    var quotes = quotesOf(p), chunk = chunks[row[9]];
    if (!quotes) {                     // its chunk is not in yet: the pop-up redraws when it is
      box.appendChild(el("p", "gm-loading", "loading\u2026"));
      loadChunk(row[9], function () {
        var popup = map._popup;
        if (popup && popup._source && popup._source.geomapRow === row && map.hasLayer(popup)) {
          popup.update();
        }
      });
      return box;
    }
    if (chunk.failed) {
      box.appendChild(el("p", "gm-loading", "The quoted passages could not be loaded (passages/" +
        row[9] + ".js is missing beside map.html); its page has them all."));
    }
    quotes.forEach(function (q) {      // quotes of one article are adjacent: one title for them
      var number = articleOf(q);
      if (number === undefined || !pairOk(p, number)) return;
      var a2 = articles[number];
      shownQuotes++;
      if (number !== previous) {
        item = el("li");
        var title = el("a", "gm-title", a2[1]);
        title.href = articleHref(a2[0], q[1]);
        item.appendChild(title);
        if (a2[2]) item.appendChild(el("span", "gm-date", " " + a2[2]));
        list.appendChild(item);
        previous = number;
      }
      var quote = quoteNode(q, chunk.texts), link = el("a", "gm-passage", "\u00b6");
      link.href = articleHref(a2[0], q[1]);
      link.title = "read this passage in the article";
      quote.appendChild(document.createTextNode(" "));
      quote.appendChild(link);
      item.appendChild(quote);
    });
    box.appendChild(list);
    var more = S.plPas[p] - shownQuotes;
    if (more > 0) {
      var note = el("p", "gm-more", "\u2026 and " + plural(more, "more passage") +
        (shownQuotes ? " (newest shown) " : " ") + "on ");
      var page = el("a", null, "its page");
      page.href = all.href;
      note.appendChild(page);
      box.appendChild(note);
    }
    var actions = el("p", "gm-actions");
    actions.appendChild(button("List its articles", "show only the articles naming " + row[1],
      function () { setFilter({place: p}); }));
    box.appendChild(actions);
    return box;
  }

  /* ---- markers -------------------------------------------------------------------------- */
  var BUCKETS = ["1\u20132 mentions", "3\u201319 mentions", "20+ mentions"];
  var icons = [10, 14, 18].map(function (size, i) {
    return L.divIcon({className: "gm-pin gm-pin" + i, iconSize: [size, size]});
  });
  function bucket(mentions) { return mentions < 3 ? 0 : mentions < 20 ? 1 : 2; }

  /* Clustering: on every move, zoom and filter change the places that pass the filters and lie
   * in (or near) the view are binned into a grid of CELL pixels; a cell holding one place shows
   * its marker, a cell holding more a numbered cluster (a click zooms to its places). Only what
   * the view holds is ever in the DOM, so a filter change costs a pass over the places, not a
   * re-clustering of tens of thousands of markers. Markers are made on first use. */
  var CELL = 56;
  var group = L.layerGroup(), markers = new Array(NP), byId = new Map(), onMap = new Map();
  places.forEach(function (row2, i) { byId.set(row2[0], i); });
  function markerOf(i) {
    var m = markers[i];
    if (m) return m;
    var row2 = places[i];
    m = markers[i] = L.marker([row2[4], row2[5]], {icon: icons[bucket(row2[7])], title: row2[1],
                                                   alt: row2[1]});
    m.geomapRow = row2;
    m.geomapIndex = i;
    m.bindPopup(function (layer) { return popupFor(layer.geomapRow); },
                {maxWidth: 380, minWidth: 240, autoPanPadding: [30, 30]});
    return m;
  }
  function clusterIcon(n) {
    var size = n < 10 ? 26 : n < 100 ? 32 : n < 1000 ? 38 : 44;
    return L.divIcon({className: "gm-cluster gm-cluster" + (n < 10 ? 0 : n < 100 ? 1 : 2),
                      iconSize: [size, size], html: "<span>" + Number(n) + "</span>"});
  }
  function redraw() {
    var zoom = map.getZoom(), view = map.getBounds().pad(0.25), keep = map._popup && map._popup._source;
    var south = view.getSouth(), north = view.getNorth(), west = view.getWest(), east = view.getEast();
    var cluster = data.cluster && zoom < map.getMaxZoom(), cells = new Map(), next = new Map(), i;
    for (i = 0; i < NP; i++) {
      if (!S.plMen[i]) continue;
      var row2 = places[i], lat = row2[4], lon = row2[5];
      if (data.cluster && (lat < south || lat > north || lon < west || lon > east)) continue;
      if (!cluster || (keep && keep.geomapIndex === i)) { next.set(i, null); continue; }
      var pt = map.project([lat, lon], zoom), key = Math.floor(pt.x / CELL) + "," + Math.floor(pt.y / CELL);
      var cell = cells.get(key);
      if (cell) cell.push(i); else cells.set(key, [i]);
    }
    var clusters = [];
    cells.forEach(function (members) {
      if (members.length === 1) { next.set(members[0], null); return; }
      var lat2 = 0, lon2 = 0;
      members.forEach(function (j) { lat2 += places[j][4]; lon2 += places[j][5]; });
      var c = L.marker([lat2 / members.length, lon2 / members.length],
                       {icon: clusterIcon(members.length), keyboard: true,
                        title: members.length + " places"});
      c.geomapMembers = members;
      c.on("click", function () { zoomToMembers(members); });
      clusters.push(c);
    });
    onMap.forEach(function (m, j) { if (!next.has(j)) group.removeLayer(m); });
    next.forEach(function (_none, j) {
      var m = onMap.get(j) || markerOf(j);
      if (!onMap.has(j)) group.addLayer(m);
      next.set(j, m);
    });
    (api.clusters || []).forEach(function (c) { group.removeLayer(c); });
    clusters.forEach(function (c) { group.addLayer(c); });
    api.clusters = clusters;
    onMap = next;
  }
  function zoomToMembers(members) {
    var box = L.latLngBounds(members.map(function (j) { return [places[j][4], places[j][5]]; }));
    var zoom = Math.min(map.getMaxZoom(), Math.max(map.getZoom() + 1, map.getBoundsZoom(box)));
    if (box.getNorthEast().equals(box.getSouthWest())) zoom = map.getMaxZoom();
    map.setView(box.getCenter(), zoom, {animate: false});
  }
  /* The zoom at which place i has a cell of its own (the max zoom when others share its point). */
  function ownZoom(i) {
    var lat = places[i][4], lon = places[i][5];
    for (var z = Math.max(map.getZoom(), 3); z < map.getMaxZoom(); z++) {
      var pt = map.project([lat, lon], z), alone = true;
      for (var j = 0; j < NP && alone; j++) {
        if (j === i || !S.plMen[j] || Math.abs(places[j][4] - lat) > 5) continue;
        var q = map.project([places[j][4], places[j][5]], z);
        alone = Math.abs(q.x - pt.x) >= CELL * 1.5 || Math.abs(q.y - pt.y) >= CELL * 1.5;
      }
      if (alone) return z;
    }
    return map.getMaxZoom();
  }

  var api = window.geomap = {
    ready: false, places: NP, shown: 0, map: map, group: group, open: openPlace,
    filter: setFilter, isShown: function (id) { return S.plMen[byId.get(id)] > 0; },
    shownIds: function () {
      var out = [];
      for (var i = 0; i < NP; i++) if (S.plMen[i]) out.push(places[i][0]);
      return out;
    },
    state: function () { return JSON.parse(JSON.stringify(state)); },
    timeline: function () { return Array.prototype.slice.call(S.bins); },
    subset: function () { return {places: S.places, mentions: S.mentions, articles: S.articles}; }
  };
  var whenReady = [], starting = true;

  /* Markers follow the subset; then whatever waited for the map to be ready runs. */
  function reload() {
    var n = 0;
    for (var i = 0; i < NP; i++) if (S.plMen[i]) n++;
    api.shown = n;
    redraw();
    api.ready = !passagesMissing(state.q.trim().toLowerCase());   // a query waits for its passages
    if (!api.ready) return;
    var queued = whenReady;
    whenReady = [];
    queued.forEach(function (f) { f(); });
  }

  function openPlace(id) {
    var i = byId.get(id);
    if (i === undefined) return false;
    if (!api.ready) {                  // still loading: open it once every marker is placed
      whenReady.push(function () { openPlace(id); });
      return true;
    }
    if (!S.plMen[i]) {                 // hidden by a filter: show everything again, then open
      whenReady.push(function () { openPlace(id); });
      applyState(emptyState(), false);
      return true;
    }
    var zoom = data.cluster ? ownZoom(i) : Math.max(map.getZoom(), 8);
    map.setView([places[i][4], places[i][5]], Math.max(zoom, map.getZoom()), {animate: false});
    redraw();
    markerOf(i).openPopup();
    return true;
  }

  /* ---- the view in the URL hash --------------------------------------------------------- */
  var openId = null;
  function hashOf(st, place) {
    var parts = [];
    function put(key, value) { parts.push(key + "=" + encodeURIComponent(value)); }
    if (st.from !== null) put("from", isoDay(st.from));
    if (st.to !== null) put("to", isoDay(st.to));
    if (!st.undated) put("undated", "0");
    if (st.region >= 0) put("region", data.regionNames[st.region]);
    if (st.layer >= 0) put("layer", layers[st.layer][0]);
    var hidden = Object.keys(st.hidden).filter(function (kind) { return st.hidden[kind]; });
    if (hidden.length) parts.push("hide=" + hidden.sort().map(encodeURIComponent).join(","));
    if (st.q.trim()) put("q", st.q.trim());
    if (st.place >= 0) put("about", places[st.place][0]);
    if (st.sort !== "new") put("sort", st.sort);
    if (place) put("place", place);
    return parts.length ? "#" + parts.join("&") : "";
  }
  function parseHash(hash) {
    var st = emptyState(), place = null;
    hash.replace(/^#/, "").split("&").forEach(function (part) {
      var eq = part.indexOf("=");
      if (eq < 0) return;
      var key = part.slice(0, eq), value;
      try {
        value = key === "hide" ? part.slice(eq + 1).split(",").map(decodeURIComponent)
          : decodeURIComponent(part.slice(eq + 1));
      } catch (e) { return; }
      if (key === "from" || key === "to") st[key] = dayOf(value);
      else if (key === "undated") st.undated = value !== "0";
      else if (key === "region" && regionIndex.has(value)) st.region = regionIndex.get(value);
      else if (key === "layer" && layerIndex.has(value)) st.layer = layerIndex.get(value);
      else if (key === "hide") value.forEach(function (kind) { st.hidden[kind] = true; });
      else if (key === "q") st.q = value;
      else if (key === "about" && placeIndex.has(value)) st.place = placeIndex.get(value);
      else if (key === "sort" && value === "old") st.sort = "old";
      else if (key === "place") place = value;
    });
    return {state: st, place: place};
  }
  function writeHash(push) {
    var hash = hashOf(state, openId);
    if (hash === window.location.hash || (!hash && !window.location.hash)) return;
    var url = hash || window.location.pathname + window.location.search;
    if (push) window.history.pushState(null, "", url);
    else window.history.replaceState(null, "", url);
  }
  function sameState(a2, b2) { return hashOf(a2, null) === hashOf(b2, null); }
  function fromHash() {
    var parsed = parseHash(window.location.hash);
    if (!sameState(parsed.state, state)) applyState(parsed.state, false);
    if (parsed.place && parsed.place !== openId) openPlace(parsed.place);
  }
  window.addEventListener("hashchange", fromHash);
  window.addEventListener("popstate", fromHash);

  map.on("popupopen", function (e) {
    var row2 = e.popup._source && e.popup._source.geomapRow;
    if (row2) { openId = row2[0]; writeHash(false); }
  });
  map.on("popupclose", function (e) {
    var row2 = e.popup._source && e.popup._source.geomapRow;
    if (row2 && openId === row2[0]) { openId = null; writeHash(false); }
  });

  /* ---- applying a change ---------------------------------------------------------------- */
  var views = [];                     // functions that redraw a view from S
  function applyState(next, push) {
    if (starting) {                    // the first compute is still running: after it
      whenReady.push(function () { applyState(next, push); });
      return;
    }
    var zoom = (next.region !== state.region || next.layer !== state.layer) &&
      (next.region >= 0 || next.layer >= 0);
    state = next;
    compute();
    views.forEach(function (v) { v(); });
    var popup = map._popup, source = popup && popup._source;
    if (source && source.geomapIndex !== undefined && map.hasLayer(popup)) {
      if (S.plMen[source.geomapIndex] > 0) popup.update();
      else map.closePopup();
    }
    writeHash(push);
    api.ready = false;                 // one redraw below, not one more for the zoom's moveend
    if (zoom) zoomToChoice();
    reload();
  }
  /* Every chunk is in (a text query asked for them): match the query in their passages too. */
  function passagesIn() {
    var q = state.q.trim().toLowerCase();
    if (q && !passagesMissing(q)) applyState(JSON.parse(JSON.stringify(state)), false);
  }
  /* Change part of the state (a new history entry, so Back undoes it, unless ``replace``). */
  function setFilter(changes, replace) {
    var next = JSON.parse(JSON.stringify(state));
    Object.keys(changes || {}).forEach(function (key) { next[key] = changes[key]; });
    if (changes && "region" in changes && changes.region >= 0) next.layer = -1;
    if (changes && "layer" in changes && changes.layer >= 0) next.region = -1;
    applyState(next, !replace);
  }
  function zoomToChoice() {
    var box = null;
    function extend(b) {
      if (!b) return;
      box = box ? box.extend(L.latLngBounds(b)) : L.latLngBounds(b);
    }
    if (state.region >= 0) extend((data.regionBounds || [])[state.region]);
    for (var i = 0; i < NR; i++) if (state.layer >= 0 && layerOf[i] === state.layer) extend(data.regionBounds[i]);
    var li = state.region >= 0 ? layerOf[state.region] : state.layer;
    if (regionLayers[li] && !map.hasLayer(regionLayers[li])) map.addLayer(regionLayers[li]);
    if (box && box.isValid()) map.fitBounds(box, {maxZoom: 10, animate: false});
  }

  /* ---- page layout: map, side panel (search, filters, articles), timeline ---------------- */
  document.body.classList.add("gm-app");
  var side = el("aside", "gm-side"), timelineBox = el("div", "gm-timeline");
  side.id = "gm-side";
  timelineBox.id = "gm-timeline";
  document.body.appendChild(side);
  document.body.appendChild(timelineBox);
  map.invalidateSize();

  /* Search: places by name (a list to pick from) and words in titles and quoted passages. */
  var labels = null, searchInput = el("input"), searchNote = el("span", "gm-note");
  function searchLabel(row2) {
    return row2[1] + " (" + [row2[2], row2[3]].filter(Boolean).join(", ") + ")";
  }
  function buildLabels(list) {
    labels = new Map();
    var order = places.slice().sort(function (x, y) { return y[7] - x[7]; });
    var options = document.createDocumentFragment();
    order.forEach(function (row2) {
      var label = searchLabel(row2);
      if (labels.has(label)) return;
      labels.set(label, row2);
      var option = document.createElement("option");
      option.value = label;
      options.appendChild(option);
    });
    list.appendChild(options);
  }
  function fold(text) {             // case- and accent-insensitive (й stays й: NFC after stripping)
    return text.normalize("NFD").replace(/[\u0300-\u0305\u0307-\u036f]/g, "")
      .normalize("NFC").toLowerCase();
  }
  function findPlace(query) {
    query = query.trim();
    if (!query) return null;
    if (labels.has(query)) return labels.get(query);
    var q = fold(query), best = null, prefix = null;
    places.forEach(function (row2, i) {
      if (!S.plMen[i]) return;
      /* its gazetteer name and every form the articles wrote it in (Києва, Kiev, Киеве) */
      [row2[1]].concat(row2[13] || []).forEach(function (written) {
        var name = fold(written);
        if (name === q && (!best || row2[7] > best[7])) best = row2;
        if (!best && name.lastIndexOf(q, 0) === 0 && (!prefix || row2[7] > prefix[7])) prefix = row2;
      });
    });
    return best || prefix;
  }
  (function () {
    var box = el("div", "gm-search"), list = el("datalist");
    list.id = "gm-place-names";
    searchInput.type = "search";
    searchInput.placeholder = "Search places, titles, passages\u2026";
    searchInput.setAttribute("list", list.id);
    searchInput.setAttribute("aria-label", "search places by name and articles by words");
    var timer = null;
    function go(open) {
      window.clearTimeout(timer);
      if (!labels) buildLabels(list);
      var value = searchInput.value, picked = labels.has(value.trim()) ? labels.get(value.trim()) : null;
      if (picked) {                         // a name from the list: that place, no text filter
        if (state.q) setFilter({q: ""});
        searchNote.textContent = "";
        openPlace(picked[0]);
        return;
      }
      if (value.trim() !== state.q.trim()) setFilter({q: value}, !open);
      function found() {
        var row2 = open ? findPlace(value) : null;
        searchNote.textContent = !value.trim() ? "" : S.mentions ? plural(S.articles, "article") +
          ", " + plural(S.places, "place") : "nothing found";
        if (row2) openPlace(row2[0]);
      }
      if (api.ready) found();
      else {                                // the query waits for every chunk of passages
        searchNote.textContent = "searching the passages\u2026";
        whenReady.push(found);
      }
    }
    searchInput.addEventListener("focus", function () {
      if (!labels) buildLabels(list);
      warm();
    });
    searchInput.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { go(false); }, 250);
    });
    searchInput.addEventListener("keydown", function (e) { if (e.key === "Enter") go(true); });
    searchInput.addEventListener("change", function () { go(false); });
    box.appendChild(searchInput);
    box.appendChild(list);
    box.appendChild(searchNote);
    side.appendChild(box);
  })();

  /* Filters: dates, undated, region or whole layer, the chosen place; a reset. */
  var fromInput = el("input"), toInput = el("input"), undatedBox = el("input");
  var regionSelect = el("select"), status = el("p", "gm-status"), chip = el("p", "gm-chip");
  (function () {
    var box = el("div", "gm-filters"), dates = el("div", "gm-dates");
    [fromInput, toInput].forEach(function (input, i) {
      input.type = "date";
      input.setAttribute("aria-label", i ? "articles up to" : "articles from");
      if (dated) { input.min = isoDay(firstDay); input.max = isoDay(lastDay); }
      input.addEventListener("change", function () {
        setFilter({from: dayOf(fromInput.value), to: dayOf(toInput.value)});
      });
    });
    dates.appendChild(el("span", null, "Articles from "));
    dates.appendChild(fromInput);
    dates.appendChild(el("span", null, " to "));
    dates.appendChild(toInput);
    box.appendChild(dates);
    var undated = el("label", "gm-undated");
    undatedBox.type = "checkbox";
    undatedBox.checked = true;
    undatedBox.addEventListener("change", function () { setFilter({undated: undatedBox.checked}); });
    undated.appendChild(undatedBox);
    undated.appendChild(document.createTextNode(" include undated articles"));
    box.appendChild(undated);
    if (NR) {
      regionSelect.setAttribute("aria-label", "only places in this region or layer");
      regionSelect.appendChild(new Option("In any region", ""));
      layers.forEach(function (l, li) {
        var optgroup = el("optgroup");
        optgroup.label = l[1];
        optgroup.appendChild(new Option("All of: " + l[1], "L" + li));
        for (var i = 0; i < NR; i++) {
          if (layerOf[i] === li && regions[i] !== l[1]) optgroup.appendChild(new Option(regions[i], "R" + i));
        }
        regionSelect.appendChild(optgroup);
      });
      regionSelect.addEventListener("change", function () {
        var v = regionSelect.value;
        setFilter({region: v[0] === "R" ? Number(v.slice(1)) : -1,
                   layer: v[0] === "L" ? Number(v.slice(1)) : -1});
      });
      box.appendChild(regionSelect);
    }
    box.appendChild(chip);
    box.appendChild(status);
    side.appendChild(box);
  })();
  views.push(function () {           // controls follow the state (Back, a link, a reset)
    fromInput.value = state.from === null ? "" : isoDay(state.from);
    toInput.value = state.to === null ? "" : isoDay(state.to);
    undatedBox.checked = state.undated;
    regionSelect.value = state.region >= 0 ? "R" + state.region : state.layer >= 0 ? "L" + state.layer : "";
    if (document.activeElement !== searchInput) searchInput.value = state.q;
    chip.textContent = "";
    if (state.place >= 0) {
      chip.appendChild(document.createTextNode("Only articles naming " + places[state.place][1] + " "));
      chip.appendChild(button("\u00d7", "show articles about every place",
        function () { setFilter({place: -1}); }));
    }
    status.textContent = plural(S.articles, "article") + ", " + plural(S.places, "place") +
      " of " + NP + ", " + plural(S.mentions, "mention") + " ";
    if (filtered()) {
      status.appendChild(button("Clear filters", "show everything", function () {
        var next = emptyState();
        next.sort = state.sort;
        applyState(next, true);
      }));
    }
    syncKinds();
  });

  geomapViews({
    el: el, button: button, plural: plural, isoDay: isoDay, articleHref: articleHref,
    control: control, setFilter: setFilter, openPlace: openPlace, pairOk: pairOk,
    state: function () { return state; }, S: S, data: data, places: places, articles: articles,
    regions: regions, layers: layers, layerOf: layerOf, NA: NA, NR: NR, artDay: artDay,
    artOrder: artOrder, artPos: artPos,
    perArt: perArt, artPlaces: artPlaces, side: side, timelineBox: timelineBox, views: views,
    time: {NB: NB, unit: unit, dated: dated, firstDay: firstDay, lastDay: lastDay,
           binOf: binOf, binStart: binStart, binEnd: binEnd}
  });


  function control(position, className, build) {
    var c = L.control({position: position});
    c.onAdd = function () {
      var box = el("div", className + " leaflet-bar gm-box");
      build(box);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    c.addTo(map);
    return c;
  }

  /* Kinds: one (empty) overlay per kind in the layer control toggles its markers. */
  var kindLayers = {}, syncing = false;
  var kinds = Array.from(new Set(places.map(function (row2) { return row2[2]; }))).sort();
  kinds.forEach(function (kind) {
    var n = places.filter(function (row2) { return row2[2] === kind; }).length;
    kindLayers[kind] = L.layerGroup().addTo(map);
    kindLayers[kind].geomapKind = kind;
    if (layerControl) {
      layerControl.addOverlay(kindLayers[kind],
        escapeHtml("Places: " + (kind || "unknown kind") + " (" + n + ")"));
    }
  });
  function syncKinds() {             // the layer control's boxes follow state.hidden
    syncing = true;
    kinds.forEach(function (kind) {
      var on = !state.hidden[kind];
      if (on !== map.hasLayer(kindLayers[kind])) {
        if (on) map.addLayer(kindLayers[kind]); else map.removeLayer(kindLayers[kind]);
      }
    });
    syncing = false;
  }
  function toggleKind(e, on) {
    if (syncing || e.layer.geomapKind === undefined) return;
    if (!state.hidden[e.layer.geomapKind] === on) return;
    var hidden = Object.assign({}, state.hidden);
    if (on) delete hidden[e.layer.geomapKind]; else hidden[e.layer.geomapKind] = true;
    setFilter({hidden: hidden});
  }
  map.on("overlayadd", function (e) { toggleKind(e, true); drawLegend(); });
  map.on("overlayremove", function (e) { toggleKind(e, false); drawLegend(); });
  api.kinds = kindLayers;

  /* Offline base map: country outlines when there are no tiles or they fail to load. The tile
   * credit shows only while tiles do show. */
  var outlines = null;
  function showOutlines() {
    if (outlines) return;
    var source = document.getElementById("geomap-world");
    if (!source) return;
    map.createPane("gm-base").style.zIndex = 150;       // under tiles that do load
    outlines = L.geoJSON(null, {
      pane: "gm-base", interactive: false, renderer: L.canvas({pane: "gm-base"}),
      style: {color: "#8a8a8a", weight: 0.7, fillColor: "#f4f1ea", fillOpacity: 1}
    }).addTo(map);
    map.getContainer().classList.add("gm-offline");
    if (layerControl) layerControl.addOverlay(outlines, "Country outlines (offline)");
    var world = JSON.parse(source.textContent), features = world.features || [], f = 0;
    geomapSliced(function () {         // the countries a slice at a time (no long task)
      if (f >= features.length) return false;
      outlines.addData(features[f++]);
      return true;
    }, function () { api.outlines = outlines.getLayers().length; });   // countries drawn
  }
  if (!data.tiles || !tileLayer) window.setTimeout(showOutlines, 0);   // a task of its own
  else {
    var credit = tileLayer.getAttribution && tileLayer.getAttribution(), credited = false;
    if (credit) map.attributionControl.removeAttribution(credit);
    tileLayer.on("tileload", function () {
      if (!credited && credit) { credited = true; map.attributionControl.addAttribution(credit); }
    });
    tileLayer.once("tileerror", showOutlines);
  }

  /* Legend: marker sizes, then the region layers that are on the map. */
  var legendBox = null;
  function drawLegend() {
    if (!legendBox) return;
    legendBox.textContent = "";
    legendBox.appendChild(el("strong", null, data.title));
    BUCKETS.forEach(function (text, b) {
      var pin = el("div", "gm-entry");
      pin.appendChild(el("span", "gm-pin gm-pin" + b + " gm-swatch-pin"));
      pin.appendChild(document.createTextNode(" " + text));
      legendBox.appendChild(pin);
    });
    if (data.cluster) legendBox.appendChild(el("div", "gm-entry", "numbers: clustered places"));
    data.legend.forEach(function (entry, i) { // [label, outline, fill, opacity(, shades, most)]
      if (regionLayers[i] && !map.hasLayer(regionLayers[i])) return;
      var line = el("div", "gm-entry"), sw = el("span", "gm-swatch"), swatchFill = el("span");
      sw.style.borderColor = entry[1];
      if (entry[2] && !entry[4]) {
        swatchFill.style.backgroundColor = entry[2];
        swatchFill.style.opacity = Math.max(0.25, Math.min(1, entry[3] * 2));
        sw.appendChild(swatchFill);
      }
      line.appendChild(sw);
      line.appendChild(document.createTextNode(" " + entry[0]));
      legendBox.appendChild(line);
      if (entry[4]) {
        var scale = el("div", "gm-entry gm-shades");
        entry[4].forEach(function (colour) {
          var s = el("span", "gm-shade");
          s.style.backgroundColor = colour;
          scale.appendChild(s);
        });
        scale.appendChild(document.createTextNode(" mentions 1\u2013" + entry[5]));
        legendBox.appendChild(scale);
      }
    });
  }
  control("bottomright", "gm-legend", function (box) { legendBox = box; });
  drawLegend();

  if (map.getMaxZoom() === Infinity) map.setMaxZoom(18);   // no tile layer to set it
  if (data.bounds) map.fitBounds(data.bounds, {maxZoom: 8, animate: false});
  group.addTo(map);
  if (layerControl) layerControl.addOverlay(group, "Places");
  map.on("moveend", function () {      // (or while a query waits for its passages)
    if (api.ready || passagesMissing(state.q.trim().toLowerCase())) redraw();
  });
  map.attributionControl.addAttribution(data.attribution);

  var initial = parseHash(window.location.hash);
  state = initial.state;
  computeStart();
  var done = 0, SLICE = 2000;
  geomapSliced(function () {           // the first compute, a slice of places at a time
    if (done >= NP) return false;
    computePlaces(done, Math.min(NP, done + SLICE));
    done += SLICE;
    return true;
  }, function () {
    computeEnd();
    var v = 0;
    (function nextView() {             // then every view, each in a task of its own
      if (v < views.length) {
        views[v++]();
        window.setTimeout(geomapGuarded(nextView), 0);
        return;
      }
      if (state.region >= 0 || state.layer >= 0) zoomToChoice();
      if (initial.place) whenReady.push(function () { openPlace(initial.place); });
      starting = false;
      reload();
    })();
  });
}
