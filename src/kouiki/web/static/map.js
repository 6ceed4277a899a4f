// Region / facility maps drawn offline with the vendored Leaflet: N03 boundaries and facility points.
// Background tiles only when the server is configured with KOUIKI_MAP_TILES_URL (地理院タイル, with 出典).
(function () {
  "use strict";
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(url + ": " + r.status); } return r.json(); });
  }
  function init() {
    var el = document.getElementById("map");
    if (!el || typeof L === "undefined") { return; }
    var map = L.map(el, { attributionControl: true, zoomSnap: 0.25 }).setView([36.5, 138], 5);
    map.attributionControl.setPrefix(false);
    map.createPane("demand").style.zIndex = "405";  // demand points above the boundaries …
    map.createPane("sites").style.zIndex = "410";   // … and facilities above the demand points
    map.attributionControl.addAttribution("国土数値情報（行政区域データ）を加工して作成");
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { attribution: el.dataset.tilesCredit || "地理院タイル", maxZoom: 18 }).addTo(map);
    }
    var removed = {};
    (el.dataset.removed || "").split(",").forEach(function (k) { if (k) { removed[k] = true; } });
    var onlyCategories = null;  // the scenario map draws only the facilities of the 大分類 whose access it shows
    if (el.dataset.categories) {
      onlyCategories = {};
      el.dataset.categories.split(",").forEach(function (c) { if (c) { onlyCategories[c] = true; } });
    }
    var bounds = L.latLngBounds([]);
    var jobs = [];
    if (el.dataset.geojson) {
      jobs.push(getJSON(el.dataset.geojson).then(function (fc) {
        var layer = L.geoJSON(fc, {
          style: function (f) {
            var central = f.properties.role === "central";
            return { color: "#0b3d6b", weight: 1.5, fillColor: central ? "#2f6fb0" : "#9cc3e6", fillOpacity: 0.45 };
          },
          onEachFeature: function (f, lyr) {
            // Place names on the map: a permanent label (the municipality's name from the bundled boundaries'
            // properties) at the centre of each body; the role is in the label's title and the table below.
            var label = document.createElement("span");
            label.textContent = f.properties.name;  // text only: names are never HTML
            label.title = f.properties.name + (f.properties.role_label ? "（" + f.properties.role_label + "）" : "");
            lyr.bindTooltip(label, { permanent: true, direction: "center", className: "map-place-label", opacity: 0.9 });
          }
        }).addTo(map);
        if (layer.getBounds().isValid()) { bounds.extend(layer.getBounds()); }
      }));
    }
    if (el.dataset.points) {
      jobs.push(getJSON(el.dataset.points).then(function (data) {
        (data.facilities || []).forEach(function (f) {
          if (f.lat === null || f.lon === null || f.lat === undefined) { return; }
          if (onlyCategories && !onlyCategories[f.category] && !removed[f.facility_id]) { return; }
          var key = f.facility_id;
          var gone = removed[key];
          var m = L.circleMarker([f.lat, f.lon], {
            pane: "sites", radius: 5, weight: 1, color: gone ? "#555" : "#a03a00", fillColor: gone ? "#bbb" : "#f08a24", fillOpacity: 0.9
          }).addTo(map);
          var label = document.createElement("span");
          label.textContent = f.name + (gone ? "（廃止・集約）" : "");  // text only: names are never HTML
          m.bindTooltip(label);
          bounds.extend([f.lat, f.lon]);
        });
      }));
    }
    if (el.dataset.access) {
      jobs.push(getJSON(el.dataset.access).then(function (fc) { accessLayer(map, fc, bounds); }));
    }
    Promise.all(jobs).then(function () {
      if (bounds.isValid()) { map.fitBounds(bounds, { padding: [10, 10] }); } else { map.setView([36.5, 138], 5); }
    }).catch(function (err) {
      var msg = document.createElement("p");
      msg.className = "error";
      msg.textContent = "地図を読み込めませんでした: " + err.message;  // the tables below hold the same data
      el.parentNode.insertBefore(msg, el);
    });
  }
  // Demand points coloured by minutes to the nearest open facility: 変更前 / 変更後 / 増加 (radio buttons above
  // the map; the colour of each view and the legend come from the server's GeoJSON, so map and legend agree).
  function accessLayer(map, fc, bounds) {
    var markers = [];
    var group = L.layerGroup().addTo(map);
    function fmt(v) { return v === null || v === undefined ? "到達不能" : v + "分"; }
    (fc.features || []).forEach(function (f) {
      var c = f.geometry.coordinates, p = f.properties;
      var m = L.circleMarker([c[1], c[0]], { pane: "demand", radius: 3, stroke: false, fillOpacity: 0.85, fillColor: p.colour.increase });
      var label = document.createElement("span");
      label.textContent = p.id + "（人口 " + p.population + "）: 変更前 " + fmt(p.before_minutes) + " → 変更後 " +
        fmt(p.after_minutes);
      m.bindTooltip(label);
      m.addTo(group);
      markers.push([m, p]);
      bounds.extend([c[1], c[0]]);
    });
    function show(view) {
      markers.forEach(function (mp) { mp[0].setStyle({ fillColor: mp[1].colour[view] }); });
      document.querySelectorAll("table.legend[data-view]").forEach(function (t) {
        t.classList.toggle("hidden", t.getAttribute("data-view") !== view);
      });
    }
    var radios = document.querySelectorAll("input[name=access-view]");
    var current = "increase";
    radios.forEach(function (r) {
      if (r.checked) { current = r.value; }
      r.addEventListener("change", function () { if (r.checked) { show(r.value); } });
    });
    show(current);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
