/* geomap: place markers, on-demand pop-ups, filters, search, legend, region table, offline
 * base map and #place=<id> links for map.html.
 *
 * data.places rows: [id, name, kind, country, lat, lon, [region#], mentions, articles,
 *                    quotes, passages, place page (0: placePage(id)), dates, written names];
 * dates: the distinct article dates, the first in days since 1970-01-01, each next one as days
 *        after the previous; written names: how the articles write the place (other than its
 *        name: "Херсоні", "Kiev"), for the search;
 * quotes: [article#, passage anchor (-1: none), text#, offset, length, cut flags (1: start,
 *          2: end), [start, end, ...] highlights relative to the quote];
 * data.articles rows: [page, title, date]; data.texts: quoted passage text, shared by quotes;
 * data.regions: region labels (configured regions first); data.regionCounts: per configured
 * region [layer label, places, mentions, articles]; data.legend: [label, outline, fill,
 * opacity(, choropleth colours, most mentions)]; data.tiles: false when there is no tile layer.
 * The element #geomap-world holds GeoJSON country outlines, parsed only when they are shown.
 * Every string from the data is untrusted: it only ever goes into textContent, a text node or an
 * attribute set through the DOM, and links are made from our own page names.
 */
function geomapInit(map, layerControl, data, tileLayer) {
  "use strict";
  var places = data.places, articles = data.articles, regions = data.regions, texts = data.texts;
  var DAY = 86400000;

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

  /* The place page's file stem, as render.place_page.escaped_name makes it. */
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

  function quoteNode(quote) {
    var text = texts[quote[2]].substr(quote[3], quote[4]), marks = quote[6];
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
    var box = el("div", "gm-pop");
    box.appendChild(el("h3", null, row[1]));
    box.appendChild(el("p", "gm-facts", [row[2], row[3]].filter(Boolean).join(" \u00b7 ")));
    if (row[6].length) {   // a region's label with its layer's: "Donetsk" alone is ambiguous
      box.appendChild(el("p", "gm-in", "In: " + row[6].map(function (r) {
        var layer = data.regionCounts[r] && data.regionCounts[r][0];
        return layer && layer !== regions[r] ? regions[r] + " (" + layer + ")" : regions[r];
      }).join("; ")));
    }
    var count = el("p", "gm-count",
      plural(row[7], "mention") + " in " + plural(row[8], "article") + " \u00b7 ");
    var all = el("a", "gm-all", "all " + plural(row[7], "mention"));
    all.href = "places/" + encodeURIComponent(placePage(row)) + ".html";
    count.appendChild(all);
    box.appendChild(count);
    var list = el("ol", "gm-quotes"), item = null, previous = -1;
    row[9].forEach(function (q) {      // quotes of one article are adjacent: one title for them
      var a = articles[q[0]];
      if (q[0] !== previous) {
        item = el("li");
        var title = el("a", "gm-title", a[1]);
        title.href = articleHref(a[0], q[1]);
        item.appendChild(title);
        if (a[2]) item.appendChild(el("span", "gm-date", " " + a[2]));
        list.appendChild(item);
        previous = q[0];
      }
      var quote = quoteNode(q), link = el("a", "gm-passage", "\u00b6");
      link.href = articleHref(a[0], q[1]);
      link.title = "read this passage in the article";
      quote.appendChild(document.createTextNode(" "));
      quote.appendChild(link);
      item.appendChild(quote);
    });
    box.appendChild(list);
    if (row[10] > row[9].length) {
      box.appendChild(el("p", "gm-more", "\u2026 and " +
        plural(row[10] - row[9].length, "more passage") + " (newest shown)"));
    }
    return box;
  }

  // Size and colour by mention count: 1-2, 3-19, 20 or more.
  var BUCKETS = ["1\u20132 mentions", "3\u201319 mentions", "20+ mentions"];
  var icons = [10, 14, 18].map(function (size, i) {
    return L.divIcon({className: "gm-pin gm-pin" + i, iconSize: [size, size]});
  });
  function bucket(mentions) { return mentions < 3 ? 0 : mentions < 20 ? 1 : 2; }

  var group = data.cluster
    ? L.markerClusterGroup({chunkedLoading: true, chunkInterval: 300, chunkDelay: 5,
                            showCoverageOnHover: false, maxClusterRadius: 50,
                            chunkProgress: progress})
    : L.featureGroup();
  var markers = new Array(places.length), byId = new Map(), shown = new Set();
  for (var i = 0; i < places.length; i++) {
    var row = places[i];
    var marker = L.marker([row[4], row[5]], {icon: icons[bucket(row[7])], title: row[1],
                                             alt: row[1]});
    marker.geomapRow = row;
    marker.bindPopup(function (layer) { return popupFor(layer.geomapRow); },
                     {maxWidth: 380, minWidth: 240, autoPanPadding: [30, 30]});
    markers[i] = marker;
    byId.set(row[0], marker);
  }

  var api = window.geomap = {ready: false, places: places.length, shown: 0, map: map,
                             group: group, open: openPlace, filter: filter,
                             isShown: function (id) { return shown.has(byId.get(id)); }};
  var whenReady = [];

  // markercluster reports the last chunk before it puts the markers on the map: wait a tick.
  // Only reports during our own load() count: adding the group to the map reports an empty
  // "load" of its own (0 of 0), which once made the map ready with most markers still pending.
  // A filter changed meanwhile is applied only now (markercluster cannot stop a chunked load).
  var loading = false, reloadWanted = false;
  function progress(done, total) {
    if (done === total && loading) {
      loading = false;
      window.setTimeout(function () {
        if (reloadWanted) { reloadWanted = false; reload(); return; }
        api.ready = true;
        var queued = whenReady;
        whenReady = [];
        queued.forEach(function (f) { f(); });
      }, 0);
    }
  }

  /* Filters: kinds (layer control), region (select), article dates (two date inputs). */
  var state = {kinds: {}, region: -1, from: null, to: null};
  places.forEach(function (row) { state.kinds[row[2]] = true; });

  function inDates(steps) {
    if (state.from === null && state.to === null) return true;
    for (var i = 0, day = 0; i < steps.length; i++) {
      day += steps[i];
      if (state.to !== null && day > state.to) return false;
      if (state.from === null || day >= state.from) return true;
    }
    return false;
  }

  function passes(row) {
    return state.kinds[row[2]] && (state.region < 0 || row[6].indexOf(state.region) >= 0) &&
      inDates(row[12]);
  }

  function load(list) {
    api.ready = false;
    loading = true;
    shown = new Set(list);
    api.shown = list.length;
    group.clearLayers();
    if (group.addLayers) group.addLayers(list);
    else list.forEach(function (m) { group.addLayer(m); });
    if (!data.cluster || list.length === 0) progress(1, 1);
    if (status) status.textContent = "(" + list.length + " of " + places.length + ")";
  }

  /* Re-filter; ``changes`` may set kinds, region, from, to (days since 1970, or null). */
  function filter(changes) {
    Object.keys(changes || {}).forEach(function (k) { state[k] = changes[k]; });
    map.closePopup();
    if (api.ready) reload();
    else reloadWanted = true;
  }

  function reload() { load(markers.filter(function (m) { return passes(m.geomapRow); })); }

  function openPlace(id) {
    var marker = byId.get(id);
    if (!marker) return false;
    if (!api.ready) {                  // still loading: open it once every marker is placed
      whenReady.push(function () { openPlace(id); });
      return true;
    }
    if (!shown.has(marker)) {          // hidden by a filter: show everything again, then open
      resetFilters();
      whenReady.push(function () { openPlace(id); });
      return true;
    }
    if (group.zoomToShowLayer) {
      group.zoomToShowLayer(marker, function () { marker.openPopup(); });
    } else {
      map.setView(marker.getLatLng(), Math.max(map.getZoom(), 8));
      marker.openPopup();
    }
    return true;
  }

  function openFromHash() {
    var match = /^#place=(.+)$/.exec(window.location.hash);
    if (!match) return;
    try { openPlace(decodeURIComponent(match[1])); } catch (e) { /* malformed: ignore */ }
  }

  map.on("popupopen", function (e) {
    var row = e.popup._source && e.popup._source.geomapRow;
    if (row && window.history.replaceState) {
      window.history.replaceState(null, "", "#place=" + encodeURIComponent(row[0]));
    }
  });
  window.addEventListener("hashchange", openFromHash);

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

  /* Search by place name: a text input with a datalist built on first focus. */
  var labels = null;
  function searchLabel(row) {
    return row[1] + " (" + [row[2], row[3]].filter(Boolean).join(", ") + ")";
  }
  function buildLabels(list) {
    labels = new Map();
    var order = places.slice().sort(function (a, b) { return b[7] - a[7]; });
    var options = document.createDocumentFragment();
    order.forEach(function (row) {
      var label = searchLabel(row);
      if (labels.has(label)) return;
      labels.set(label, row);
      var option = document.createElement("option");
      option.value = label;
      options.appendChild(option);
    });
    list.appendChild(options);
  }
  /* Search keys: lowercase, diacritics and the breve/diaeresis of й ї ё dropped (as the
   * gazetteer's normalize() does), so "Киів", "київ" and "Київ" are one query. */
  function fold(text) {
    return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }
  function findPlace(query) {
    query = query.trim();
    if (!query) return null;
    if (labels.has(query)) return labels.get(query);
    var q = fold(query), best = null, prefix = null;
    places.forEach(function (row) {   // its name, then every form the articles write it in
      [row[1]].concat(row[13] || []).forEach(function (written) {
        var name = fold(written);
        if (name === q && (!best || row[7] > best[7])) best = row;
        if (!best && name.lastIndexOf(q, 0) === 0 && (!prefix || row[7] > prefix[7])) prefix = row;
      });
    });
    return best || prefix;
  }
  control("topleft", "gm-search", function (box) {
    var list = el("datalist"), input = el("input"), note = el("span", "gm-note");
    list.id = "gm-place-names";
    input.type = "search";
    input.placeholder = "Find a place\u2026";
    input.setAttribute("list", list.id);
    input.setAttribute("aria-label", "find a place by name");
    function go() {
      if (!labels) buildLabels(list);
      var row = findPlace(input.value);
      note.textContent = row || !input.value.trim() ? "" : "not on the map";
      if (row) openPlace(row[0]);
    }
    input.addEventListener("focus", function () { if (!labels) buildLabels(list); });
    input.addEventListener("change", go);
    input.addEventListener("keydown", function (e) { if (e.key === "Enter") go(); });
    box.appendChild(input);
    box.appendChild(list);
    box.appendChild(note);
  });

  /* Filters: region select and article date range. */
  var status = null, fromInput = null, toInput = null, regionSelect = null;
  var firstDay = Infinity, lastDay = -Infinity;
  places.forEach(function (row) {
    var steps = row[12], day = 0;
    for (var i = 0; i < steps.length; i++) day += steps[i];
    if (steps.length) {
      firstDay = Math.min(firstDay, steps[0]);
      lastDay = Math.max(lastDay, day);
    }
  });
  function isoDay(days) { return new Date(days * DAY).toISOString().slice(0, 10); }
  function dayOf(value) { return value ? Math.floor(Date.parse(value) / DAY) : null; }

  control("topleft", "gm-filters", function (outer) {   // collapsed until needed
    var box = el("details"), summary = el("summary", null, "Filter places ");
    status = el("span", "gm-note");
    summary.appendChild(status);
    box.appendChild(summary);
    outer.appendChild(box);
    if (data.regionCounts.length) {
      regionSelect = el("select");
      regionSelect.setAttribute("aria-label", "only places in this region");
      regionSelect.appendChild(new Option("in any region", "-1"));
      data.regionCounts.forEach(function (c, r) {
        regionSelect.appendChild(new Option(regions[r] + " (" + c[0] + ")", String(r)));
      });
      regionSelect.addEventListener("change", function () {
        filter({region: Number(regionSelect.value)});
      });
      box.appendChild(regionSelect);
    }
    var dates = el("div", "gm-dates");
    fromInput = el("input");
    toInput = el("input");
    [fromInput, toInput].forEach(function (input, k) {
      input.type = "date";
      input.setAttribute("aria-label", k ? "articles up to" : "articles from");
      if (firstDay <= lastDay) {
        input.min = isoDay(firstDay);
        input.max = isoDay(lastDay);
      }
      input.addEventListener("change", function () {
        filter({from: dayOf(fromInput.value), to: dayOf(toInput.value)});
      });
    });
    dates.appendChild(el("span", null, "articles from "));
    dates.appendChild(fromInput);
    dates.appendChild(el("span", null, " to "));
    dates.appendChild(toInput);
    box.appendChild(dates);
  });

  var kindLayers = {};
  function resetFilters() {
    if (fromInput) fromInput.value = toInput.value = "";
    if (regionSelect) regionSelect.value = "-1";
    Object.keys(kindLayers).forEach(function (k) {
      state.kinds[k] = true;             // first, so that the overlayadd below changes nothing
      if (!map.hasLayer(kindLayers[k])) map.addLayer(kindLayers[k]);
    });
    filter({region: -1, from: null, to: null});
  }

  /* Kinds: one (empty) overlay per kind in the layer control toggles its markers. */
  var kinds = Object.keys(state.kinds).sort();
  kinds.forEach(function (kind) {
    var n = places.filter(function (row) { return row[2] === kind; }).length;
    kindLayers[kind] = L.layerGroup().addTo(map);
    kindLayers[kind].geomapKind = kind;
    if (layerControl) {
      layerControl.addOverlay(kindLayers[kind],
        escapeHtml("Places: " + (kind || "unknown kind") + " (" + n + ")"));
    }
  });
  function toggleKind(e, on) {
    if (e.layer.geomapKind === undefined || state.kinds[e.layer.geomapKind] === on) return;
    var next = Object.assign({}, state.kinds);
    next[e.layer.geomapKind] = on;
    filter({kinds: next});
  }
  map.on("overlayadd", function (e) { toggleKind(e, true); });
  map.on("overlayremove", function (e) { toggleKind(e, false); });
  api.kinds = kindLayers;

  /* Offline base map: country outlines when there are no tiles or they fail to load. */
  var outlines = null;
  function showOutlines() {
    if (outlines) return;
    var source = document.getElementById("geomap-world");
    if (!source) return;
    map.createPane("gm-base").style.zIndex = 150;       // under tiles that do load
    outlines = L.geoJSON(JSON.parse(source.textContent), {
      pane: "gm-base", interactive: false, renderer: L.canvas({pane: "gm-base"}),
      style: {color: "#8a8a8a", weight: 0.7, fillColor: "#f4f1ea", fillOpacity: 1}
    }).addTo(map);
    map.getContainer().classList.add("gm-offline");
    if (layerControl) layerControl.addOverlay(outlines, "Country outlines (offline)");
    api.outlines = outlines.getLayers().length;        // countries drawn
  }
  if (!data.tiles || !tileLayer) showOutlines();
  else tileLayer.once("tileerror", showOutlines);

  if (map.getMaxZoom() === Infinity) map.setMaxZoom(18);   // no tile layer to set it
  if (data.bounds) map.fitBounds(data.bounds, {maxZoom: 8, animate: false});
  group.addTo(map);   // before adding markers: markercluster reports chunkProgress only on a map
  if (layerControl) layerControl.addOverlay(group, "Places");
  whenReady.push(openFromHash);
  load(markers);

  map.attributionControl.addAttribution(data.attribution);

  /* Region table: counts per configured region, collapsed by default. */
  if (data.regionCounts.length) {
    control("bottomleft", "gm-regions", function (box) {
      var details = el("details"), table = el("table"), head = el("tr");
      details.appendChild(el("summary", null, "Regions (" + data.regionCounts.length + ")"));
      ["region", "layer", "places", "mentions", "articles"].forEach(function (h) {
        head.appendChild(el("th", null, h));
      });
      table.appendChild(head);
      data.regionCounts.forEach(function (c, r) {
        var tr = el("tr");
        tr.appendChild(el("td", null, regions[r]));
        tr.appendChild(el("td", null, c[0]));
        for (var k = 1; k < 4; k++) tr.appendChild(el("td", "gm-num", String(c[k])));
        table.appendChild(tr);
      });
      details.appendChild(table);
      box.appendChild(details);
    });
  }

  control("bottomright", "gm-legend", function (box) {
    box.appendChild(el("strong", null, data.title));
    BUCKETS.forEach(function (text, b) {
      var pin = el("div", "gm-entry");
      pin.appendChild(el("span", "gm-pin gm-pin" + b + " gm-swatch-pin"));
      pin.appendChild(document.createTextNode(" " + text));
      box.appendChild(pin);
    });
    box.appendChild(el("div", "gm-entry", "numbers: clustered places"));
    data.legend.forEach(function (entry) {   // [label, outline, fill, opacity(, shades, most)]
      var line = el("div", "gm-entry"), sw = el("span", "gm-swatch"), fill = el("span");
      sw.style.borderColor = entry[1];
      if (entry[2] && !entry[4]) {
        fill.style.backgroundColor = entry[2];
        fill.style.opacity = Math.max(0.25, Math.min(1, entry[3] * 2));
        sw.appendChild(fill);
      }
      line.appendChild(sw);
      line.appendChild(document.createTextNode(" " + entry[0]));
      box.appendChild(line);
      if (entry[4]) {
        var scale = el("div", "gm-entry gm-shades");
        entry[4].forEach(function (colour) {
          var s = el("span", "gm-shade");
          s.style.backgroundColor = colour;
          scale.appendChild(s);
        });
        scale.appendChild(document.createTextNode(" mentions 1\u2013" + entry[5]));
        box.appendChild(scale);
      }
    });
  });
}
