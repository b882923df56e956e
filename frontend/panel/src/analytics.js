// The analytics page's charts, drawn by Chart.js from the figures the page embeds (#analytics-charts, labels already
// in the staff member's language). Only the chart types the page uses are bundled.
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LineController, LineElement, LinearScale, PointElement,
  Tooltip,
} from "chart.js";

import { gettext } from "./i18n.js";

Chart.register(BarController, BarElement, CategoryScale, Legend, LineController, LineElement, LinearScale,
  PointElement, Tooltip);

const BRAND = "#4338ca";
const MUTED = "#94a3b8";
const WEEKDAY_COLOURS = ["#4f46e5", "#0ea5e9", "#10b981", "#84cc16", "#f59e0b", "#f97316", "#ef4444"];

function base(extra) {
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    interaction: { mode: "index", intersect: false },
    plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
    scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    ...extra,
  };
}

function draw(canvas, data) {
  const kind = canvas.dataset.chart;
  if (kind === "days") {
    const d = data.days;
    return new Chart(canvas, {
      type: "line",
      data: {
        labels: d.labels,
        datasets: [
          { label: d.names.visits, data: d.visits, borderColor: BRAND, backgroundColor: BRAND, tension: 0.25 },
          { label: d.names.previous, data: d.previous, borderColor: MUTED, backgroundColor: MUTED, borderDash: [6, 4],
            tension: 0.25 },
        ],
      },
      options: base(),
    });
  }
  if (kind === "hours") {
    const h = data.hours;
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: h.labels,
        datasets: h.series.map((s, i) => ({ label: s.name, data: s.data, backgroundColor: WEEKDAY_COLOURS[i] })),
      },
      options: base({
        scales: {
          x: { stacked: true, title: { display: true, text: gettext("Hour of the day") } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: gettext("Visits") } },
        },
      }),
    });
  }
  if (kind === "progress") {
    const p = data.progress;
    return new Chart(canvas, {
      type: "bar",
      data: { labels: p.labels, datasets: [{ label: p.name, data: p.data, backgroundColor: BRAND }] },
      options: base({ plugins: { legend: { display: false } } }),
    });
  }
  return null;
}

export function initAnalytics(root) {
  const source = document.getElementById("analytics-charts");
  if (!source) return;
  const data = JSON.parse(source.textContent);
  root.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    if (canvas.dataset.drawn) return;
    canvas.dataset.drawn = "1";
    draw(canvas, data);
  });
}
