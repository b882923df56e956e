// The scanner API client (/scanner/api/): JSON in and out, the device token as a Bearer header, and one error
// type carrying the server's stable code and its translated message.

import { config } from "./config.js";
import { gettext } from "./i18n.js";
import { store } from "./store.js";

export class ApiError extends Error {
  constructor(status, code, message, details = {}, retryAfter = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || {};
    this.retryAfter = retryAfter;
  }

  /** The request may or may not have reached the server: send it again, with the same scan_id. */
  get retryable() {
    return this.status === 0 || this.status >= 500;
  }
}

let unpairedHandler = () => {};

/** Called with the ApiError whenever the server says this device is not paired (any call, any screen). */
export function onUnpaired(handler) {
  unpairedHandler = handler;
}

export async function call(method, path, { body, token, auth = true } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const bearer = token ?? (auth ? store.token() : null);
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  let response;
  try {
    response = await fetch(config.api + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "network", gettext("No connection to the server. Check the network and try again."));
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (response.ok) return data;
  const retryAfter = Number(response.headers.get("Retry-After")) || Number(data?.details?.retry_after) || null;
  const error = new ApiError(
    response.status,
    data?.code || `http_${response.status}`,
    data?.message || gettext("The server could not answer just now. Try again in a moment."),
    data?.details,
    retryAfter,
  );
  if (response.status === 401 && error.code === "device_unpaired") unpairedHandler(error);
  throw error;
}

const ref = (value) => encodeURIComponent(value);

export const api = {
  login: (email, password) => call("POST", "login", { body: { email, password }, auth: false }),
  pair: (ticket, locationId, name, mode) =>
    call("POST", "devices", { body: { ticket, location_id: locationId, name, mode }, auth: false }),
  device: () => call("GET", "device"),
  setMode: (mode, email, password) =>
    call("POST", "device/mode", { body: email ? { mode, email, password } : { mode } }),
  unpair: () => call("DELETE", "device"),
  card: (cardRef) => call("GET", `cards/${ref(cardRef)}`),
  stamp: (cardRef, scanId, amount) =>
    call("POST", `cards/${ref(cardRef)}/stamps`, { body: { scan_id: scanId, amount } }),
  handOver: (rewardId) => call("POST", `rewards/${ref(rewardId)}/hand-over`),
  scan: (qr, scanId) => call("POST", "scans", { body: { qr, scan_id: scanId } }),
  redeem: (code, cardRef) => call("POST", `vouchers/${ref(code)}/redeem`, { body: { card: cardRef ?? null } }),
  draw: (rewardId, cardRef) => call("POST", `rewards/${ref(rewardId)}/draw`, { body: { card: cardRef } }),
};
