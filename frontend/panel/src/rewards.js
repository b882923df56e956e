// Behaviours of the panel's rewards pages: the lottery editor's live total of the chances (which must be exactly
// 100%), adding prizes, showing only the fields a prize kind uses; the voucher form's customer picker and validity
// choice; and forms that must not be sent twice by a double tap.
import { initCommon } from "./common.js";
import { fmt, gettext } from "./i18n.js";

const SCALE = 10000; // parts per million in one percent
const TOTAL = 100 * SCALE;

function once(element, name) {
  const key = `rewards${name}`;
  if (element.dataset[key]) return false;
  element.dataset[key] = "1";
  return true;
}

/** "33.33" or "33,33" -> 333300 parts per million, exactly (no floating point); NaN if it is not a percentage. */
export function percentToPpm(text) {
  const match = /^\s*(\d{1,3})(?:[.,](\d{0,4}))?\s*%?\s*$/.exec(text || "");
  if (!match) return NaN;
  return Number(match[1]) * SCALE + Number((match[2] || "").padEnd(4, "0"));
}

function ppmToText(ppm) {
  const whole = Math.floor(ppm / SCALE);
  const fraction = String(ppm % SCALE).padStart(4, "0").replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : String(whole);
}

function isRemoved(row) {
  const remove = row.querySelector('input[type="checkbox"][name$="-DELETE"]');
  return Boolean(remove && remove.checked);
}

function updateTotal(form) {
  const output = form.querySelector("[data-odds-sum]");
  if (!output) return;
  const hint = form.querySelector("[data-odds-hint]");
  let total = 0;
  let unreadable = false;
  form.querySelectorAll("[data-variant]").forEach((row) => {
    row.classList.toggle("is-removed", isRemoved(row));
    const input = row.querySelector("[data-odds-input]");
    if (!input || isRemoved(row) || input.value.trim() === "") return;
    const ppm = percentToPpm(input.value);
    if (Number.isNaN(ppm)) unreadable = true;
    else total += ppm;
  });
  const exact = !unreadable && total === TOTAL;
  output.textContent = unreadable ? "?" : `${ppmToText(total)}%`;
  output.classList.toggle("is-exact", exact);
  output.classList.toggle("is-off", !exact);
  if (!hint) return;
  if (unreadable) hint.textContent = gettext("a chance is not a number such as 12.5");
  else if (exact) hint.textContent = gettext("exactly 100%, as it must be");
  else if (total < TOTAL) hint.textContent = fmt(gettext("%(left)s still to share out"), { left: `${ppmToText(TOTAL - total)}%` });
  else hint.textContent = fmt(gettext("%(over)s too much"), { over: `${ppmToText(total - TOTAL)}%` });
}

function showKindFields(row) {
  const kind = row.querySelector("[data-variant-kind]");
  if (!kind) return;
  const voucher = row.querySelector("[data-variant-voucher]");
  const caps = row.querySelector("[data-variant-caps]");
  if (voucher) voucher.hidden = kind.value !== "voucher";
  if (caps) caps.hidden = kind.value === "nothing";
}

function numberRows(form) {
  form.querySelectorAll("[data-variant]").forEach((row, index) => {
    const number = row.querySelector("[data-variant-number]");
    if (number) number.textContent = String(index + 1);
  });
}

/** The blank rows the server adds for pages without JavaScript: "Add a prize" replaces them. Only trailing ones go,
 * so the rows left keep their form numbers. */
function dropSpareRows(form, totalForms) {
  const rows = [...form.querySelectorAll("[data-variant-list] > [data-variant]")];
  let count = Number(totalForms.value);
  while (rows.length && rows[rows.length - 1].hasAttribute("data-variant-spare")) {
    rows.pop().remove();
    count -= 1;
  }
  totalForms.value = String(count);
  numberRows(form);
}

function initLotteryForm(form) {
  if (!once(form, "Lottery")) return;
  form.querySelectorAll("[data-variant]").forEach(showKindFields);
  form.addEventListener("input", () => updateTotal(form));
  form.addEventListener("change", (event) => {
    const row = event.target.closest("[data-variant]");
    if (row) showKindFields(row);
    updateTotal(form);
  });
  const add = form.querySelector("[data-variant-add]");
  const template = form.querySelector("template[data-variant-template]");
  const totalForms = form.querySelector('input[name$="-TOTAL_FORMS"]');
  const maxForms = form.querySelector('input[name$="-MAX_NUM_FORMS"]');
  if (add && template && totalForms) {
    dropSpareRows(form, totalForms);
    add.hidden = false;
    add.addEventListener("click", () => {
      const count = Number(totalForms.value);
      if (maxForms && count >= Number(maxForms.value)) return;
      const html = template.innerHTML.replace(/__prefix__/g, String(count));
      const holder = document.createElement("div");
      holder.innerHTML = html;
      const row = holder.firstElementChild;
      form.querySelector("[data-variant-list]").appendChild(row);
      totalForms.value = String(count + 1);
      showKindFields(row);
      initCommon(row);
      numberRows(form);
      updateTotal(form);
      const name = row.querySelector('input[name$="-name"]');
      if (name) name.focus();
    });
  }
  updateTotal(form);
}

function initValidity(fieldset) {
  if (!once(fieldset, "Validity")) return;
  const update = () => {
    const checked = fieldset.querySelector("[data-validity-choice]:checked, input[name$='validity']:checked");
    const choice = checked ? checked.value : "days";
    fieldset.querySelectorAll("[data-validity-for]").forEach((part) => {
      part.hidden = part.dataset.validityFor !== choice;
    });
  };
  fieldset.addEventListener("change", update);
  update();
}

function initCardPicker(root) {
  root.querySelectorAll("[data-pick-card]").forEach((link) => {
    if (!once(link, "Pick")) return;
    link.addEventListener("click", (event) => {
      const form = document.querySelector("form[data-voucher-form]");
      if (!form) return;
      event.preventDefault();
      form.querySelector('input[name="card"]').value = link.dataset.pickCard;
      const chosen = form.querySelector("[data-chosen-card]");
      if (chosen) {
        chosen.textContent = "";
        const line = document.createElement("p");
        const strong = document.createElement("strong");
        strong.textContent = link.dataset.pickLabel;
        line.append(gettext("Voucher for:"), " ", strong);
        chosen.appendChild(line);
      }
      document.querySelectorAll("[data-pick-card]").forEach((other) => {
        other.classList.toggle("button-primary", other === link);
      });
      const title = form.querySelector('input[name="title"]');
      if (title) title.focus();
    });
  });
}

function initOnce(form) {
  if (!once(form, "Once")) return;
  // A double tap sends one request; the server would refuse the second anyway (a stamp's scan id, a redeemed code).
  form.addEventListener("submit", () => {
    setTimeout(() => form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; }), 0);
  });
}

export function initRewards(root) {
  root.querySelectorAll("form[data-lottery-form]").forEach(initLotteryForm);
  root.querySelectorAll("fieldset[data-validity]").forEach(initValidity);
  root.querySelectorAll("form[data-once]").forEach(initOnce);
  initCardPicker(root);
}
