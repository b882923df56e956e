// Behaviours of the panel's organisation pages: the map that picks a location's coordinates (the lat/lng inputs stay
// the source of truth and stay typeable; the map only reads and writes them), and the plan form's paid-only fields.
import L from "leaflet";
import "leaflet/dist/leaflet.css";

import { gettext } from "./i18n.js";

const TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
const WORLD = [48.5, 31.2]; // a start when no coordinates are set yet (the middle of Ukraine)

function number(input, min, max) {
  const value = Number.parseFloat(String(input.value).replace(",", "."));
  return Number.isFinite(value) && value >= min && value <= max ? value : null;
}

function initMap(box) {
  if (box.dataset.mapReady) return;
  box.dataset.mapReady = "1";
  const lat = document.getElementById(box.dataset.latInput);
  const lng = document.getElementById(box.dataset.lngInput);
  if (!lat || !lng) return;
  const start = () => {
    const a = number(lat, -90, 90);
    const b = number(lng, -180, 180);
    return a !== null && b !== null ? [a, b] : null;
  };
  const here = start();
  const map = L.map(box, { scrollWheelZoom: false }).setView(here || WORLD, here ? 16 : 5);
  L.tileLayer(TILES, {
    maxZoom: 19,
    attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
  }).addTo(map);
  let marker = null;
  const place = (point) => {
    if (!point) {
      if (marker) { marker.remove(); marker = null; }
      return;
    }
    if (!marker) {
      marker = L.circleMarker(point, { radius: 9, color: "#4338ca", weight: 3, fillOpacity: 0.35 }).addTo(map);
    } else {
      marker.setLatLng(point);
    }
  };
  place(here);
  map.on("click", (event) => {
    lat.value = event.latlng.lat.toFixed(6);
    lng.value = event.latlng.lng.toFixed(6);
    place([event.latlng.lat, event.latlng.lng]);
  });
  const typed = () => {
    const point = start();
    place(point);
    if (point) map.panTo(point);
  };
  lat.addEventListener("change", typed);
  lng.addEventListener("change", typed);
  box.setAttribute("aria-label", gettext("Map: click to set the location's coordinates"));
}

// A delivery-insert batch's form shows the fields of the benefit picked (stamps, or a voucher's or gift's terms);
// without the script every field shows and the server ignores the other kinds'.
function initInsertBenefit(form) {
  if (form.dataset.insertBenefitReady) return;
  form.dataset.insertBenefitReady = "1";
  const update = () => {
    const checked = form.querySelector("[data-insert-benefit-choice]:checked");
    const kind = checked ? checked.value : "stamp";
    form.querySelectorAll("[data-insert-benefit-for]").forEach((part) => {
      part.hidden = !part.dataset.insertBenefitFor.split(" ").includes(kind);
    });
  };
  form.addEventListener("change", update);
  update();
}

// Billing (monthly or yearly) and the locations covered belong to the paid plan: they show only while it is chosen.
// Without this script they stay visible, and the server ignores them for the free plan.
function initPlanForm(form) {
  if (form.dataset.planReady) return;
  form.dataset.planReady = "1";
  const paidOnly = form.querySelector("[data-plan-paid]");
  if (!paidOnly) return;
  const update = () => {
    const chosen = form.querySelector("input[name='plan']:checked");
    paidOnly.hidden = !chosen || chosen.value !== "paid";
  };
  form.addEventListener("change", update);
  update();
}

export function initOrganisation(root) {
  root.querySelectorAll("[data-location-map]").forEach(initMap);
  root.querySelectorAll("form[data-insert-batch-form]").forEach(initInsertBenefit);
  root.querySelectorAll("form[data-plan-form]").forEach(initPlanForm);
}
