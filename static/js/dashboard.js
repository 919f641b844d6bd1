/* Tika dashboard charts. No inline script: the numbers come from the json_script element
 * #dashboard-data inside the live fragment, which htmx replaces every few seconds; the
 * charts (Chart.js, vendored) are then updated in place. Without JavaScript, or if Chart.js
 * is missing, the charts stay hidden and the tables show the same numbers. */
(function () {
  "use strict";

  var charts = {};

  function readData() {
    var element = document.getElementById("dashboard-data");
    if (!element) { return null; }
    try { return JSON.parse(element.textContent); } catch (error) { return null; }
  }

  // The palette lives in static/css/app.css (--chart-<key>), where its contrast is tested.
  function color(key) {
    var value = getComputedStyle(document.documentElement).getPropertyValue("--chart-" + key).trim();
    return value || "#5b6475";
  }

  function statusConfig(data) {
    return {
      type: "doughnut",
      data: {
        labels: data.status.labels,
        datasets: [{ data: data.status.values, backgroundColor: data.status.keys.map(color), borderWidth: 1 }]
      },
      options: { animation: false, maintainAspectRatio: false, plugins: { legend: { position: "right" } } }
    };
  }

  function trendConfig(data) {
    // A day or two recorded (a new organization) is a dot, not an invisible line.
    var recorded = data.trend.dates.filter(function (date, index) {
      return data.trend.series.some(function (series) { return series.values[index] !== null; });
    }).length;
    var radius = recorded <= 2 ? 4 : 0;
    return {
      type: "line",
      data: {
        labels: data.trend.dates,
        datasets: data.trend.series.map(function (series) {
          return {
            label: series.label, data: series.values, borderColor: color(series.key),
            backgroundColor: color(series.key), pointRadius: radius, borderWidth: 2, spanGaps: false, tension: 0.2
          };
        })
      },
      options: {
        animation: false, maintainAspectRatio: false, interaction: { mode: "index", intersect: false },
        scales: { x: { ticks: { maxTicksLimit: 8 } }, y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    };
  }

  var BUILDERS = { status: statusConfig, trend: trendConfig };

  function render() {
    var data = readData();
    var box = document.querySelector("[data-dashboard-charts]");
    if (!data || !box || typeof window.Chart === "undefined") { return; }
    box.hidden = false;
    Object.keys(BUILDERS).forEach(function (name) {
      var config = BUILDERS[name](data);
      var chart = charts[name];
      if (chart) {
        chart.data.labels = config.data.labels;
        config.data.datasets.forEach(function (dataset, index) {
          if (chart.data.datasets[index]) {
            chart.data.datasets[index].data = dataset.data;
            chart.data.datasets[index].pointRadius = dataset.pointRadius;
            chart.data.datasets[index].label = dataset.label;
          } else {
            chart.data.datasets.push(dataset);
          }
        });
        chart.update("none");
        return;
      }
      var canvas = box.querySelector('canvas[data-chart="' + name + '"]');
      if (canvas) { charts[name] = new window.Chart(canvas, config); }
    });
  }

  document.addEventListener("DOMContentLoaded", render);
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.id === "dashboard-live") { render(); }
  });
})();
