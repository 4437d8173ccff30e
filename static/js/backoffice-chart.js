// Back office dashboard: sales and margin chart (Chart.js, vendored under static/vendor/chartjs).
(function () {
  var canvas = document.getElementById("sales-chart");
  var data = document.getElementById("sales-data");
  if (!canvas || !data || typeof Chart === "undefined") { return; }
  var series = JSON.parse(data.textContent);
  var primary = getComputedStyle(document.documentElement).getPropertyValue("--sf-primary").trim() || "#c7000b";
  new Chart(canvas, {
    type: "line",
    data: {
      labels: series.labels,
      datasets: [
        { label: canvas.dataset.salesLabel, data: series.sales.map(Number), borderColor: primary },
        { label: canvas.dataset.marginLabel, data: series.margin.map(Number), borderColor: "#1f7a3a" }
      ]
    },
    options: { animation: false, scales: { y: { beginAtZero: true } } }
  });
})();
