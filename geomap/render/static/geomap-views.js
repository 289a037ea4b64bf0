/* geomap: the views of map.html that show the filtered subset beside the map: the articles
 * panel, names not placed, the timeline and the region table (with a sparkline per region).
 * Loaded before geomap.js, which calls geomapViews(g) with its shared state: ``g.S`` is the
 * current subset (geomap.js's compute() fills it), ``g.state()`` the filter state, ``g.views``
 * the redraw functions run after every change. Untrusted strings only ever reach textContent,
 * text nodes and attributes set through the DOM (as in geomap.js).
 */
function geomapViews(g) {
  "use strict";
  var el = g.el, button = g.button, plural = g.plural, isoDay = g.isoDay;
  var articleHref = g.articleHref, control = g.control, setFilter = g.setFilter;
  var openPlace = g.openPlace, pairOk = g.pairOk, S = g.S, data = g.data, views = g.views;
  var places = g.places, articles = g.articles, regions = g.regions, layers = g.layers;
  var layerOf = g.layerOf, NA = g.NA, NR = g.NR, artDay = g.artDay, perArt = g.perArt;
  var artPlaces = g.artPlaces, side = g.side, timelineBox = g.timelineBox;
  var NB = g.time.NB, unit = g.time.unit, dated = g.time.dated, firstDay = g.time.firstDay;
  var lastDay = g.time.lastDay, binOf = g.time.binOf, binStart = g.time.binStart;
  var binEnd = g.time.binEnd;

  /* Articles panel: the matching articles, newest or oldest first, a page at a time. */
  var PAGE = 100;
  (function () {
    var box = el("section", "gm-articles"), head = el("div", "gm-articles-head");
    var title = el("h2", null, "Articles"), sortButton = el("button", "gm-btn gm-sort");
    var list = el("ol", "gm-article-list"), more = el("p", "gm-more-articles"), limit = PAGE;
    sortButton.type = "button";
    sortButton.addEventListener("click", function () {
      setFilter({sort: g.state().sort === "new" ? "old" : "new"});
    });
    head.appendChild(title);
    head.appendChild(sortButton);
    box.appendChild(head);
    box.appendChild(list);
    box.appendChild(more);
    side.appendChild(box);
    function ordered() {
      var out = [], undated = [], i;
      for (var k = 0; k < NA; k++) {
        i = g.artOrder[k];
        if (!S.artMen[i]) continue;
        (isNaN(artDay[i]) ? undated : out).push(i);
      }
      if (g.state().sort === "old") out.reverse();
      return out.concat(undated);
    }
    function item(i) {
      var row2 = articles[i], li = el("li", "gm-article"), link = el("a", "gm-article-title", row2[1]);
      link.href = articleHref(row2[0], -1);
      li.appendChild(link);
      li.appendChild(el("div", "gm-article-meta",
        [row2[2] || "undated", row2[3]].filter(Boolean).join(" \u00b7 ")));
      var names = el("div", "gm-article-places"), seen = 0, extra = 0;
      for (var k2 = perArt[i]; k2 < perArt[i + 1]; k2++) {
        var p2 = artPlaces[k2];
        if (!S.placeOk[p2] || !pairOk(p2, i)) continue;
        if (seen++ >= 8) { extra++; continue; }
        var b = button(places[p2][1], "show it on the map", openPlace.bind(null, places[p2][0]));
        b.className = "gm-place-link";
        names.appendChild(b);
      }
      if (extra) names.appendChild(el("span", "gm-note", " +" + extra + " more"));
      li.appendChild(names);
      return li;
    }
    function draw() {
      var order = ordered(), frag = document.createDocumentFragment();
      title.textContent = "Articles (" + order.length + ")";
      sortButton.textContent = g.state().sort === "new" ? "Newest first \u2193" : "Oldest first \u2191";
      sortButton.title = "sort by date the other way";
      order.slice(0, limit).forEach(function (i) { frag.appendChild(item(i)); });
      list.textContent = "";
      list.appendChild(frag);
      more.textContent = "";
      if (order.length > limit) {
        more.appendChild(button("Show " + Math.min(PAGE, order.length - limit) + " more of " +
          (order.length - limit), null, function () { limit += PAGE; draw(); }));
      }
    }
    views.push(function () { limit = PAGE; draw(); });
  })();

  /* Names not placed: names the gazetteer could not place, with links to their passages. */
  var unplaced = data.unplaced || [];
  if (unplaced.length) {
    (function () {
      var details = el("details", "gm-unplaced"), summary = el("summary"), list = el("ol");
      details.appendChild(summary);
      details.appendChild(el("p", "gm-note", "Names found in the articles that no place was found for."));
      details.appendChild(list);
      side.appendChild(details);
      views.push(function () {
        var rows = [], q = g.state().q.trim().toLowerCase();
        unplaced.forEach(function (u) {
          var hits = [], count = 0, nameHit = q && u[0].toLowerCase().indexOf(q) >= 0;
          for (var i = 0; i + 2 < u[1].length; i += 3) {
            var a2 = u[1][i];
            if (!S.artOk[a2] || (S.qArt && !nameHit && !S.qArt[a2])) continue;
            count += u[1][i + 1];
            hits.push(i);
          }
          hits.sort(function (x, y) { return g.artPos[u[1][x]] - g.artPos[u[1][y]]; });  // newest first
          if (count && g.state().place < 0 && g.state().region < 0 && g.state().layer < 0) rows.push([u, count, hits]);
        });
        summary.textContent = "Names not placed (" + rows.length + ")";
        list.textContent = "";
        rows.slice(0, 200).forEach(function (x) {
          var li = el("li"), u = x[0];
          li.appendChild(el("strong", null, u[0]));
          li.appendChild(document.createTextNode(" \u00b7 " + plural(x[1], "mention") + ": "));
          x[2].slice(0, 5).forEach(function (i, n) {
            var a2 = articles[u[1][i]], link = el("a", null, a2[1]);
            link.href = articleHref(a2[0], u[1][i + 2]);
            if (n) li.appendChild(document.createTextNode("; "));
            li.appendChild(link);
          });
          if (x[2].length > 5) li.appendChild(el("span", "gm-note", " +" + (x[2].length - 5) + " more"));
          list.appendChild(li);
        });
      });
    })();
  }

  /* Timeline: mentions over time (grey: all, colour: the subset); drag to set the dates. */
  var SVG = "http://www.w3.org/2000/svg";
  function svgEl(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    return node;
  }
  (function () {
    var head = el("div", "gm-timeline-head");
    var caption = el("span", null, dated ? "Mentions per " + unit : "No dated articles");
    head.appendChild(caption);
    var clear = button("All dates", "clear the date range", function () { setFilter({from: null, to: null}); });
    head.appendChild(clear);
    timelineBox.appendChild(head);
    if (!dated) return;
    var W = 1000, H = 60, bw = W / NB;
    var svg = svgEl("svg", {viewBox: "0 0 " + W + " " + (H + 14), preserveAspectRatio: "none",
                            "class": "gm-timeline-svg", role: "img"});
    svg.setAttribute("aria-label", "mentions over time; drag to choose a date range");
    var range = svgEl("rect", {y: 0, height: H, "class": "gm-range"});
    var back = svgEl("g", {"class": "gm-bars-all"}), front = svgEl("g", {"class": "gm-bars"});
    svg.appendChild(range);
    svg.appendChild(back);
    svg.appendChild(front);
    [0, Math.floor((NB - 1) / 2), NB - 1].forEach(function (b, i) {
      var t = svgEl("text", {x: i === 0 ? 0 : i === 1 ? W / 2 : W, y: H + 12,
                             "text-anchor": ["start", "middle", "end"][i], "class": "gm-axis"});
      t.textContent = isoDay(binStart(b));
      svg.appendChild(t);
    });
    timelineBox.appendChild(svg);
    var most = 1;
    for (var b = 0; b < NB; b++) most = Math.max(most, S.allBins[b]);
    function bars(g, values, cls) {
      g.textContent = "";
      for (var i = 0; i < NB; i++) {
        if (!values[i]) continue;
        var h = Math.max(1, values[i] / most * H);
        var rect = svgEl("rect", {x: i * bw, y: H - h, width: Math.max(bw - 0.5, 0.5), height: h,
                                  "class": cls});
        var tip = svgEl("title");
        tip.textContent = isoDay(binStart(i)) + ": " + plural(values[i], "mention");
        rect.appendChild(tip);
        g.appendChild(rect);
      }
    }
    bars(back, S.allBins, "gm-bar-all");
    function binAt(event) {
      var box = svg.getBoundingClientRect();
      var x = (event.clientX - box.left) / Math.max(1, box.width);
      return Math.max(0, Math.min(NB - 1, Math.floor(x * NB)));
    }
    function showRange(b0, b1) {
      if (b0 === null) { range.setAttribute("width", 0); return; }
      range.setAttribute("x", Math.min(b0, b1) * bw);
      range.setAttribute("width", (Math.abs(b1 - b0) + 1) * bw);
    }
    var dragFrom = null;
    svg.addEventListener("pointerdown", function (e) {
      dragFrom = binAt(e);
      showRange(dragFrom, dragFrom);
      if (svg.setPointerCapture) svg.setPointerCapture(e.pointerId);
      e.preventDefault();
    });
    svg.addEventListener("pointermove", function (e) {
      if (dragFrom !== null) showRange(dragFrom, binAt(e));
    });
    svg.addEventListener("pointerup", function (e) {
      if (dragFrom === null) return;
      var b1 = binAt(e), lo = Math.min(dragFrom, b1), hi = Math.max(dragFrom, b1);
      dragFrom = null;
      setFilter({from: Math.max(firstDay, binStart(lo)), to: Math.min(lastDay, binEnd(hi))});
    });
    views.push(function () {
      caption.textContent = "Mentions per " + unit +
        (S.undated ? " (and " + plural(S.undated, "mention") + " in undated articles)" : "");
      bars(front, S.bins, "gm-bar");
      if (g.state().from === null && g.state().to === null) showRange(null);
      else {
        showRange(binOf(Math.max(firstDay, Math.min(lastDay, g.state().from === null ? firstDay : g.state().from))),
                  binOf(Math.max(firstDay, Math.min(lastDay, g.state().to === null ? lastDay : g.state().to))));
      }
    });
  })();

  /* Region table: the subset's counts per configured region, each with its time series. */
  function sparkline(values) {
    var svg = svgEl("svg", {viewBox: "0 0 " + Math.max(1, NB) + " 10", preserveAspectRatio: "none",
                            "class": "gm-spark"});
    var most2 = 0, i;
    for (i = 0; i < NB; i++) most2 = Math.max(most2, values[i]);
    if (!most2) return svg;
    var path = "";
    for (i = 0; i < NB; i++) {
      if (values[i]) path += "M" + (i + 0.5) + " 10V" + (10 - values[i] / most2 * 10).toFixed(2);
    }
    svg.appendChild(svgEl("path", {d: path, "class": "gm-spark-bars"}));
    return svg;
  }
  if (NR) {
    control("bottomleft", "gm-regions", function (box) {
      var details = el("details"), summary = el("summary", null, "Regions (" + NR + ")");
      var table = el("table"), head = el("tr"), body = el("tbody");
      details.appendChild(summary);
      ["region", "layer", "places", "mentions", "articles", "over time"].forEach(function (h) {
        head.appendChild(el("th", null, h));
      });
      var thead = el("thead");
      thead.appendChild(head);
      table.appendChild(thead);
      table.appendChild(body);
      details.appendChild(table);
      box.appendChild(details);
      views.push(function () {
        body.textContent = "";
        var only = g.state().region >= 0 ? layerOf[g.state().region] : g.state().layer;
        summary.textContent = only >= 0 ? "Regions of " + layers[only][1] : "Regions (" + NR + ")";
        for (var i = 0; i < NR; i++) {
          if (only >= 0 && layerOf[i] !== only) continue;   // a chosen layer: its regions only
          var tr = el("tr");
          if (i === g.state().region) tr.className = "gm-chosen";
          var name = el("td"), pick = button(regions[i], "only this region", setFilter.bind(null, {region: i}));
          pick.className = "gm-region-pick";
          name.appendChild(pick);
          tr.appendChild(name);
          tr.appendChild(el("td", null, layers[layerOf[i]] ? layers[layerOf[i]][1] : ""));
          [S.regPl[i], S.regMen[i], S.regArt[i]].forEach(function (n) {
            tr.appendChild(el("td", "gm-num", String(n)));
          });
          var spark = el("td", "gm-spark-cell");
          spark.appendChild(sparkline(S.regBins[i]));
          tr.appendChild(spark);
          body.appendChild(tr);
        }
      });
    });
  }
}
