/* geomap: place markers, on-demand pop-ups, legend and #place=<id> links for map.html.
 *
 * data.places rows: [id, name, kind, country, lat, lon, [region#], mentions, articles,
 *                    quotes, passages];
 * quotes: [article#, passage anchor (-1: none), text#, offset, length, cut flags (1: start,
 *          2: end), [start, end, ...] highlights relative to the quote];
 * data.articles rows: [page, title, date]; data.texts: quoted passage text, shared by quotes.
 * Every string from the data is untrusted: it only ever goes into textContent or a text node,
 * and links are made from our own page names.
 */
function geomapInit(map, layerControl, data) {
  "use strict";
  var places = data.places, articles = data.articles, regions = data.regions, texts = data.texts;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

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
    var names = row[6].map(function (r) { return regions[r]; });
    var facts = [row[2], row[3]].concat(names).filter(Boolean).join(" \u00b7 ");
    box.appendChild(el("p", "gm-facts", facts));
    box.appendChild(el("p", "gm-count",
      plural(row[7], "mention") + " in " + plural(row[8], "article")));
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

  var icons = [10, 14, 18].map(function (size, i) {
    return L.divIcon({className: "gm-pin gm-pin" + i, iconSize: [size, size]});
  });
  function iconFor(mentions) { return icons[mentions < 3 ? 0 : mentions < 20 ? 1 : 2]; }

  var group = data.cluster
    ? L.markerClusterGroup({chunkedLoading: true, showCoverageOnHover: false,
                            maxClusterRadius: 50, chunkProgress: progress})
    : L.featureGroup();
  var markers = new Array(places.length), byId = new Map();
  for (var i = 0; i < places.length; i++) {
    var row = places[i];
    var marker = L.marker([row[4], row[5]], {icon: iconFor(row[7]), title: row[1], alt: row[1]});
    marker.geomapRow = row;
    marker.bindPopup(function (layer) { return popupFor(layer.geomapRow); },
                     {maxWidth: 380, minWidth: 240, autoPanPadding: [30, 30]});
    markers[i] = marker;
    byId.set(row[0], marker);
  }

  var api = window.geomap = {ready: false, places: places.length, map: map, group: group,
                             open: openPlace};

  function openPlace(id) {
    var marker = byId.get(id);
    if (!marker) return false;
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
    if (!match || !api.ready) return;
    try { openPlace(decodeURIComponent(match[1])); } catch (e) { /* malformed: ignore */ }
  }

  // markercluster reports the last chunk before it puts the markers on the map: wait a tick.
  function progress(done, total) {
    if (done === total && !api.ready) {
      window.setTimeout(function () { api.ready = true; openFromHash(); }, 0);
    }
  }

  map.on("popupopen", function (e) {
    var row = e.popup._source && e.popup._source.geomapRow;
    if (row && window.history.replaceState) {
      window.history.replaceState(null, "", "#place=" + encodeURIComponent(row[0]));
    }
  });
  window.addEventListener("hashchange", openFromHash);

  if (data.bounds) map.fitBounds(data.bounds, {maxZoom: 8, animate: false});
  group.addTo(map);   // before adding markers: markercluster reports chunkProgress only on a map
  if (group.addLayers) group.addLayers(markers);
  else markers.forEach(function (m) { group.addLayer(m); });
  if (layerControl) layerControl.addOverlay(group, "Places");
  if (!data.cluster || places.length === 0) progress(1, 1);

  map.attributionControl.addAttribution(data.attribution);

  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () {
    var box = el("div", "gm-legend leaflet-bar");
    box.appendChild(el("strong", null, data.title));
    var pin = el("div", "gm-entry");
    pin.appendChild(el("span", "gm-pin gm-pin1 gm-swatch-pin"));
    pin.appendChild(document.createTextNode(" place (size: mentions); numbers: clustered places"));
    box.appendChild(pin);
    data.legend.forEach(function (entry) {   // [label, outline, fill or "", fill opacity]
      var line = el("div", "gm-entry"), sw = el("span", "gm-swatch"), fill = el("span");
      sw.style.borderColor = entry[1];
      if (entry[2]) {
        fill.style.backgroundColor = entry[2];
        fill.style.opacity = Math.max(0.25, Math.min(1, entry[3] * 2));
        sw.appendChild(fill);
      }
      line.appendChild(sw);
      line.appendChild(document.createTextNode(" " + entry[0]));
      box.appendChild(line);
    });
    L.DomEvent.disableClickPropagation(box);
    return box;
  };
  legend.addTo(map);
}
