// Back office dashboard: sales and margin chart (Chart.js, vendored under static/vendor/chartjs).
// Every day of the window is on the x axis; the y axis starts at zero (or the lowest margin)
// and ends at a round number above the highest value (computed by the server: money.chart_data).
(function () {
  var canvas = document.getElementById("sales-chart");
  var data = document.getElementById("sales-data");
  if (!canvas || !data || typeof Chart === "undefined") { return; }
  var series = JSON.parse(data.textContent);
  var primary = getComputedStyle(document.documentElement).getPropertyValue("--sf-primary").trim() || "#c7000b";
  var title = function (text) { return { display: true, text: text }; };
  new Chart(canvas, {
    type: "line",
    data: {
      labels: series.labels,
      datasets: [
        { label: canvas.dataset.salesLabel, data: series.sales.map(Number), borderColor: primary,
          backgroundColor: primary, tension: 0.2 },
        { label: canvas.dataset.marginLabel, data: series.margin.map(Number), borderColor: "#1f7a3a",
          backgroundColor: "#1f7a3a", tension: 0.2 }
      ]
    },
    options: {
      animation: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { title: title(canvas.dataset.xTitle), ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } },
        y: { title: title(canvas.dataset.yTitle), min: Number(series.y_min), max: Number(series.y_max) }
      }
    }
  });
})();
