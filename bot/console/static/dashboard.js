// The dashboard's charts, drawn by ECharts (SVG) from the numbers the page's tables show
// (the JSON in #charts-data, rendered by the server with them). Patterns (decals) as well as
// colours tell the series apart; ECharts' ARIA description names them for screen readers.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("charts-data").textContent);
  var PALETTE = ["#0b5cad", "#e07b00", "#2e8540", "#8e44ad", "#a4161a", "#5b6670", "#00838f",
    "#b8860b", "#6d4c41", "#c2185b", "#1565c0", "#558b2f", "#4527a0", "#ef6c00"];

  function option(chart) {
    var percent = chart.kind === "percent";
    var series = chart.series.map(function (s) {
      var item = {
        name: s.name,
        type: chart.kind === "line" ? "line" : "bar",
        data: s.values,
        label: { show: chart.kind !== "line" && chart.kind !== "stacked", position: "top",
          formatter: percent ? "{c}%" : "{c}" },
        emphasis: { focus: "series" }
      };
      if (chart.kind === "stacked") { item.stack = "all"; }
      if (chart.kind === "line") { item.symbolSize = 4; }
      return item;
    });
    if (chart.target !== null && series.length) {
      series[0].markLine = {
        symbol: "none", data: [{ yAxis: chart.target, name: chart.target_label }],
        label: { formatter: chart.target_label }, lineStyle: { type: "dashed", color: "#1d2329" }
      };
    }
    return {
      color: PALETTE,
      animation: false,
      aria: { enabled: true, decal: { show: true } },
      tooltip: { trigger: "axis" },
      legend: { top: 0, type: "scroll" },
      grid: { left: 48, right: 16, top: 36, bottom: chart.categories.length > 8 ? 70 : 30 },
      xAxis: { type: "category", data: chart.categories,
        axisLabel: { interval: chart.kind === "line" ? 3 : 0, rotate: chart.categories.length > 8 && chart.kind !== "line" ? 30 : 0 } },
      yAxis: { type: "value", max: percent ? 100 : null, name: chart.unit },
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
