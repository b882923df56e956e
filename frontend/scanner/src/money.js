// Amounts are typed in major units ("125.50") and sent in minor units (12550). The conversion works on the digits
// as text: 125.5 * 100 in floating point is fine, but 1.005 * 100 is 100.49999999999999.

import { language } from "./i18n.js";

/** Digits after the decimal point for a currency: 2 for UAH or EUR, 0 for JPY. */
export function currencyDigits(currency) {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
  } catch {
    return 2;
  }
}

/**
 * "125.50", "125,5", "1 250" -> minor units (12550, 12550, 125000); null for anything else: a negative or
 * empty amount, letters, two separators ("1,250.50" is ambiguous), or more decimals than the currency has.
 */
export function parseAmount(text, currency) {
  const digits = currencyDigits(currency);
  const compact = String(text ?? "").trim().replace(/[\s\u00a0\u202f']/g, "");
  const match = /^(\d{1,12})(?:[.,](\d*))?$/.exec(compact);
  if (!match) return null;
  const fraction = match[2] ?? "";
  if (fraction.length > digits) return null;
  const minor = Number(match[1]) * 10 ** digits + Number(fraction.padEnd(digits, "0") || "0");
  return Number.isSafeInteger(minor) ? minor : null;
}

export function formatMoney(minor, currency) {
  const digits = currencyDigits(currency);
  try {
    return new Intl.NumberFormat(language(), { style: "currency", currency }).format(minor / 10 ** digits);
  } catch {
    return `${(minor / 10 ** digits).toFixed(digits)} ${currency}`;
  }
}
