// The dashboard's charts, drawn by ECharts (SVG) from the numbers the page's tables show
// (the JSON in #charts-data, rendered by the server with them). Patterns (decals) as well as
// colours tell the series apart; ECharts' ARIA description names them for screen readers.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("charts-data").textContent);
  var PALETTE = ["#0b5cad", "#e07b00", "#2e8540", "#8e44ad", "#a4161a", "#5b6670", "#00838f",
    "#b8860b", "#6d4c41", "#c2185b", "#1565c0", "#558b2f", "#4527a0", "#ef6c00"];

  function number(value, percent) {
    if (value === null || value === undefined) { return "—"; }
    return value.toLocaleString("zh-CN") + (percent ? "%" : "");
  }

  function option(chart) {
    var percent = chart.kind === "percent";
    var series = chart.series.map(function (s) {
      var item = {
        name: s.name,
        type: s.type || (chart.kind === "line" ? "line" : "bar"),
        barMaxWidth: 56,
        data: s.values,
        label: { show: chart.kind !== "line" && chart.kind !== "stacked", position: "top",
          formatter: function (p) { return number(p.value, percent); } },
        emphasis: { focus: "series" }
      };
      if (chart.kind === "stacked") { item.stack = "all"; }
      if (item.type === "line") { item.symbolSize = chart.kind === "line" ? 4 : 10; }
      if (s.type === "line") { item.lineStyle = { type: "dashed" }; item.symbol = "diamond"; }
      return item;
    });
    return {
      color: PALETTE,
      animation: false,
      aria: { enabled: true, decal: { show: true } },
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: chart.categories,
        axisLabel: { interval: chart.kind === "line" ? 3 : 0, rotate: chart.categories.length > 8 && chart.kind !== "line" ? 30 : 0 } },
      yAxis: { type: "value", max: percent ? 100 : null, name: chart.unit,
        axisLabel: { formatter: function (v) { return number(v, percent); } } },
      series: series
    };
  }

  function draw() {
    if (!window.echarts) { return; }
    data.forEach(function (chart) {
      var box = document.getElementById(chart.id);
      if (!box) { return; }
      var instance = window.echarts.init(box, null, { renderer: "svg" });
      instance.setOption(option(chart));
      window.addEventListener("resize", function () { instance.resize(); });
    });
    document.body.setAttribute("data-charts-drawn", String(data.length));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
