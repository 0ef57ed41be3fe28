// Alerts created, updated and closed per screening run (runs page).
(function () {
  var el = document.getElementById("mz-runs-chart");
  var source = document.getElementById("mz-runs-data");
  if (!el || !source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var names = JSON.parse(el.dataset.names);
  var chart = echarts.init(el);
  chart.setOption({
    grid: { left: 50, right: 20, top: 36, bottom: 30 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0, data: [names.created, names.updated, names.closed] },
    xAxis: { type: "category", data: data.labels, axisLabel: { fontSize: 11 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: names.created, type: "bar", data: data.created, itemStyle: { color: "#b3261e" } },
      { name: names.updated, type: "bar", data: data.updated, itemStyle: { color: "#9ca3af" } },
      { name: names.closed, type: "bar", data: data.closed, itemStyle: { color: "#2e7d32" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
