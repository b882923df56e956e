// Behaviours any panel page may use, switched on by data attributes.
import { gettext } from "./i18n.js";

function once(element, name) {
  const key = `init${name}`;
  if (element.dataset[key]) return false;
  element.dataset[key] = "1";
  return true;
}

/** A voucher's benefit (<div data-benefit>): only the field of the kind chosen (percent or amount) shows. */
export function showBenefit(box) {
  const kind = box.querySelector("[name$='benefit_kind']");
  box.querySelectorAll("[data-benefit-for]").forEach((part) => {
    part.hidden = !kind || part.dataset.benefitFor !== kind.value;
  });
}

export function initCommon(root) {
  root.querySelectorAll("[data-benefit]").forEach((box) => {
    showBenefit(box);
    if (once(box, "Benefit")) box.addEventListener("change", () => showBenefit(box));
  });

  // <button data-copy="text"> or data-copy-from="#id": copies, then says so for a moment.
  root.querySelectorAll("[data-copy], [data-copy-from]").forEach((button) => {
    if (!once(button, "Copy")) return;
    button.addEventListener("click", async () => {
      const source = button.dataset.copyFrom ? document.querySelector(button.dataset.copyFrom) : null;
      const text = source ? (source.value ?? source.textContent) : button.dataset.copy;
      try {
        await navigator.clipboard.writeText(text.trim());
      } catch {
        if (source && source.select) source.select();  // no clipboard (plain http): leave it selected to copy
        return;
      }
      const label = button.querySelector("[data-copy-label]") || button;
      const before = label.textContent;
      label.textContent = gettext("Copied");
      setTimeout(() => { label.textContent = before; }, 1600);
    });
  });

  // <form data-confirm="Are you sure…"> asks before submitting.
  root.querySelectorAll("form[data-confirm]").forEach((form) => {
    if (!once(form, "Confirm")) return;
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  // The phone menu: a button toggles the navigation drawer.
  root.querySelectorAll("[data-menu-toggle]").forEach((button) => {
    if (!once(button, "Menu")) return;
    button.addEventListener("click", () => {
      const open = document.body.classList.toggle("menu-open");
      button.setAttribute("aria-expanded", String(open));
    });
  });
}
