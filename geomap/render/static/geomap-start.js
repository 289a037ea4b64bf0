/* geomap: starting map.html without a long task (issue 13). Loaded before geomap.js, whose
 * geomapInit builds the map once geomapStart has the payload and its tables.
 *
 * geomapStart parses the payload's head, then its parts
 * (render/payload_parts.py: #geomap-data-1, -2, ..., each {key: rows} appended to the head's
 * key; or, when the head lists "files", the data files' parts, which their scripts left in
 * window.geomapFiles: render/payload_files.py) and build the map's tables in slices of at most SLICE_MS, yielding to the browser
 * between slices. window.geomap is {ready: false} until geomapInit replaces it. */
var GEOMAP_SLICE_MS = 30;
function geomapSliced(step, done) {     // step() until it returns false, in slices of ~30 ms,
  function run() {                      // each a task of its own; then done() in its own task
    var until = performance.now() + GEOMAP_SLICE_MS;
    try {
      while (performance.now() < until) {
        if (!step()) { window.setTimeout(geomapGuarded(done), 0); return; }
      }
    } catch (e) { geomapFailed(e); return; }
    window.setTimeout(run, 0);
  }
  window.setTimeout(run, 0);
}
function geomapGuarded(f) {             // f, reporting a failure on the page
  return function () {
    try { f(); } catch (e) { geomapFailed(e); }
  };
}
function geomapFailed(error) {          // say so on the page (as the load check does), then throw
  var box = document.getElementById("gm-failed");
  if (box) {
    document.getElementById("gm-failed-why").textContent = "The map\u2019s script failed.";
    box.hidden = false;
  }
  window.setTimeout(function () { throw error; }, 0);
}
function geomapStart(map, layerControl, tileLayer, regionLayers) {
  "use strict";
  window.geomap = {ready: false, starting: true};
  var data = JSON.parse(document.getElementById("geomap-data").textContent);
  if (data.files && document.readyState === "loading") {  // data files: deferred scripts, run
    document.addEventListener("DOMContentLoaded", function () {   // once the page is parsed
      geomapStart(map, layerControl, tileLayer, regionLayers);
    });
    return;
  }
  var parts = data.parts || 0, next = 1, files = data.files || null, got = window.geomapFiles || {};
  geomapSliced(function () {
    if (next > parts) return false;
    var part;
    if (files) {
      var name = files[next++ - 1];
      if (typeof got[name] !== "string") throw new Error("map data file missing: data/" + name + ".js");
      part = JSON.parse(got[name]);
      delete got[name];
    } else {
      part = JSON.parse(document.getElementById("geomap-data-" + next++).textContent);
    }
    Object.keys(part).forEach(function (key) {
      var rows = part[key], into = data[key];
      if (Array.isArray(rows)) { for (var i = 0; i < rows.length; i++) into.push(rows[i]); }
      else Object.keys(rows).forEach(function (name) { into[name] = rows[name]; });
    });
    return true;
  }, function () {
    var tables = geomapTables(data);
    geomapSliced(tables.step, function () {
      geomapInit(map, layerControl, data, tileLayer, regionLayers, tables);
    });
  });
}

/* The payload's links decoded into flat typed arrays, a slice of places per step(): place ->
 * (article, mentions, passages) pairs (pairStart, pairArt, pairMen, pairPas), article -> places
 * (perArt, artPlaces), place -> configured regions (regStart, regList). */
function geomapTables(data) {
  "use strict";
  var places = data.places, NP = places.length, NA = data.articles.length;
  var NR = (data.regionNames || []).length, SLICE = 2000, p, total = 0;
  var t = {pairStart: new Int32Array(NP + 1), perArt: new Int32Array(NA + 1),
           regStart: new Int32Array(NP + 1)};
  var regs = [];
  for (p = 0; p < NP; p++) {
    t.pairStart[p] = total;
    total += places[p][12].length;
    t.regStart[p] = regs.length;
    places[p][6].forEach(function (x) { if (x < NR) regs.push(x); });
  }
  t.pairStart[NP] = t.total = total;
  t.regStart[NP] = regs.length;
  t.regList = Int32Array.from(regs);
  t.pairArt = new Int32Array(total);
  t.pairMen = new Int32Array(total);
  t.pairPas = new Int32Array(total);
  t.artPlaces = new Int32Array(total);
  var decoded = 0, placed = 0, fill = null;
  t.step = function () {
    var end, k, q;
    if (decoded < NP) {                // links -> pairs
      end = Math.min(NP, decoded + SLICE);
      for (q = decoded; q < end; q++) {
        var links = places[q][12], number = 0;
        k = t.pairStart[q];
        for (var j = 0; j < links.length; j++, k++) {
          var link = links[j], multi = typeof link !== "number";
          number += multi ? link[0] : link;
          t.pairArt[k] = number;
          t.pairMen[k] = multi ? link[1] : 1;
          t.pairPas[k] = multi ? link[2] : 1;
          t.perArt[number + 1]++;
        }
      }
      decoded = end;
      return true;
    }
    if (!fill) {
      for (var a = 0; a < NA; a++) t.perArt[a + 1] += t.perArt[a];
      fill = t.perArt.slice(0, NA);
    }
    if (placed < NP) {                 // pairs -> article's places (ascending place order)
      end = Math.min(NP, placed + SLICE);
      for (q = placed; q < end; q++) {
        for (k = t.pairStart[q]; k < t.pairStart[q + 1]; k++) t.artPlaces[fill[t.pairArt[k]]++] = q;
      }
      placed = end;
      return true;
    }
    return false;
  };
  return t;
}
