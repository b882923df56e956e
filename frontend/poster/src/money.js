// Poster's POS objects give money in major units as numbers (Order.total = 27.5 UAH); stampcard's API takes integer
// minor units (2750). The conversion works on the decimal digits as text: 27.55 * 100 in floating point is
// 2755.0000000000005 and 1.005 * 100 is 100.49999999999999.

import { language } from "./i18n.js";

export function currencyDigits(currency) {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
  } catch (error) {
    return 2;
  }
}

function decimalText(value) {
  if (typeof value === "string") return value.trim().replace(",", ".");
  const text = String(value);
  // Very small or large numbers print with an exponent: fixed notation with spare digits, then rounded below.
  return /e/i.test(text) ? Number(value).toFixed(8) : text;
}

/** A major-unit amount (27.5, "27.50") -> minor units (2750 for UAH), rounded half away from zero; 0 for junk. */
export function majorToMinor(value, currency) {
  if (value === null || value === undefined || value === "") return 0;
  const digits = currencyDigits(currency);
  const match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(decimalText(value));
  if (!match || (match[2] === "" && !match[3])) return 0;
  const sign = match[1] ? -1 : 1;
  const fraction = (match[3] || "").padEnd(digits + 1, "0");
  let minor = Number(match[2] || "0") * 10 ** digits + Number(fraction.slice(0, digits) || "0");
  if (Number(fraction[digits]) >= 5) minor += 1;
  return sign * minor;
}

export function formatMoney(minor, currency) {
  const digits = currencyDigits(currency);
  try {
    return new Intl.NumberFormat(language() === "uk" ? "uk-UA" : "en", { style: "currency", currency }).format(
      minor / 10 ** digits,
    );
  } catch (error) {
    return `${(minor / 10 ** digits).toFixed(digits)} ${currency}`;
  }
}
