// The dashboard's charts (ECharts, vendored): the figures come from the page's json_script block.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return null;
    var c = window.echarts.init(el, null, { renderer: "svg" });
    c.setOption(option);
    window.addEventListener("resize", function () { c.resize(); });
    el.setAttribute("data-rendered", "1");
    return c;
  }
  function bar(names, values, color, max) {
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 16, top: 24, bottom: 48 },
      xAxis: { type: "category", data: names, axisLabel: { interval: 0, rotate: names.length > 4 ? 30 : 0 } },
      yAxis: max ? { type: "value", max: max } : { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: values, itemStyle: { color: color }, label: { show: true, position: "top" } }]
    };
  }
  ready(function () {
    var node = document.getElementById("dashboard-data");
    if (!node) return;
    var d = JSON.parse(node.textContent);
    var t = d.trend;
    chart("chart-trend", {
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: [t.labels.total, t.labels.repairs, t.labels.complaints] },
      grid: { left: 40, right: 16, top: 36, bottom: 32 },
      xAxis: { type: "category", data: t.months },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: t.labels.total, type: "line", data: t.total },
        { name: t.labels.repairs, type: "line", data: t.repairs },
        { name: t.labels.complaints, type: "line", data: t.complaints }
      ]
    });
    chart("chart-mix", {
      tooltip: { trigger: "item" },
      series: [{ type: "pie", radius: ["35%", "65%"], data: d.mix, label: { formatter: "{b} {c}" } }]
    });
    chart("chart-overdue", bar(d.overdue.map(function (x) { return x.name; }), d.overdue.map(function (x) { return x.value; }), "#b42318"));
    chart("chart-handovers", bar(d.handovers.map(function (x) { return x.name; }), d.handovers.map(function (x) { return x.value; }), "#b44d12"));
    chart("chart-satisfaction", bar(d.satisfaction.map(function (x) { return x.name; }), d.satisfaction.map(function (x) { return x.value; }), "#0b6e4f", 100));
    if (d.estates) {
      chart("chart-estates", {
        tooltip: { trigger: "axis" },
        legend: { top: 0, type: "scroll", data: d.estates.estates },
        grid: { left: 40, right: 16, top: 40, bottom: 90 },
        xAxis: { type: "category", data: d.estates.rates.map(function (r) { return r.name; }), axisLabel: { interval: 0, rotate: 35 } },
        yAxis: { type: "value", max: 100 },
        series: d.estates.estates.map(function (name, i) {
          return { name: name, type: "bar", data: d.estates.rates.map(function (r) { return r.values[i]; }) };
        })
      });
    }
  });
})();
