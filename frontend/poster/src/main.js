// The stampcard app inside the Poster register (Poster's POS platform: DOCS ru/pos/*, reference/poster.md §3).
//
// - "•••" menu of the order screen (showApplicationIconAt order): identify the customer, see what this check earns,
//   record gifts, redeem vouchers. Functions menu: the settings (stampcard's address, the API key, gift recording).
// - beforeOrderClose: reminds of a gift not recorded and offers to stamp now a check that reaches one; adds the
//   payment screen's lottery button when a draw is due; in receipt-QR mode puts the claim at the end of the receipt.
// - afterOrderClose: commits the check through Poster.makeRequest (signed by Poster), or leaves it on the order for
//   Poster's webhook when the register is offline (checkout.js, order-marks.js).
import css from "./app.css";
import { api, ApiError } from "./api.js";
import {
  addToOrderBonus,
  attachCard,
  commitOrder,
  detachCard,
  dueMinor,
  orderName,
  outboxFlush,
  paidMinor,
  previewFor,
} from "./checkout.js";
import { busy, mount } from "./dom.js";
import { GiftError, giftsToRecord, recordGift } from "./gifts.js";
import { errorText, languageFromPoster, setLanguage, t, tn } from "./i18n.js";
import { formatMoney } from "./money.js";
import { activeOrder, apiRequest, canScan, closePopup, notify, popup, poster, posterSettings, scan } from "./poster.js";
import { printClaim } from "./receipt.js";
import { beforeCloseScreen } from "./screens/before-close.js";
import { cardScreen } from "./screens/card.js";
import { identifyScreen } from "./screens/identify.js";
import { lotteryScreen } from "./screens/lottery.js";
import { settingsScreen } from "./screens/settings.js";
import { voucherScreen } from "./screens/voucher.js";
import { forgetSession, sessionOf } from "./session.js";
import * as store from "./settings.js";

// Poster reloads an app that neither calls next() nor shows its popup within 5 s of a blocking event.
const BLOCKING_EVENT_BUDGET_MS = 4500;

const state = {
  order: null, // the order the popup is about
  screen: null,
  popupOpen: false,
  pendingNext: null, // beforeOrderClose's next(), held while the cashier decides
  cardNote: null, // the message on the card screen
  lotteryOrders: new Set(), // orders whose payment screen shows our lottery button
  products: null, // gift product choices from menu.getProducts, or null (then the id is typed)
};

function noteOf(error) {
  if (error instanceof GiftError) return { kind: "error", text: t(`error.${error.code}`) };
  if (error instanceof ApiError) return { kind: "error", text: errorText(error) };
  return { kind: "error", text: t("error.unknown") };
}

function show(screen, view) {
  state.screen = screen;
  mount(view);
  if (!state.popupOpen) {
    state.popupOpen = true;
    popup(t("app.title"));
  }
}

function close() {
  state.screen = null;
  state.popupOpen = false;
  closePopup();
}

/** The order on screen if it is still the popup's order (its total and comment may have changed), else the last. */
async function currentOrder() {
  try {
    const fresh = await activeOrder();
    if (fresh && state.order && String(fresh.id) === String(state.order.id)) state.order = fresh;
  } catch (error) {
    // keep the snapshot the event gave
  }
  return state.order;
}

// --- settings -------------------------------------------------------------------------------------------------------

async function loadProducts() {
  try {
    const list = await apiRequest("menu.getProducts", { method: "get" });
    state.products = (Array.isArray(list) ? list : []).map((product) => ({
      id: String(product.product_id),
      name: String(product.product_name),
    }));
  } catch (error) {
    state.products = null;
  }
}

function settingsFields(fields) {
  const productId = String(fields.giftProductId || "").trim();
  const product = (state.products || []).find((item) => item.id === productId);
  return {
    giftMode: fields.giftMode === store.GIFT_BONUS ? store.GIFT_BONUS : store.GIFT_ZERO_PRICE,
    giftProductId: productId,
    giftProductName: product ? product.name : productId,
    receiptQr: store.receiptQrChoice(fields.receiptQr),
    printColumns: Number(fields.printColumns) === 48 ? 48 : 32,
  };
}

function showSettings(note, draft) {
  const current = { ...store.load(), ...(draft || {}) };
  show(
    "settings",
    settingsScreen({
      current,
      products: state.products,
      note,
      onConnect: (fields, button) => connect(fields, button),
      onSave: (fields) => saveSettings(fields),
      onDisconnect: () => {
        store.save({ apiKey: "", status: null, config: null });
        showSettings({ kind: "info", text: t("settings.disconnected") });
      },
    }),
  );
}

async function connect(fields, button, { thenClose = false } = {}) {
  const serverUrl = store.cleanServerUrl(fields.serverUrl);
  const apiKey = String(fields.apiKey || "").trim();
  const draft = { ...fields, ...settingsFields(fields) };
  if (!serverUrl) return showSettings({ kind: "error", text: t("settings.badServerUrl") }, draft);
  if (!apiKey) return showSettings({ kind: "error", text: t("settings.noApiKey") }, draft);
  busy(button, true);
  const ps = posterSettings();
  try {
    const status = await api.status({ account: ps.accountUrl || "", spot_id: ps.spotId || "" }, { apiKey, serverUrl });
    const config = await api.config({ apiKey, serverUrl });
    store.save({ serverUrl, apiKey, status, config, ...settingsFields(fields) });
  } catch (error) {
    return showSettings(noteOf(error), { ...draft, status: null });
  }
  if (thenClose) return close();
  if (state.products === null) await loadProducts();
  return showSettings({ kind: "ok", text: t("settings.connected") }, settingsFields(fields));
}

function saveSettings(fields) {
  const saved = store.load();
  if (String(fields.apiKey || "").trim() !== saved.apiKey || store.cleanServerUrl(fields.serverUrl) !== saved.serverUrl) {
    return connect(fields, null, { thenClose: true });
  }
  store.save(settingsFields(fields));
  return close();
}

// --- the order's customer -------------------------------------------------------------------------------------------

async function openForOrder(order) {
  if (!store.isConnected()) return showSettings({ kind: "info", text: t("settings.connectFirst") });
  state.order = order || (await activeOrder());
  if (!state.order) return notify(t("app.title"), t("app.noOrder"));
  const session = sessionOf(state.order);
  if (!session.cardNumber) return showIdentify();
  if (!session.card) {
    try {
      session.card = await api.card(session.cardNumber);
    } catch (error) {
      return showIdentify({ note: noteOf(error) });
    }
  }
  showCard(null);
  return refreshPreview();
}

function showIdentify({ query = "", results = null, note = null } = {}) {
  show(
    "identify",
    identifyScreen({
      query,
      results,
      note,
      canScan: canScan(),
      onFind: (text, button) => find(text, button),
      onScan: async () => {
        const code = await scan().catch(() => "");
        if (code) find(code, null);
      },
      onPick: (card) => pick(card),
      onVoucher: () => showVoucher(),
      onClose: close,
    }),
  );
}

async function find(query, button) {
  if (!query) return showIdentify({ note: { kind: "error", text: t("identify.empty") } });
  busy(button, true);
  let results;
  try {
    ({ results } = await api.lookup(query));
  } catch (error) {
    return showIdentify({ query, note: noteOf(error) });
  }
  if (!results.length) return showIdentify({ query, note: { kind: "error", text: t("identify.none") } });
  if (results.length === 1) return pick(results[0]);
  return showIdentify({ query, results, note: { kind: "info", text: tn("identify.many", results.length) } });
}

async function pick(card) {
  const order = await currentOrder();
  await attachCard(sessionOf(order), order, card);
  showCard(null);
  return refreshPreview();
}

async function refreshPreview() {
  const order = await currentOrder();
  const session = sessionOf(order);
  session.previewError = null;
  try {
    await previewFor(session, order);
  } catch (error) {
    session.previewError = noteOf(error).text;
  }
  if (state.screen === "card" && String(state.order.id) === String(order.id)) showCard();
}

function recordedList(session) {
  return session.recordedList || [];
}

/** `note` stays on the card screen through re-renders (a fresh preview) until another one replaces it; null clears. */
function showCard(note) {
  if (note !== undefined) state.cardNote = note;
  const session = sessionOf(state.order);
  show(
    "card",
    cardScreen({
      card: session.card,
      preview: session.preview,
      previewError: session.previewError,
      gifts: giftsToRecord(session),
      recorded: recordedList(session),
      products: state.products,
      defaultProductId: store.load().giftProductId,
      note: state.cardNote,
      onRecord: (reward, productId, button) => record(reward, productId, button, showCard),
      onRedeem: (code, button) => redeem(code, button, showCard),
      onVoucher: () => showVoucher(),
      onOther: () => showIdentify(),
      onRemove: async () => {
        const order = await currentOrder();
        await detachCard(sessionOf(order), order);
        showIdentify({ note: { kind: "info", text: t("card.removed") } });
      },
      onClose: close,
    }),
  );
}

async function record(reward, productId, button, rerender) {
  busy(button, true);
  const order = await currentOrder();
  const session = sessionOf(order);
  try {
    await recordGift(session, order, reward, productId);
  } catch (error) {
    return rerender(noteOf(error));
  }
  session.recordedList = [...recordedList(session), reward];
  return rerender({ kind: "ok", text: t("card.giftRecordedNote", { title: reward.title }) });
}

// --- vouchers -------------------------------------------------------------------------------------------------------

function showVoucher(note) {
  show(
    "voucher",
    voucherScreen({
      note,
      canScan: canScan(),
      onRedeem: (code, button) => redeem(code, button, showVoucher),
      onScan: async () => {
        const code = await scan().catch(() => "");
        if (code) redeem(code, null, showVoucher);
      },
      onBack: () => (state.order && sessionOf(state.order).card ? showCard(null) : showIdentify()),
    }),
  );
}

/** The voucher's QR and barcode carry its code (stampcard/vouchers/views.py); dashes and spaces are for people. */
function voucherCode(text) {
  return String(text || "").replace(/[\s-]/g, "").toUpperCase();
}

/**
 * Redeem a voucher for the order on screen. The order's due amount goes with it, so that a discount voucher (percent
 * or amount off) comes back with what it takes off (stampcard rounds and caps it: POST /vouchers/{code}/redeem); the
 * app then covers that much of the order with Poster's order bonus, and the paid sum, which stamps follow, drops by
 * as much. A gift is handed over as before. Without an order the due amount is 0: a discount voucher is refused and
 * stays usable, a gift is redeemed.
 */
async function redeem(text, button, rerender) {
  const code = voucherCode(text);
  if (!code) return rerender({ kind: "error", text: t("voucher.empty") });
  busy(button, true);
  const order = state.order ? await currentOrder() : await activeOrder().catch(() => null);
  const session = order ? sessionOf(order) : null;
  const body = { check: { total: order ? dueMinor(order) : 0, currency: store.currency() } };
  if (order && orderName(order)) body.check.external_id = orderName(order);
  if (session && session.cardNumber) body.card = session.cardNumber;
  let voucher;
  try {
    voucher = await api.redeem(code, body);
  } catch (error) {
    return rerender(noteOf(error));
  }
  let note = { kind: "ok", text: t("voucher.redeemed", { title: voucher.title }) };
  if (order && voucher.discount > 0) {
    const amount = formatMoney(voucher.discount, store.currency());
    try {
      await addToOrderBonus(session, order, voucher.discount);
      note = { kind: "ok", text: t("voucher.discounted", { title: voucher.title, amount }) };
    } catch (error) {
      note = { kind: "error", text: t("voucher.discountFailed", { title: voucher.title, amount }) };
    }
  }
  if (session && session.card) {
    session.card = await api.card(session.cardNumber).catch(() => session.card);
  }
  rerender(note);
  if (state.order && session && session.cardNumber) await refreshPreview(); // the stamps follow the new due amount
  return undefined;
}

// --- before payment -------------------------------------------------------------------------------------------------

function reachingGifts(session) {
  if (session.committed || !session.preview) return [];
  return (session.preview.rewards || []).filter((reward) => reward.kind === "award");
}

function showBeforeClose(note) {
  const session = sessionOf(state.order);
  show(
    "before-close",
    beforeCloseScreen({
      card: session.card,
      gifts: giftsToRecord(session),
      reaching: reachingGifts(session),
      lotteryDue: state.lotteryOrders.has(String(state.order.id)),
      products: state.products,
      defaultProductId: store.load().giftProductId,
      note,
      onRecord: (reward, productId, button) => record(reward, productId, button, showBeforeClose),
      onStampNow: (button) => stampNow(button),
      onContinue: () => {
        const next = state.pendingNext;
        close();
        if (next) next();
      },
    }),
  );
}

function keepDraws(session, draws) {
  const known = new Set(session.drawn.map((draw) => draw.id));
  session.drawn = [...session.drawn, ...draws.filter((draw) => !known.has(draw.id))];
}

/** Commit before payment, so that a gift this check reaches exists now and is handed over with this order. */
async function stampNow(button) {
  busy(button, true);
  const order = await currentOrder();
  const session = sessionOf(order);
  let note;
  try {
    const result = await commitOrder(session, order, dueMinor(order));
    if (result.pending) {
      note = { kind: "error", text: t("close.stampNowOffline") };
    } else {
      session.card = result.card;
      keepDraws(session, result.rewards.flatMap((reward) => reward.lottery_draws || []));
      note = { kind: "ok", text: tn("close.stamped", result.stamps_issued) };
    }
  } catch (error) {
    note = noteOf(error);
  }
  showBeforeClose(note);
}

async function beforeOrderClose(data, next) {
  let called = false;
  const proceed = (options) => {
    if (called) return;
    called = true;
    state.pendingNext = null;
    if (options) next(options);
    else next();
  };
  const watchdog = setTimeout(() => state.screen !== "before-close" && proceed(), BLOCKING_EVENT_BUDGET_MS);
  try {
    if (!store.isConnected() || !data || !data.order) return proceed();
    state.order = data.order;
    const session = sessionOf(data.order);
    if (!session.cardNumber) {
      if (store.receiptMode()) await printClaim(data.order);
      return proceed();
    }
    try {
      await previewFor(session, data.order, { timeout: 3000 });
    } catch (error) {
      // the preview from identification stands
    }
    if (called) return undefined; // the watchdog let the payment go on meanwhile
    if (!session.card) return proceed();
    const lotteryDue = Boolean(session.preview && session.preview.lottery_due) || hasReadyLottery(session);
    if (lotteryDue) state.lotteryOrders.add(String(data.order.id));
    const options = lotteryDue ? { payButton: t("lottery.payButton") } : undefined;
    if (!giftsToRecord(session).length && !reachingGifts(session).length) return proceed(options);
    state.pendingNext = () => proceed(options);
    return showBeforeClose();
  } catch (error) {
    return proceed();
  } finally {
    clearTimeout(watchdog);
  }
}

function hasReadyLottery(session) {
  return ((session.card && session.card.rewards_ready) || []).some((r) => r.kind === "lottery" && r.state === "ready");
}

// --- the payment screen's lottery -----------------------------------------------------------------------------------

function renderLottery(session, draws, note) {
  show(
    "lottery",
    lotteryScreen({
      draws,
      note,
      recorded: session.recorded,
      products: state.products,
      defaultProductId: store.load().giftProductId,
      onRecord: (reward, productId, button) =>
        record(reward, productId, button, (after) => renderLottery(session, session.drawn, after)),
      onBack: close,
    }),
  );
}

async function showLottery(order) {
  state.order = order || (await currentOrder());
  const session = sessionOf(state.order);
  renderLottery(session, null);
  let note = null;
  try {
    const card = session.card || (await api.card(session.cardNumber));
    for (const reward of (card.rewards_ready || []).filter((r) => r.kind === "lottery" && r.state === "ready")) {
      keepDraws(session, (await api.draw(reward.id)).draws);
    }
    // A lottery this check reaches is drawn when the check is stamped (draw at checkout): stamp it now.
    if (!session.committed && ((session.preview && session.preview.rewards) || []).some((r) => r.kind === "lottery")) {
      const result = await commitOrder(session, state.order, dueMinor(state.order));
      if (result.pending) note = { kind: "error", text: t("close.stampNowOffline") };
      else keepDraws(session, result.rewards.flatMap((reward) => reward.lottery_draws || []));
    }
    session.card = await api.card(session.cardNumber).catch(() => card);
  } catch (error) {
    note = noteOf(error);
  }
  renderLottery(session, session.drawn, note);
}

// --- after payment --------------------------------------------------------------------------------------------------

function commitSummary(result) {
  const card = result.card;
  const name = (card.customer && card.customer.name) || card.number;
  // A replay (the webhook, or an earlier try, committed this check first) carries the first outcome: say it the same.
  const lines = [tn("commit.stamped", result.stamps_issued, { name, stamps: card.stamps, goal: card.goal })];
  for (const reward of result.rewards || []) lines.push(t(`commit.reward.${reward.kind}`, { title: reward.title }));
  return lines.join(" ");
}

async function afterOrderClose(data) {
  const order = data && data.order;
  if (!order) return;
  state.lotteryOrders.delete(String(order.id));
  const session = sessionOf(order);
  if (!store.isConnected() || !session.cardNumber) return forgetSession(order);
  const total = paidMinor(order);
  if (total === 0 && !session.committed) return forgetSession(order); // nothing was paid in money
  const early = session.committed;
  try {
    const result = await commitOrder(session, order, total);
    if (result.pending) notify(t("app.title"), t("commit.pending"));
    else if (!early) notify(t("app.title"), commitSummary(result));
  } catch (error) {
    notify(t("app.title"), t("commit.failed", { reason: errorText(error) }));
  }
  forgetSession(order);
}

// --- start ----------------------------------------------------------------------------------------------------------

function boot() {
  const style = document.createElement("style");
  style.textContent = css;
  document.head.appendChild(style);
  setLanguage(languageFromPoster(posterSettings().lang));
  const register = poster();
  register.interface.showApplicationIconAt({ order: t("app.orderIcon"), functions: t("app.functionsIcon") });
  register.on("applicationIconClicked", (data) => {
    const place = data && data.place;
    if (place === "functions") return showSettings();
    const order = data && data.order;
    // Our payment-screen button (beforeOrderClose's payButton) fires this event too; its place is not documented,
    // so any other place with a lottery pending for the order opens the draw.
    if (place !== "order" && order && state.lotteryOrders.has(String(order.id))) return showLottery(order);
    return openForOrder(order);
  });
  register.on("beforeOrderClose", beforeOrderClose);
  register.on("afterOrderClose", afterOrderClose);
  register.on("afterPopupClosed", () => {
    state.popupOpen = false;
    state.screen = null;
    const next = state.pendingNext;
    if (next) next(); // closed with the popup's own ×: go on to payment
  });
  register.on("orderProductChange", (data) => {
    const order = data && data.order;
    if (!order) return;
    sessionOf(order).preview = null;
    if (state.screen === "card" && state.order && String(state.order.id) === String(order.id)) {
      state.order = order;
      refreshPreview();
    }
  });
  if (store.isConnected()) {
    loadProducts(); // the menu, to offer which item a gift is
    setTimeout(() => outboxFlush(), 3000);
  }
}

if (poster()) boot();
else console.error("stampcard: no Poster object; this bundle runs inside the Poster register");
