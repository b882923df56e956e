// The card designer: the live preview follows the form as it changes (debounced, nothing saved), the contrast
// warning is worked out as colours are picked, and milestones are added and removed in place. Without JavaScript
// the preview shows the saved card and "Add milestone" posts the form back with one more row.
import { initCommon } from "./common.js";
import { fmt, gettext } from "./i18n.js";

const DELAY_MS = 300;
const MIN_CONTRAST = 4.5;

function once(element, name) {
  const key = `init${name}`;
  if (element.dataset[key]) return false;
  element.dataset[key] = "1";
  return true;
}

// WCAG 2 relative luminance and contrast ratio, as stampcard.panel.designer.preview computes them.
function luminance(hex) {
  const channel = (i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

export function contrastRatio(a, b) {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

const HEX = /^#[0-9a-fA-F]{6}$/;

function formParams(form) {
  const params = new URLSearchParams();
  if (!form) return params;
  for (const name of ["name", "background_color", "foreground_color", "label_color"]) {
    const input = form.elements.namedItem(name);
    if (input && input.value) params.set(name, input.value);
  }
  const icon = form.querySelector("input[name=stamp_icon]:checked");
  if (icon) params.set("stamp_icon", icon.value);
  const marks = [];
  form.querySelectorAll("[data-milestone]").forEach((row) => {
    const removed = row.querySelector("input[name$='-DELETE']");
    const at = row.querySelector("input[name$='-at']");
    if (at && at.value && !(removed && removed.checked)) marks.push(at.value);
  });
  if (marks.length) params.set("marks", marks.join(","));
  return params;
}

function applyColours(aside) {
  const root = aside.querySelector("[data-preview-root]");
  if (!root) return;
  aside.style.setProperty("--card-bg", root.dataset.bg);
  aside.style.setProperty("--card-fg", root.dataset.fg);
  aside.style.setProperty("--card-label", root.dataset.label);
  const slider = aside.querySelector("[data-preview-stamps]");
  if (slider) {
    slider.max = root.dataset.goal;
    slider.value = root.dataset.stamps;
    const output = aside.querySelector("[data-preview-count]");
    if (output) output.textContent = root.dataset.stamps;
  }
}

function contrastWarning(form) {
  const box = form.querySelector("[data-contrast-warning]");
  if (!box) return;
  const value = (name) => (form.elements.namedItem(name) || {}).value || "";
  const bg = value("background_color");
  const problems = [];
  const pairs = [
    ["foreground_color", gettext("The text colour is hard to read on the background (contrast %(ratio)s:1; aim for 4.5:1 or more).")],
    ["label_color", gettext("The label colour is hard to read on the background (contrast %(ratio)s:1; aim for 4.5:1 or more).")],
  ];
  for (const [name, message] of pairs) {
    const colour = value(name);
    if (!HEX.test(bg) || !HEX.test(colour)) continue;
    const ratio = contrastRatio(colour, bg);
    if (ratio < MIN_CONTRAST) problems.push(fmt(message, { ratio: ratio.toFixed(1) }));
  }
  box.textContent = problems.join(" ");
  box.hidden = problems.length === 0;
}

function initPreview(aside) {
  const form = document.querySelector("[data-designer-form]");
  const body = aside.querySelector("[data-preview-body]");
  const slider = aside.querySelector("[data-preview-stamps]");
  let timer = null;
  let latest = 0;

  async function refresh() {
    const params = formParams(form);
    if (slider) params.set("stamps", slider.value);
    const ticket = ++latest;
    aside.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(`${aside.dataset.url}?${params}`, { credentials: "same-origin" });
      if (!response.ok || ticket !== latest) return;  // a newer refresh is on its way
      body.innerHTML = await response.text();
      applyColours(aside);
    } finally {
      if (ticket === latest) aside.removeAttribute("aria-busy");
    }
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, DELAY_MS);
  }

  applyColours(aside);
  if (slider) {
    slider.addEventListener("input", () => {
      const output = aside.querySelector("[data-preview-count]");
      if (output) output.textContent = slider.value;
      later();
    });
  }
  if (form) {
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    form.addEventListener("designer:changed", later);
  }
}

function showKindFields(row) {
  const kind = row.querySelector("select[name$='-kind']");
  if (!kind) return;
  row.querySelectorAll("[data-kind-only]").forEach((box) => {
    box.hidden = box.dataset.kindOnly !== kind.value;
  });
}

function initMilestones(form) {
  const rows = form.querySelector("[data-milestone-rows]");
  const template = form.querySelector("[data-milestone-template]");
  const total = form.querySelector("input[name$='-TOTAL_FORMS']");
  const maximum = form.querySelector("input[name$='-MAX_NUM_FORMS']");
  const add = form.querySelector("[data-milestone-add]");

  function renumber() {
    let n = 0;
    rows.querySelectorAll("[data-milestone]").forEach((row) => {
      const removed = row.querySelector("input[name$='-DELETE']");
      row.classList.toggle("removed", Boolean(removed && removed.checked));
      const number = row.querySelector("[data-milestone-number]");
      if (number) number.textContent = removed && removed.checked ? "" : String(++n);
    });
  }

  rows.querySelectorAll("[data-milestone]").forEach(showKindFields);
  form.addEventListener("change", (event) => {
    const row = event.target.closest("[data-milestone]");
    if (row) showKindFields(row);
    renumber();
  });

  if (add && template && total) {
    add.addEventListener("click", (event) => {
      event.preventDefault();
      const index = Number(total.value);
      if (maximum && index >= Number(maximum.value)) {
        add.disabled = true;
        return;
      }
      const html = template.innerHTML.replace(/__prefix__/g, String(index));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      const row = rows.lastElementChild;
      const previous = [...rows.querySelectorAll("input[name$='-at']")].map((i) => Number(i.value) || 0);
      const at = row.querySelector("input[name$='-at']");
      if (at) at.value = String(Math.max(0, ...previous) + 3);
      showKindFields(row);
      initCommon(row);
      renumber();
      const title = row.querySelector("input[name$='-title']");
      if (title) title.focus();
      form.dispatchEvent(new CustomEvent("designer:changed"));
    });
  }
  renumber();
}

export function initDesigner(root) {
  root.querySelectorAll("[data-designer-preview]").forEach((aside) => {
    if (once(aside, "Preview")) initPreview(aside);
  });
  root.querySelectorAll("form[data-designer-form]").forEach((form) => {
    if (!once(form, "Contrast")) return;
    contrastWarning(form);
    form.addEventListener("input", () => contrastWarning(form));
  });
  root.querySelectorAll("form[data-milestones]").forEach((form) => {
    if (once(form, "Milestones")) initMilestones(form);
  });
}
