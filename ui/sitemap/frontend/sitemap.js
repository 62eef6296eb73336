// The app's map: a Streamlit component on Leaflet, served by the app (no internet).
//
// Python (ui/sitemap) sends a small "spec" on every run: layer descriptions with the URLs
// of their data in the app's static folder (fetched once, cached by the browser) and, for
// the parcel layers, one byte per parcel. A layer whose description is unchanged is kept;
// a parcel layer whose parcels are unchanged is only recoloured in place (a weight change
// redraws the score without loading anything). The view is kept across runs. A click sends
// {lat, lng, n} back (n counts clicks, so Python can tell a new click from an old one).
/* global L */
(function () {
  "use strict";

  // --- the Streamlit component protocol (what streamlit-component-lib does) -------------
  function post(type, data) {
    window.parent.postMessage(Object.assign({isStreamlitMessage: true, type: type}, data), "*");
  }
  function setValue(value) { post("streamlit:setComponentValue", {value: value, dataType: "json"}); }
  function setHeight(h) { post("streamlit:setFrameHeight", {height: h}); }

  // --- small helpers ----------------------------------------------------------------------
  function text(value) {  // user text in a tooltip: always as text, never as HTML
    const span = document.createElement("span");
    span.textContent = value === null || value === undefined ? "" : String(value);
    return span;
  }
  function tooltipFor(fields) {  // fields: [[property, label], ...]
    if (!fields || !fields.length) { return null; }
    return function (layer) {
      const p = (layer.feature && layer.feature.properties) || {};
      const box = document.createElement("div");
      fields.forEach(function (pair, i) {
        if (!(pair[0] in p)) { return; }
        if (i) { box.appendChild(document.createElement("br")); }
        if (pair[1]) {
          const b = document.createElement("b");
          b.appendChild(text(pair[1] + ": "));
          box.appendChild(b);
        }
        box.appendChild(text(p[pair[0]]));
      });
      return box;
    };
  }
  function fetchJSON(url) {
    return fetch(url).then(function (r) {
      if (!r.ok) { throw new Error(url + ": " + r.status); }
      return r.json();
    });
  }
  function decodeBytes(b64) {
    const raw = atob(b64 || "");
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }
  function paletteWords(palette) {  // [[r, g, b, a], ...] -> RGBA as little-endian words
    const words = new Uint32Array(256);
    palette.forEach(function (c, i) {
      words[i] = ((c[3] << 24) | (c[2] << 16) | (c[1] << 8) | c[0]) >>> 0;
    });
    return words;
  }

  // A Leaflet image overlay drawn on a canvas (recoloured in place, no image encoding).
  const CanvasOverlay = L.ImageOverlay.extend({
    _initImage: function () {
      const el = this._image = this._url;
      L.DomUtil.addClass(el, "leaflet-image-layer");
      L.DomUtil.addClass(el, "sitemap-parcels");
      if (this._zoomAnimated) { L.DomUtil.addClass(el, "leaflet-zoom-animated"); }
      el.onselectstart = L.Util.falseFn;
      el.onmousemove = L.Util.falseFn;
      if (this.options.zIndex != null) { this._updateZIndex(); }
    }
  });

  // Parcel row (+1; 0 = no parcel) of every pixel, decoded from the RGB index image.
  const indexCache = {};
  function pixelIndex(url) {
    if (!indexCache[url]) {
      indexCache[url] = fetch(url).then(function (r) { return r.blob(); })
        .then(function (blob) {
          return createImageBitmap(blob, {colorSpaceConversion: "none",
                                          premultiplyAlpha: "none"});
        })
        .then(function (bitmap) {
          const c = document.createElement("canvas");
          c.width = bitmap.width; c.height = bitmap.height;
          const ctx = c.getContext("2d", {willReadFrequently: true});
          ctx.drawImage(bitmap, 0, 0);
          const rgba = ctx.getImageData(0, 0, c.width, c.height).data;
          const rows = new Int32Array(c.width * c.height);
          for (let p = 0, q = 0; p < rows.length; p++, q += 4) {
            rows[p] = (rgba[q] << 16) | (rgba[q + 1] << 8) | rgba[q + 2];
          }
          return {width: c.width, height: c.height, rows: rows};
        });
    }
    return indexCache[url];
  }

  function paint(canvas, index, codes, palette) {
    const started = performance.now();
    const ctx = canvas.getContext("2d");
    const image = ctx.createImageData(index.width, index.height);
    const out = new Uint32Array(image.data.buffer);
    const colours = paletteWords(palette);
    const rows = index.rows;
    for (let p = 0; p < rows.length; p++) {
      const row = rows[p];
      out[p] = row > 0 && row <= codes.length ? colours[codes[row - 1]] : 0;
    }
    ctx.putImageData(image, 0, 0);
    document.body.dataset.paintMs = (performance.now() - started).toFixed(1);
  }

  // --- layers -----------------------------------------------------------------------------
  function vectorStyle(spec) {
    if (spec.outline) {
      return {color: spec.outline, weight: 2, opacity: 1, fill: false, dashArray: "6 3"};
    }
    if (spec.kind === "polygon") {
      return {color: spec.color, weight: 1, fillColor: spec.color,
              fillOpacity: spec.fill_opacity};
    }
    return {color: spec.color, weight: 2, opacity: 0.9};
  }

  function scoreColour(classes, score) {
    let colour = "#888";
    classes.forEach(function (c) { if (score >= c[0]) { colour = c[1]; } });
    return colour;
  }

  function geojsonLayer(spec, data) {
    const tip = tooltipFor(spec.tooltip);
    let style;
    if (spec.role === "shortlist") {
      style = function (f) {
        return {color: "#333", weight: 0.3, fillColor: scoreColour(spec.classes, f.properties.score),
                fillOpacity: 0.75};
      };
    } else if (spec.role === "bases") {
      style = function () { return {color: "#0b3d91", weight: 2.5, fill: true, fillOpacity: 0}; };
    } else {
      style = function () { return vectorStyle(spec); };
    }
    const options = {style: style};
    if (spec.kind === "point") {
      options.pointToLayer = function (f, ll) {
        return L.circleMarker(ll, {radius: 3, color: spec.color, weight: 1, fillOpacity: 0.8});
      };
    }
    const main = L.geoJSON(data, options);
    if (tip) { main.bindTooltip(tip, {sticky: true}); }
    if (spec.role === "bases") { return L.featureGroup([main, linksLayer(spec.links || [])]); }
    if (!spec.outline) { return main; }
    // an outline layer: a white halo under the dashed line, one entry in the layer control
    const halo = L.geoJSON(data, {style: function () {
      return {color: "#ffffff", weight: 4, opacity: 0.9, fill: false};
    }, interactive: false});
    return L.featureGroup([halo, main]);
  }

  function linksLayer(links) {
    const group = L.featureGroup();
    links.forEach(function (b) {
      if (b.conn_lat !== null && b.conn_lat !== undefined) {
        L.polyline([[b.lat, b.lon], [b.conn_lat, b.conn_lon]],
                   {color: "#d62728", weight: 1.5, dashArray: "4 4"})
          .bindTooltip(text(b.base_id + " → " + b.conn_name)).addTo(group);
        L.circleMarker([b.conn_lat, b.conn_lon], {radius: 3, color: "#d62728", fill: true})
          .bindTooltip(text(b.conn_name)).addTo(group);
      }
      const label = document.createElement("div");
      label.className = "sitemap-base-label";
      label.textContent = b.label;
      L.marker([b.lat, b.lon], {icon: L.divIcon({html: label, className: "",
                                                 iconSize: [90, 14], iconAnchor: [0, 7]}),
                                interactive: false}).addTo(group);
    });
    return group;
  }

  // --- the map and its state ----------------------------------------------------------------
  let map = null;
  let control = null;
  const shown = {};      // id -> {signature, layer, parcels}
  const hidden = {};     // ids the user turned off in the layer control
  let clicks = 0;
  let swapping = false;  // true while update() adds and removes layers itself
  let generation = 0;    // the newest spec: an older one that loads late is dropped

  function createMap(spec) {
    const el = document.getElementById("map");
    el.style.height = spec.height + "px";
    map = L.map(el, {preferCanvas: true, zoomControl: true, attributionControl: true});
    // rasters and parcel images below every vector (the overlay pane is at 400)
    map.createPane("rasters").style.zIndex = 350;
    map.fitBounds(spec.bounds);
    L.control.scale({metric: true, imperial: false, maxWidth: 150}).addTo(map);
    map.on("click", function (e) {
      clicks += 1;
      setValue({lat: e.latlng.lat, lng: e.latlng.lng, n: clicks});
    });
    // the user's ticks in the layer control (not the layers this script swaps)
    map.on("overlayremove", function (e) {
      if (!swapping && e.layer._sitemapId) { hidden[e.layer._sitemapId] = true; }
    });
    map.on("overlayadd", function (e) {
      if (!swapping && e.layer._sitemapId) { delete hidden[e.layer._sitemapId]; }
    });
    window.map = map;  // for the browser tests and for debugging
    setHeight(spec.height);
  }

  let basemapKey = null;
  let basemapLayers = [];
  function setBasemap(tiles) {
    const key = JSON.stringify(tiles || []);
    if (key === basemapKey) { return; }
    basemapLayers.forEach(function (l) { map.removeLayer(l); });
    basemapLayers = (tiles || []).map(function (t) {
      return L.tileLayer(t.url, {attribution: t.attribution, subdomains: t.subdomains || "abc",
                                 maxZoom: 18}).addTo(map);
    });
    basemapKey = key;
  }

  function build(spec) {  // a promise of the Leaflet layer for one layer description
    if (spec.type === "image") {
      return Promise.resolve(L.imageOverlay(spec.url, spec.bounds,
                                            {opacity: spec.opacity, interactive: false,
                                             pane: "rasters"}));
    }
    if (spec.type === "geojson") {
      return fetchJSON(spec.url).then(function (data) { return geojsonLayer(spec, data); });
    }
    if (spec.type === "parcels") {
      return pixelIndex(spec.index_url).then(function (index) {
        const canvas = document.createElement("canvas");
        canvas.width = index.width; canvas.height = index.height;
        canvas.style.imageRendering = "pixelated";
        paint(canvas, index, decodeBytes(spec.codes), spec.palette);
        canvas.dataset.codes = spec.codes_key;
        const layer = new CanvasOverlay(canvas, spec.bounds,
                                        {opacity: spec.opacity, interactive: false,
                                         pane: "rasters"});
        layer._sitemapIndex = index;
        return layer;
      });
    }
    return Promise.reject(new Error("unknown layer type " + spec.type));
  }

  function signature(spec) {  // what needs a new layer (a parcel layer: not its colours)
    const s = Object.assign({}, spec);
    if (spec.type === "parcels") { delete s.codes; delete s.codes_key; delete s.palette; }
    delete s.opacity;
    return JSON.stringify(s);
  }

  function update(spec) {
    const mine = ++generation;
    setBasemap(spec.basemap);
    const wanted = spec.layers.map(function (l) { return l.id; });
    const jobs = spec.layers.map(function (layerSpec) {
      const old = shown[layerSpec.id];
      const sig = signature(layerSpec);
      if (old && old.signature === sig) {
        if (layerSpec.type === "parcels" && old.codesKey !== layerSpec.codes_key) {
          paint(old.layer._image, old.layer._sitemapIndex, decodeBytes(layerSpec.codes),
                layerSpec.palette);
          old.layer._image.dataset.codes = layerSpec.codes_key;
          old.codesKey = layerSpec.codes_key;
        }
        if (old.layer.setOpacity && layerSpec.opacity !== undefined) {
          old.layer.setOpacity(layerSpec.opacity);
        }
        old.name = layerSpec.name;
        return Promise.resolve(old);
      }
      return build(layerSpec).then(function (layer) {
        layer._sitemapId = layerSpec.id;
        return {signature: sig, layer: layer, name: layerSpec.name, id: layerSpec.id,
                codesKey: layerSpec.codes_key};
      });
    });
    return Promise.all(jobs).then(function (entries) {
      if (mine !== generation) { return; }  // a newer spec arrived meanwhile
      swapping = true;
      Object.keys(shown).forEach(function (id) {
        const keep = entries.some(function (e) { return e.id === id && e.layer === shown[id].layer; });
        if (!keep) { map.removeLayer(shown[id].layer); delete shown[id]; }
      });
      if (control) { map.removeControl(control); }
      control = L.control.layers(null, null, {collapsed: false});
      entries.forEach(function (e) {
        shown[e.id] = e;
        if (!hidden[e.id] && !map.hasLayer(e.layer)) { e.layer.addTo(map); }
        control.addOverlay(e.layer, e.name);
      });
      // draw order of the vectors: the order of the spec (context first, results on top);
      // images keep their own pane below them
      entries.forEach(function (e) {
        if (map.hasLayer(e.layer) && !(e.layer instanceof L.ImageOverlay) && e.layer.bringToFront) {
          e.layer.bringToFront();
        }
      });
      control.addTo(map);
      swapping = false;
      document.body.dataset.drawn = spec.version;
      document.body.dataset.layers = wanted.join(",");
    }).catch(function (err) {
      swapping = false;
      document.body.dataset.error = String(err);
      console.error("sitemap:", err);
    });
  }

  window.addEventListener("message", function (event) {
    const data = event.data || {};
    if (data.type !== "streamlit:render") { return; }
    const spec = data.args.spec;
    if (!map) { createMap(spec); }
    update(spec);
  });
  post("streamlit:componentReady", {apiVersion: 1});
})();
