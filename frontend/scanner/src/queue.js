// Autopilot's scans wait here until the server has answered each one, one at a time and in order. The queue is
// kept in localStorage, so a scan typed during a network outage or just before a reload is sent later, with the
// scan_id it got when it was typed (a retry can only replay, never stamp twice).

import { newScanId } from "./ids.js";
import { store } from "./store.js";

const KEY = "stampcard.scanner.queue";
const RETRY_MS = [1000, 2000, 5000, 10000, 30000];

// A refusal to take more scans right now: wait as told, then send the same scan again.
const SLOW_DOWN = new Set(["device_rate_limited", "rate_limited"]);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class ScanQueue {
  /**
   * send(item) -> the server's answer; throws an ApiError. onDone(item, result), onFailed(item, error) for a
   * definite answer; onWaiting(item, error, ms) while the outcome is unknown and the scan will be sent again.
   * `owner` (the device's location id) keeps a queue left by another pairing from being sent by this one.
   */
  constructor({ owner, send, onDone, onFailed, onWaiting = () => {}, onChange = () => {} }) {
    this.owner = owner;
    this.send = send;
    this.onDone = onDone;
    this.onFailed = onFailed;
    this.onWaiting = onWaiting;
    this.onChange = onChange;
    this.items = this.load();
    this.running = false;
    this.stopped = false;
  }

  load() {
    try {
      const saved = JSON.parse(store.get(KEY) || "null");
      return saved && saved.owner === this.owner && Array.isArray(saved.items) ? saved.items : [];
    } catch {
      return [];
    }
  }

  save() {
    store.set(KEY, JSON.stringify({ owner: this.owner, items: this.items }));
    this.onChange(this.items.length);
  }

  get size() {
    return this.items.length;
  }

  add(qr) {
    const item = { qr, scan_id: newScanId(), at: new Date().toISOString() };
    this.items.push(item);
    this.save();
    this.pump();
    return item;
  }

  stop() {
    this.stopped = true;
  }

  async pump() {
    if (this.running || this.stopped) return;
    this.running = true;
    let attempt = 0;
    try {
      while (this.items.length && !this.stopped) {
        const item = this.items[0];
        let result;
        try {
          result = await this.send(item);
        } catch (error) {
          if (error.code === "device_unpaired") {
            this.stopped = true;  // kept for when this location pairs again
            return;
          }
          const wait = error.retryable ? RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]
            : SLOW_DOWN.has(error.code) ? Math.max(1, error.retryAfter || 5) * 1000 : null;
          if (wait !== null) {
            attempt += 1;
            this.onWaiting(item, error, wait);
            await sleep(wait);
            continue;
          }
          this.items.shift();
          this.save();
          attempt = 0;
          this.onFailed(item, error);
          continue;
        }
        this.items.shift();
        this.save();
        attempt = 0;
        this.onDone(item, result);
      }
    } finally {
      this.running = false;
    }
  }
}
