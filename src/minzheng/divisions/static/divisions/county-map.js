/* The county map of the division browser (ECharts, no network beyond this server).
 *
 * The map's shapes are the 38 pre-2025 county-level units. The server says, for the chosen date,
 * which county each shape belongs to (江北区 and 渝北区 both belong to 两江新区 once it exists);
 * shapes of one county are merged into one MultiPolygon feature named as that county was named
 * on that date, and the counts are those of the counties of that date.
 */
(function () {
  "use strict";
  const el = document.getElementById("division-map");
  if (!el || !window.echarts) { return; }
  const chart = echarts.init(el, null, { renderer: "canvas" });
  const caption = document.getElementById("map-caption");
  const asOfInput = document.getElementById("map-as-of");
  const counterSelect = document.getElementById("map-counter");
  const modeInputs = document.querySelectorAll('#map-controls input[name="mode"]');
  let source = null;     // the geojson as served (compact encoding), never mutated
  let current = null;    // the last map data from the server
  const registered = {}; // map names already registered

  function polygonsOf(geometry) {
    if (geometry.type === "Polygon") {
      return { coordinates: [geometry.coordinates], offsets: [geometry.encodeOffsets] };
    }
    return { coordinates: geometry.coordinates, offsets: geometry.encodeOffsets };
  }

  function geojsonFor(data) {
    const fixes = data.geo_fixes || {};
    const names = {};
    data.counties.forEach(function (c) { names[c.code] = c.name; });
    const groups = {};
    source.features.forEach(function (feature) {
      const geoCode = fixes[feature.id] || feature.id;
      const county = data.features[geoCode];
      if (!county) { return; }
      (groups[county] = groups[county] || []).push(feature);
    });
    const features = Object.keys(groups).map(function (county) {
      const parts = groups[county];
      // Label point: that of the largest part.
      const largest = parts.slice().sort(function (a, b) {
        return JSON.stringify(b.geometry.coordinates).length - JSON.stringify(a.geometry.coordinates).length;
      })[0];
      let geometry = largest.geometry;
      if (parts.length > 1) {
        const coordinates = [], offsets = [];
        parts.forEach(function (f) {
          const p = polygonsOf(f.geometry);
          p.coordinates.forEach(function (c) { coordinates.push(c); });
          p.offsets.forEach(function (o) { offsets.push(o); });
        });
        geometry = { type: "MultiPolygon", coordinates: coordinates, encodeOffsets: offsets };
      }
      return {
        type: "Feature", id: county,
        properties: { name: names[county], code: county, cp: largest.properties.cp },
        geometry: JSON.parse(JSON.stringify(geometry)),
      };
    });
    return { type: "FeatureCollection", UTF8Encoding: true, features: features };
  }

  function render() {
    if (!current) { return; }
    const mapName = "chongqing-" + (current.as_of || "today");
    if (!registered[mapName]) {
      echarts.registerMap(mapName, geojsonFor(current));
      registered[mapName] = true;
    }
    const key = counterSelect ? counterSelect.value : "";
    const label = counterSelect && counterSelect.selectedOptions.length ? counterSelect.selectedOptions[0].text : "";
    const rows = current.counties.map(function (c) {
      const value = c.in_scope && key && (key in c.counts) ? c.counts[key] : null;
      return { name: c.name, code: c.code, value: value, inScope: c.in_scope };
    });
    const values = rows.filter(function (r) { return r.value !== null; }).map(function (r) { return r.value; });
    const max = values.length ? Math.max.apply(null, values.concat([1])) : 1;
    chart.setOption({
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          const d = p.data || {};
          if (!d.inScope) { return p.name + "<br>" + el.dataset.outOfScope; }
          return p.name + "（" + d.code + "）<br>" + label + "：" + (d.value === null ? el.dataset.noData : d.value);
        },
      },
      visualMap: {
        min: 0, max: max, left: 8, bottom: 8, calculable: true, itemHeight: 110,
        inRange: { color: ["#fdf2f1", "#f4a29a", "#b3261e"] }, textStyle: { fontSize: 11 },
      },
      series: [{
        type: "map", map: mapName, roam: true, selectedMode: false,
        layoutCenter: ["55%", "52%"], layoutSize: "98%", scaleLimit: { min: 0.8, max: 8 },
        label: { show: true, fontSize: 9, color: "#374151" },
        labelLayout: { hideOverlap: true },
        itemStyle: { borderColor: "#ffffff", borderWidth: 0.8, areaColor: "#e5e7eb" },
        emphasis: { label: { fontWeight: "bold" }, itemStyle: { areaColor: "#fbbf24" } },
        data: rows,
      }],
    }, true);
    if (caption) {
      const d = el.dataset;
      caption.textContent = (current.as_of ? d.captionHistory.replace("DATE", current.as_of) : d.captionCurrent) +
        d.captionUnits.replace("N", String(current.counties.length)) +
        (label ? d.captionColour.replace("LABEL", label) : "");
    }
  }

  function load() {
    const mode = document.querySelector('#map-controls input[name="mode"]:checked');
    const params = new URLSearchParams();
    params.set("mode", mode ? mode.value : "current");
    if (mode && mode.value === "history") { params.set("as_of", asOfInput.value); }
    asOfInput.disabled = !(mode && mode.value === "history");
    chart.showLoading({ text: "" });
    fetch(el.dataset.source + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        chart.hideLoading();
        if (data.errors) { return; }
        current = data;
        render();
      });
  }

  chart.on("click", function (p) {
    if (p.data && p.data.inScope && p.data.code) {
      window.location.href = el.dataset.detail.replace("000000", p.data.code);
    }
  });
  modeInputs.forEach(function (input) { input.addEventListener("change", load); });
  asOfInput.addEventListener("change", load);
  if (counterSelect) { counterSelect.addEventListener("change", render); }
  window.addEventListener("resize", function () { chart.resize(); });

  fetch(el.dataset.geojson, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (json) { source = json; load(); });
})();
