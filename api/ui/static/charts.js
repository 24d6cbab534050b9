// Charts and the jurisdiction map, drawn with the vendored ECharts (no CDN, no inline script).
// Data comes from <script type="application/json"> blocks the server filled (never executed)
// or from the JSON API. Tooltips are HTML in ECharts, so every value is escaped first.
"use strict";

const RED = "#8b1d1d", AMBER = "#d97706", BLUE = "#0b5cad";
const STATUS_COLOURS = { new: "#b42318", reopened: "#b42318", dispatched: AMBER, in_progress: BLUE,
  resolved: "#15803d", closed: "#6b7280", rejected: "#9ca3af" };
const STATUS_NAMES = { new: "待派单", dispatched: "已派单", in_progress: "处置中", resolved: "已办结",
  closed: "已回访", reopened: "重新办理", rejected: "已驳回", merged: "已合并" };

function esc(value) {
  return window.echarts.format.encodeHTML(String(value == null ? "" : value));
}

function readJson(id) {
  const node = document.getElementById(id);
  if (!node) return null;
  try { return JSON.parse(node.textContent); } catch (e) { return null; }
}

function chartIn(id) {
  const node = document.getElementById(id);
  if (!node || !window.echarts) return null;
  const chart = window.echarts.init(node, null, { renderer: "canvas" });
  window.addEventListener("resize", () => chart.resize());
  node.dataset.rendered = "1";  // end-to-end tests wait for this
  return chart;
}

function seriesChart(id, points) {
  const chart = chartIn(id);
  if (!chart) return;
  chart.setOption({
    animation: false, grid: { left: 40, right: 12, top: 28, bottom: 24 },
    legend: { data: ["帖子", "诉求"], top: 0 }, tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: points.map((p) => p.label) }, yAxis: { type: "value", minInterval: 1 },
    series: [{ name: "帖子", type: "bar", data: points.map((p) => p.posts), itemStyle: { color: "#9ca3af" } },
             { name: "诉求", type: "line", data: points.map((p) => p.complaints), itemStyle: { color: RED } }],
  });
}

function barChart(id, pairs, colour) {
  const chart = chartIn(id);
  if (!chart) return;
  const rows = pairs.slice().reverse();  // largest at the top
  chart.setOption({
    animation: false, grid: { left: 96, right: 36, top: 6, bottom: 6 }, tooltip: {},
    xAxis: { type: "value", show: false }, yAxis: { type: "category", data: rows.map((r) => r[0]) },
    series: [{ type: "bar", data: rows.map((r) => r[1]), itemStyle: { color: colour },
               label: { show: true, position: "right" } }],
  });
}

// The jurisdiction from gazetteer outlines: districts as regions, streets as labelled
// points, cases as markers (pulsing when urgent or waiting), complaints as a heat layer.
function jurisdictionMap(id, data) {
  const chart = chartIn(id);
  if (!chart || !data || !data.base) return;
  window.echarts.registerMap("jurisdiction", data.base.geojson);
  const layers = data.layers || { cases: [], heat: [] };
  const urgent = layers.cases.filter((c) => ["urgent", "high"].includes(c.priority) || c.status === "new" || c.status === "reopened");
  const calm = layers.cases.filter((c) => !urgent.includes(c));
  const heatMax = Math.max(1, ...layers.heat.map((h) => h[2]));
  const geo = { map: "jurisdiction", roam: true, aspectScale: 0.86, layoutCenter: ["50%", "50%"], layoutSize: "95%",
    label: { show: true, color: "#52606d", fontSize: 13 },
    itemStyle: { areaColor: "#eef2f6", borderColor: "#8b1d1d", borderWidth: 1.2 },
    emphasis: { itemStyle: { areaColor: "#fde2e1" }, label: { color: RED } } };
  if (data.focus) { geo.center = data.focus.value.slice(0, 2); geo.zoom = 2.5; }
  const caseTip = (p) => `${esc(p.data.id)} · ${esc(STATUS_NAMES[p.data.status] || p.data.status)}<br>${esc(p.data.title)}<br>${esc(p.data.posts)} 帖`;
  const series = [
    { name: "诉求热力", type: "heatmap", coordinateSystem: "geo", data: layers.heat, pointSize: 14, blurSize: 22 },
    { name: "街道", type: "scatter", coordinateSystem: "geo", data: data.base.streets, symbolSize: 4, silent: true,
      itemStyle: { color: "#6b7280" }, label: { show: true, formatter: "{b}", position: "right", fontSize: 10, color: "#6b7280" } },
    { name: "工单", type: "scatter", coordinateSystem: "geo", data: calm, tooltip: { formatter: caseTip },
      symbolSize: (v) => 6 + Math.min(10, v[2]), itemStyle: { color: (p) => STATUS_COLOURS[p.data.status] || BLUE } },
    { name: "待办工单", type: "effectScatter", coordinateSystem: "geo", data: urgent, tooltip: { formatter: caseTip },
      symbolSize: (v) => 8 + Math.min(12, v[2]), rippleEffect: { scale: 3, brushType: "stroke" },
      itemStyle: { color: (p) => STATUS_COLOURS[p.data.status] || RED } },
  ];
  if (data.focus) {
    series.push({ name: "本工单", type: "effectScatter", coordinateSystem: "geo", data: [data.focus], symbolSize: 16,
      itemStyle: { color: RED }, label: { show: true, formatter: "{b}", position: "top", color: RED, fontWeight: "bold" },
      tooltip: { formatter: (p) => esc(p.name) } });
  }
  chart.setOption({
    animation: false, geo, series,
    tooltip: { trigger: "item" },
    legend: { data: ["工单", "待办工单"], bottom: 4, left: 4 },
    visualMap: { seriesIndex: 0, min: 0, max: heatMax, calculable: false, show: layers.heat.length > 0,
      orient: "horizontal", right: 8, bottom: 4, itemHeight: 80, text: ["多", "少"],
      inRange: { color: ["rgba(253,230,138,0.1)", "#fbbf24", "#f97316", "#b91c1c"] } },
  });
}

function searchTrend() {
  const node = document.getElementById("trend-chart");
  if (!node || !window.fetch) return;
  fetch("/api/v1/stats/trend?interval=day&" + node.dataset.query, { credentials: "same-origin" })
    .then((r) => (r.ok ? r.json() : null))
    .then((data) => {
      if (!data) return;
      const points = data.buckets.slice(-60).map((b) => ({ label: b.start.slice(5, 10), posts: b.count }));
      const chart = chartIn("trend-chart");
      if (!chart) return;
      chart.setOption({
        animation: false, grid: { left: 36, right: 10, top: 10, bottom: 22 }, tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: points.map((p) => p.label) }, yAxis: { type: "value", minInterval: 1 },
        series: [{ name: "命中帖子", type: "bar", data: points.map((p) => p.posts), itemStyle: { color: RED } }],
      });
    })
    .catch(() => {});
}

document.addEventListener("DOMContentLoaded", () => {
  if (!window.echarts) return;
  const overview = readJson("overview-data");
  if (overview) {
    seriesChart("series-chart", overview.series);
    barChart("category-chart", overview.by_category, RED);
    barChart("district-chart", overview.by_district, BLUE);
    if (overview.map) jurisdictionMap("overview-map", overview.map);
  }
  const caseMap = readJson("case-map-data");
  if (caseMap) jurisdictionMap("case-map", caseMap);
  searchTrend();
});
