// stampcard's API v1, reached through Poster.makeRequest (Poster's backend proxies and signs every call, so there
// is no CORS to configure and the signed routes can tell the register really sent it).
import { language } from "./i18n.js";
import { makeRequest } from "./poster.js";
import { load } from "./settings.js";

export class ApiError extends Error {
  constructor({ status = 0, code = "unknown", message = "", details = {}, offline = false }) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.details = details;
    this.offline = offline;
  }
}

function parse(result) {
  if (typeof result !== "string") return result;
  try {
    return JSON.parse(result);
  } catch (error) {
    return undefined;
  }
}

/**
 * `method path` of the API v1 with the pasted key. Resolves the JSON answer of a 2xx; rejects with ApiError:
 * `offline` true when Poster reports no answer (code 0: timeout or no internet).
 */
export async function call(method, path, { body, timeout = 8000, idempotencyKey, apiKey, serverUrl } = {}) {
  const current = load();
  const base = (serverUrl || current.serverUrl || "").replace(/\/+$/, "");
  const key = apiKey || current.apiKey;
  if (!base || !key) throw new ApiError({ code: "not_configured" });
  const headers = [
    "Content-Type: application/json",
    "Accept: application/json",
    `Accept-Language: ${language()}`,
    `Authorization: Bearer ${key}`,
  ];
  if (idempotencyKey) headers.push(`Idempotency-Key: ${idempotencyKey}`);
  const options = { method: method.toLowerCase(), headers, timeout };
  if (body !== undefined) options.data = body;
  const answer = await makeRequest(`${base}/api/v1${path}`, options);
  const status = Number(answer.code !== undefined ? answer.code : answer.status) || 0;
  const result = parse(answer.result);
  if (status === 0) throw new ApiError({ code: "offline", offline: true });
  if (status === 1 || result === undefined) throw new ApiError({ status, code: "bad_answer" });
  if (status >= 200 && status < 300) return result;
  const error = (result && typeof result === "object" && result) || {};
  throw new ApiError({ status, code: error.code || `http_${status}`, message: error.message, details: error.details });
}

export const api = {
  status: (params, options) =>
    call("GET", `/poster/status?${new URLSearchParams(params).toString()}`, { timeout: 10000, ...options }),
  config: (options) => call("GET", "/poster/app", options),
  lookup: (query) => call("GET", `/cards/lookup?q=${encodeURIComponent(query)}`),
  card: (number) => call("GET", `/cards/${encodeURIComponent(number)}`),
  preview: (body, options) => call("POST", "/checkouts/preview", { body, ...options }),
  commit: (body, options) => call("POST", "/poster/checkouts", { body, timeout: 10000, ...options }),
  handOver: (rewardId) =>
    call("POST", `/rewards/${encodeURIComponent(rewardId)}/hand-over`, { idempotencyKey: `hand-over:${rewardId}` }),
  draw: (rewardId) =>
    call("POST", `/rewards/${encodeURIComponent(rewardId)}/draw`, { idempotencyKey: `draw:${rewardId}` }),
  redeem: (code, body) => call("POST", `/vouchers/${encodeURIComponent(code)}/redeem`, { body }),
  receipt: (body, options) => call("POST", "/receipts", { body, ...options }),
  qrText: (body, options) => call("POST", "/poster/print/qr", { body, ...options }),
};
