// The app's settings on this register: stampcard's address, the pasted API key, and how gifts and receipt QRs are
// recorded. Kept in the iframe's localStorage, as Poster's own examples do: each register (and each staff login's
// key, see docs/poster.md) is configured on its own, and the settings work offline.
/* global __STAMPCARD_URL__ */
import { posterSettings } from "./poster.js";

const KEY = "stampcard.poster.settings.v1";

export const GIFT_ZERO_PRICE = "zero_price";
export const GIFT_BONUS = "bonus";
// How the receipt-QR mode prints the claim: the printer's own QR where Poster offers it (orders.printReceipt), else
// drawn with characters; always drawn with characters; or the link and code alone.
export const RECEIPT_QR_PRINTER = "printer";
export const RECEIPT_QR_TEXT = "text";
export const RECEIPT_QR_NONE = "none";
const RECEIPT_QR_CHOICES = [RECEIPT_QR_PRINTER, RECEIPT_QR_TEXT, RECEIPT_QR_NONE];

/** A saved receipt-QR choice as it reads today ("precheck", the printer's QR by choice, is now the default). */
export function receiptQrChoice(value) {
  return RECEIPT_QR_CHOICES.includes(value) ? value : RECEIPT_QR_PRINTER;
}

function storage() {
  try {
    return window.localStorage;
  } catch (error) {
    return null; // storage disabled: the settings last until the register restarts
  }
}

let memory = null;

/** Where stampcard is: the merchant's own setting, else what the account's extras say, else the build's default. */
export function defaultServerUrl() {
  const extras = posterSettings().extras || {};
  return String(extras.stampcard_url || (typeof __STAMPCARD_URL__ === "string" ? __STAMPCARD_URL__ : "") || "");
}

function defaults() {
  return {
    serverUrl: defaultServerUrl(),
    apiKey: "",
    giftMode: GIFT_ZERO_PRICE,
    giftProductId: "",
    giftProductName: "",
    receiptQr: RECEIPT_QR_PRINTER,
    printColumns: 32,
    status: null, // the last GET /poster/status answer: merchant, location, staff
    config: null, // the last GET /poster/app answer: the program's stamping mode and rule
  };
}

export function load() {
  if (memory) return memory;
  let saved = {};
  try {
    saved = JSON.parse((storage() && storage().getItem(KEY)) || "{}") || {};
  } catch (error) {
    saved = {};
  }
  memory = { ...defaults(), ...saved };
  if (!memory.serverUrl) memory.serverUrl = defaultServerUrl();
  memory.receiptQr = receiptQrChoice(memory.receiptQr);
  return memory;
}

export function save(changes) {
  memory = { ...load(), ...changes };
  try {
    if (storage()) storage().setItem(KEY, JSON.stringify(memory));
  } catch (error) {
    // full or disabled storage: kept in memory
  }
  return memory;
}

export function isConnected() {
  const current = load();
  return Boolean(current.apiKey && current.serverUrl && current.status);
}

export function receiptMode() {
  const config = load().config;
  return Boolean(config && config.program && config.program.stamping_mode === "receipt_qr");
}

export function currency() {
  const current = load();
  return (current.config && current.config.currency) || posterSettings().currencyCodeIso || "UAH";
}

export function cleanServerUrl(text) {
  const url = String(text || "").trim().replace(/\/+$/, "");
  return /^https?:\/\/[^\s/]+/i.test(url) ? url : "";
}
