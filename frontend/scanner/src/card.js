// The parts of a card every mode shows: who, how many stamps of how many, milestones, rewards, vouchers.

import { h } from "./dom.js";
import { fmt, gettext, language, ngettext } from "./i18n.js";
import { formatMoney } from "./money.js";

const DOTS_UP_TO = 20;  // a longer card shows a bar: 50 dots are no longer readable

export function stampsText(card) {
  return fmt(ngettext("%(stamps)s of %(goal)s stamp", "%(stamps)s of %(goal)s stamps", card.goal), {
    stamps: card.stamps,
    goal: card.goal,
  });
}

export function progress(card) {
  const filled = Math.min(card.stamps, card.goal);
  let visual;
  if (card.goal <= DOTS_UP_TO) {
    const reachedAt = new Set((card.milestones || []).map((m) => m.at));
    visual = h(
      "ol",
      { class: "dots", "aria-hidden": "true" },
      Array.from({ length: card.goal }, (_, i) =>
        h("li", { class: [i < filled ? "on" : "", reachedAt.has(i + 1) ? "milestone" : ""].join(" ").trim() }),
      ),
    );
  } else {
    visual = h("div", { class: "bar", "aria-hidden": "true" }, h("span", { style: `width:${(100 * filled) / card.goal}%` }));
  }
  return h("div", { class: "progress" }, visual, h("p", { class: "stamps", "data-testid": "stamps" }, stampsText(card)));
}

export function milestones(card) {
  const list = card.milestones || [];
  if (list.length <= 1) return null;
  return h(
    "ul",
    { class: "milestones", "data-testid": "milestones" },
    list.map((m) =>
      h("li", { class: m.reached ? "reached" : "" }, h("span", { class: "at" }, String(m.at)), " ", m.title,
        m.reached ? h("span", { class: "sr" }, ` (${gettext("reached")})`) : null),
    ),
  );
}

export function formatDate(iso) {
  if (!iso) return "";
  try {
    return new Intl.DateTimeFormat(language(), { dateStyle: "medium" }).format(new Date(iso));
  } catch {
    return iso.slice(0, 10);
  }
}

export function formatTime(iso) {
  try {
    return new Intl.DateTimeFormat(language(), { timeStyle: "short" }).format(iso ? new Date(iso) : new Date());
  } catch {
    return "";
  }
}

/**
 * What a discount voucher takes off, in words ("10% off the bill", "₴50.00 off the bill"); null for a gift, which is
 * handed over. The scanner does not see the till's bill, so the staff member applies the discount there.
 */
export function benefitText(voucher, currency) {
  const benefit = voucher.benefit || {};
  if (benefit.kind === "percent") return fmt(gettext("%(percent)s off the bill"), { percent: `${benefit.value}%` });
  if (benefit.kind === "amount") return fmt(gettext("%(amount)s off the bill"), { amount: formatMoney(benefit.value, currency) });
  return null;
}

/** What the staff member says after a redemption: hand a gift over, or take the discount off the bill. */
export function redeemedText(voucher, currency) {
  const title = voucher.title || voucher.display_code || voucher.code;
  const benefit = benefitText(voucher, currency);
  if (!benefit) return fmt(gettext("Voucher redeemed: %(title)s"), { title });
  return fmt(gettext("Voucher redeemed: %(title)s. Take %(benefit)s."), { title, benefit });
}

export function voucherLine(voucher, currency) {
  return [
    benefitText(voucher, currency),
    voucher.display_code || voucher.code,
    voucher.expires_at ? fmt(gettext("valid until %(date)s"), { date: formatDate(voucher.expires_at) }) : null,
  ].filter(Boolean).join(" · ");
}

/** A lottery draw's outcome in plain words. */
export function prizeText(draw) {
  const prize = draw.prize || {};
  const kind = prize.kind || draw.outcome || (draw.variant && draw.variant.kind);
  const title = prize.title || (draw.reward && draw.reward.title) || (draw.variant && draw.variant.name) || "";
  if (kind === "nothing" || !kind) return gettext("No prize this time.");
  if (kind === "extra_try") return gettext("An extra try: spin once more!");
  return fmt(gettext("You won: %(prize)s"), { prize: title });
}

export function rewardsReachedText(rewards) {
  return (rewards || []).map((reward) => fmt(gettext("Reward reached: %(title)s"), { title: reward.title }));
}
