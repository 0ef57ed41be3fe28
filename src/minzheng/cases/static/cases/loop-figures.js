// Loop figures page: the funnel, per-unit bars, referral outcomes, overdue and median days.
(function () {
  var source = document.getElementById("mz-figures-data");
  var namesSource = document.getElementById("mz-figures-names");
  if (!source || !namesSource || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var names = JSON.parse(namesSource.textContent);
  var charts = [];

  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = echarts.init(el);
    chart.setOption(option);
    charts.push(chart);
  }

  function bars(series, extra) {
    return Object.assign({
      grid: { left: 50, right: 16, top: 36, bottom: 60 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      xAxis: { type: "category", data: data.units, axisLabel: { fontSize: 11, rotate: data.units.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: series
    }, extra || {});
  }

  draw("mz-funnel-chart", {
    tooltip: { trigger: "item", formatter: "{b}: {c}" },
    series: [{
      type: "funnel", sort: "none", left: "10%", width: "80%", minSize: "12%", gap: 2,
      label: { show: true, position: "inside", formatter: "{b} {c}" },
      data: names.funnel.map(function (name, i) { return { name: name, value: data.funnel[i] }; }),
      color: ["#b3261e", "#d97706", "#2563eb", "#2e7d32"]
    }]
  });
  draw("mz-units-chart", bars([
    { name: names.alerts, type: "bar", data: data.alerts, itemStyle: { color: "#b3261e" } },
    { name: names.cases, type: "bar", data: data.cases, itemStyle: { color: "#2563eb" } },
    { name: names.paid, type: "bar", data: data.paid, itemStyle: { color: "#2e7d32" } }
  ]));
  draw("mz-referrals-chart", {
    tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
    legend: { bottom: 0, type: "scroll" },
    series: [{
      type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"],
      data: names.referrals.map(function (name, i) { return { name: name, value: data.referrals[i] }; }),
      color: ["#2e7d32", "#9ca3af", "#d1d5db", "#2563eb", "#b3261e"]
    }]
  });
  draw("mz-overdue-chart", bars([
    { name: names.overdue_alerts, type: "bar", stack: "o", data: data.overdue_alerts, itemStyle: { color: "#d97706" } },
    { name: names.overdue_steps, type: "bar", stack: "o", data: data.overdue_steps, itemStyle: { color: "#b3261e" } },
    { name: names.overdue_referrals, type: "bar", stack: "o", data: data.overdue_referrals, itemStyle: { color: "#7c3aed" } }
  ]));
  draw("mz-median-chart", bars([
    { name: names.median, type: "bar", data: data.median, itemStyle: { color: "#2563eb" } }
  ]));
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
