// The Poster register, simulated around the real stampcard bundle (stampcard/sandbox/poster/simulator.py says what
// the server half does). The Poster object below follows DOCS ru/pos/* (reference/poster.md §3):
//
// - events: Poster.on(name, handler); blocking events (beforeOrderClose) get (data, next) and the register waits
//   for next() — Poster reloads an app that neither calls next() nor shows a popup within 5 s; here a notice says so
//   and the flow goes on. next({payButton}) adds a button to the payment screen that fires applicationIconClicked.
//   Unconfirmed: the `place` Poster passes for that button; the simulator passes "payment", as for the payment icon.
// - the app's iframe is its "container": hidden until Poster.interface.popup() shows it in a modal.
// - orders: POS objects carry money in major units (Order.total = 55); the register keeps cents and converts.
//   Every change syncs to the stand-in (Poster's backend) in order; while "Online" is off, changes queue, the order
//   has no orderName (transaction id) yet, makeRequest answers {code: 0} and makeApiRequest false.
// - Poster.makeRequest goes through /pos/_request, which signs it like Poster's backend.
// - a Web API edit of the open order (transactions.addTransactionProduct via makeApiRequest) shows on the register
//   at once, as an independent project observed on real registers; the simulator applies it itself.
(function () {
  "use strict";

  const params = new URLSearchParams(location.search);
  const ACCOUNT = params.get("account") || "demo-coffee";
  const SPOT = params.get("spot") || "1";
  const LANG = params.get("lang") || "en";
  const SERVER = (params.get("server") || "").replace(/\/+$/, "");
  const DEVICE = params.get("device") || "web"; // "android": Poster's camera scanner (scanBarcode) exists
  // "&print_receipt=0": a register whose POS platform has no orders.printReceipt (the app falls back to a QR drawn
  // with characters in the receipt's text).
  const PRINT_RECEIPT = params.get("print_receipt") !== "0";
  const KEY = params.get("key") || "";

  const sim = {
    config: null,
    products: {},
    online: true,
    queue: [],
    flushing: false,
    order: null, // the order on screen
    orders: {}, // every order of this session by id: a closed one still takes extras (unconfirmed on Poster)
    screen: "order", // order | closing | payment
    handlers: {},
    icons: {},
    payButtons: [],
    popupShown: false,
  };

  const $ = (selector) => document.querySelector(selector);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value);
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  const copy = (value) => JSON.parse(JSON.stringify(value === undefined ? null : value));
  const money = (cents) => `${(cents / 100).toFixed(2)} ${sim.config && sim.config.currency === "UAH" ? "₴" : ""}`.trim();

  // --- the stand-in: Poster's backend ------------------------------------------------------------------------------

  async function control(route, body) {
    const response = await fetch(`/_control/${route}`, {
      method: "POST",
      body: JSON.stringify({ account: ACCOUNT, ...body }),
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.error || response.statusText);
    return answer;
  }

  function sync(operation) {
    sim.queue.push(operation);
    flush();
  }

  async function flush() {
    if (!sim.online || sim.flushing) return;
    sim.flushing = true;
    try {
      while (sim.online && sim.queue.length) {
        await sim.queue[0]();
        sim.queue.shift();
      }
    } catch (error) {
      toast("Poster", `Sync failed: ${error.message}`);
    } finally {
      sim.flushing = false;
      render();
    }
  }

  // --- orders --------------------------------------------------------------------------------------------------------

  function totalCents(order) {
    return order.lines.reduce((sum, line) => sum + line.priceCents * line.count, 0);
  }

  function view(order) {
    const products = {};
    order.lines.forEach((line, index) => {
      products[String(index)] = {
        id: Number(line.productId),
        count: line.count,
        price: line.priceCents / 100,
        productSum: (line.priceCents * line.count) / 100,
        printedNum: 0,
        modification: 0,
        taxId: 0,
        taxType: 0,
        taxValue: 0,
        taxFiscal: 0,
      };
    });
    const total = totalCents(order) / 100;
    return copy({
      id: order.id,
      dateStart: order.id,
      dateClose: order.dateClose,
      datePrint: 0,
      status: order.status,
      userId: 1,
      tableId: 0,
      orderName: order.orderName === "" ? "" : Number(order.orderName),
      guestsCount: 1,
      products,
      subtotal: total,
      total,
      discount: 0,
      clientId: 0,
      payType: order.payType,
      payedSum: (order.payedCashCents + order.payedCardCents + order.payedBonusCents) / 100,
      payedCard: order.payedCardCents / 100,
      payedCash: order.payedCashCents / 100,
      payedThirdParty: 0,
      payedBonus: order.payedBonusCents / 100,
      approvedBonus: 0,
      platformDiscount: order.platformDiscountCents / 100,
      loyaltyAppId: order.loyaltyAppId,
      parentId: 0,
      tipIncluded: 0,
      tipSum: 0,
      roundSum: 0,
      comment: order.comment,
      extras: order.extras,
    });
  }

  function newOrder() {
    const order = {
      id: Date.now(),
      orderName: "",
      status: 1,
      dateClose: 0,
      lines: [],
      comment: "",
      extras: {},
      platformDiscountCents: 0,
      loyaltyAppId: 0,
      printText: "",
      payType: "",
      payedCashCents: 0,
      payedCardCents: 0,
      payedBonusCents: 0,
    };
    sim.order = order;
    sim.orders[String(order.id)] = order;
    sync(async () => {
      const answer = await control("transactions", { spot_id: SPOT, products: [] });
      order.orderName = String(answer.transaction_id);
    });
    render();
    return order;
  }

  /** A line at `priceCents`; `synced` when Poster's backend has it already (a Web API edit). */
  function addLine(order, productId, priceCents, synced) {
    let line = order.lines.find((item) => item.productId === productId && item.priceCents === priceCents);
    if (line) line.count += 1;
    else {
      line = { productId, priceCents, count: 1 };
      order.lines.push(line);
    }
    if (!synced) {
      const catalog = (sim.products[productId] || {}).price_cents;
      sync(() =>
        control("transactions/products", {
          transaction_id: order.orderName,
          product_id: productId,
          price: priceCents === catalog ? null : priceCents,
        }),
      );
    }
    render();
    emit("orderProductChange", { order: view(order), product: { id: Number(productId), modification: 0, count: line.count } });
  }

  function orderOf(orderId) {
    return sim.orders[String(orderId)] || null;
  }

  function product(id) {
    const found = sim.products[String(id)];
    if (!found) return null;
    return {
      id: Number(found.id),
      delete: 0,
      hidden: 0,
      fiscal: 0,
      nodiscount: 0,
      parent: 1,
      weightFlag: 0,
      workshop: 1,
      price: found.price_cents / 100,
      barcode: "",
      picture: "",
      color: "white",
      taxType: 0,
      taxValue: 0,
      taxId: 0,
      taxName: "",
      extras: {},
    };
  }

  // --- events --------------------------------------------------------------------------------------------------------

  function emit(name, data) {
    for (const handler of sim.handlers[name] || []) {
      try {
        handler(copy(data));
      } catch (error) {
        console.error(`app handler for ${name} failed`, error);
      }
    }
  }

  /** Each app's handler in turn; the next one after its next(). Resolves the payButtons collected. */
  function emitBlocking(name, data) {
    return new Promise((resolve) => {
      const handlers = [...(sim.handlers[name] || [])];
      const payButtons = [];
      const step = (index) => {
        if (index >= handlers.length) return resolve({ payButtons });
        let done = false;
        const next = (options) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          if (options && options.payButton) payButtons.push(String(options.payButton));
          step(index + 1);
        };
        const timer = setTimeout(() => {
          if (!done && !sim.popupShown) {
            toast("Poster", `The app did not answer ${name} within 5 s: Poster would reload it and go on.`);
            next();
          }
        }, 5000);
        try {
          handlers[index](copy(data), next);
        } catch (error) {
          console.error(error);
          next();
        }
        return undefined;
      };
      step(0);
    });
  }

  // --- the Poster object of the app's container -------------------------------------------------------------------

  function showPopup(options) {
    const box = $("#popup-box");
    const width = Number(options && options.width) || 600;
    const height = Number(options && options.height) || 500;
    box.style.width = `${width}px`;
    box.style.height = `${height}px`;
    $("#popup-title").textContent = (options && options.title) || "";
    $("#popup").hidden = false;
    sim.popupShown = true;
  }

  function hidePopup(byUser) {
    $("#popup").hidden = true;
    sim.popupShown = false;
    if (byUser) emit("afterPopupClosed", {});
  }

  let cameraResolve = null;

  function cameraScan() {
    return new Promise((resolve) => {
      cameraResolve = resolve;
      $("#camera").hidden = false;
      $("#camera-text").value = "";
      $("#camera-text").focus();
    });
  }

  function headerLines(headers) {
    if (Array.isArray(headers)) return headers.map(String);
    return Object.entries(headers || {}).map(([name, value]) => `${name}: ${value}`);
  }

  function posterFor() {
    const settings = {
      accountUrl: ACCOUNT,
      applicationId: sim.config.application_id,
      applicationName: "stampcard",
      country: "UA",
      currency: sim.config.currency === "UAH" ? "грн." : sim.config.currency,
      currencyCodeIso: sim.config.currency,
      currencySymbol: sim.config.currency === "UAH" ? "₴" : sim.config.currency,
      lang: LANG,
      spotId: Number(SPOT),
      spotTabletId: 1,
      subnetMask: "192.168.1",
      timezone: "Europe/Kiev",
      usesTables: false,
      workshops: {},
      // Account extras (application.setEntityExtras): where this account's stampcard is.
      extras: SERVER ? { stampcard_url: SERVER } : {},
      spotExtras: {},
      spotTabletExtras: {},
    };
    return {
      settings,
      environment: { android: DEVICE === "android", iOS: false, windows: false, desktop: DEVICE !== "android" },
      on(name, handler) {
        (sim.handlers[name] = sim.handlers[name] || []).push(handler);
      },
      interface: {
        showApplicationIconAt(places) {
          sim.icons = { ...(places || {}) };
          render();
        },
        popup: showPopup,
        closePopup: () => hidePopup(false),
        showNotification(notification) {
          toast((notification && notification.title) || "", (notification && notification.message) || "");
          return Promise.resolve({ id: Date.now(), date: Date.now(), status: 0, ...copy(notification) });
        },
        scanBarcode: DEVICE === "android" ? () => cameraScan().then((barcode) => ({ barcode })) : undefined,
        showManageRightsModal: () => Promise.resolve({ success: true }),
      },
      orders: {
        async getActive() {
          return sim.order && sim.screen !== "closed" ? { order: view(sim.order) } : {};
        },
        async addProduct(orderId, item) {
          const order = orderOf(orderId);
          const found = item && sim.products[String(item.id)];
          if (!order || order.status !== 1 || !found) return {};
          addLine(order, String(item.id), found.price_cents, false);
          return { order: view(order) };
        },
        async changeProductCount(orderId, item) {
          const order = orderOf(orderId);
          if (!order || order.status !== 1) return {};
          const line = order.lines.find((entry) => entry.productId === String(item.id));
          if (line) line.count = Math.max(0, Number(item.count));
          order.lines = order.lines.filter((entry) => entry.count > 0);
          render();
          return { order: view(order) };
        },
        async setOrderComment(orderId, text) {
          const order = orderOf(orderId);
          if (!order) return { success: false };
          order.comment = String(text);
          sync(() => control("transactions/comment", { transaction_id: order.orderName, comment: order.comment }));
          render();
          return { success: true };
        },
        async setExtras(orderId, key, value) {
          const order = orderOf(orderId);
          if (!order) return { success: false };
          order.extras[String(key)] = String(value);
          sync(() => control("transactions/extras", { transaction_id: order.orderName, key: String(key), value: String(value) }));
          return { success: true };
        },
        // DOCS pos/orders/orders-setOrderBonus: "sets the order amount paid through your application" (it sets, a
        // second call replaces the first) and the order's loyaltyAppId. What is left to pay drops by it; the register
        // syncs it with the order, and the close pays it as bonus, outside Poster's paid sum (cash + card).
        setOrderBonus(orderId, sum) {
          const order = orderOf(orderId);
          const cents = Math.round(Number(sum) * 100);
          if (!order || order.status !== 1 || !Number.isFinite(cents) || cents < 0) return;
          order.platformDiscountCents = cents;
          order.loyaltyAppId = Number(sim.config.application_id);
          sync(() => control("transactions/bonus", { transaction_id: order.orderName, bonus: cents }));
          render();
        },
        async setPrintText(orderId, text) {
          const order = orderOf(orderId);
          if (!order) return { success: false };
          order.printText = String(text);
          return { success: true };
        },
        // DOCS pos/orders/orders-printReceipt: prints a pre-check with a QR Poster renders from qrCode, qrCodeTitle
        // under it. The print is recorded by the stand-in (Poster's backend here) for the tests to read.
        printReceipt: PRINT_RECEIPT
          ? (orderId, qr, title) => {
              const order = orderOf(orderId);
              if (!order) return;
              printSlip(order, { precheck: true, qr, qrTitle: title });
              sync(() =>
                control("transactions/print_receipt", {
                  transaction_id: order.orderName,
                  qr: qr === undefined ? "" : String(qr),
                  title: title === undefined ? "" : String(title),
                }),
              );
            }
          : undefined,
        async setOrderClient() {
          return { success: true };
        },
      },
      products: {
        async get(ids) {
          return Array.isArray(ids) ? ids.map(product) : product(ids);
        },
        async getFullName(item) {
          const found = sim.products[String(item.id)];
          return { id: item.id, modification: item.modification || 0, name: found ? found.name : "", modGroupName: "" };
        },
      },
      clients: {
        get: async () => null,
        find: async () => ({ foundClients: [], foundByCard: [] }),
        create: async () => null,
      },
      users: {
        get: async (id) => ({ id, name: "Cashier", admin: true, delete: 0 }),
        getActiveUser: async () => ({ id: 1, name: "Cashier", admin: true, delete: 0 }),
      },
      makeRequest(url, options, callback) {
        const done = typeof callback === "function" ? callback : () => {};
        const opts = options || {};
        if (!sim.online) {
          setTimeout(() => done({ code: 0, result: false }), 50);
          return;
        }
        const method = String(opts.method || "get").toLowerCase();
        const body = method === "post" || method === "put" ? JSON.stringify(opts.data === undefined ? {} : opts.data) : null;
        fetch("/pos/_request", {
          method: "POST",
          body: JSON.stringify({
            url,
            method,
            headers: headerLines(opts.headers),
            body,
            timeout: opts.timeout,
            account: ACCOUNT,
            spot_id: SPOT,
            tablet_id: 1,
          }),
        })
          .then((response) => response.json())
          .then((answer) => done(answer))
          .catch(() => done({ code: 0, result: false }));
      },
      makeApiRequest(method, options, callback) {
        const done = typeof callback === "function" ? callback : () => {};
        if (!sim.online) {
          setTimeout(() => done(false), 50);
          return;
        }
        const data = (options && options.data) || {};
        fetch("/pos/_api", { method: "POST", body: JSON.stringify({ method, data, account: ACCOUNT }) })
          .then((response) => response.json())
          .then((payload) => {
            if (payload && payload.response !== undefined) {
              if (method === "transactions.addTransactionProduct" && sim.order && sim.order.orderName === String(data.transaction_id)) {
                addLine(sim.order, String(data.product_id), Number(data.price || 0), true);
              }
              done(payload.response);
            } else {
              done(payload); // the {error} envelope; unconfirmed what Poster hands an app then
            }
          })
          .catch(() => done(false));
      },
    };
  }

  window.PosterSimulator = { posterFor };

  // --- the register's screens ---------------------------------------------------------------------------------------

  function toast(title, message) {
    $("#notifications").prepend(
      el("div", { class: "toast", role: "status", "data-testid": "notification" }, el("strong", null, title), " ", message),
    );
  }

  function printSlip(order, { precheck = false, qr = "", qrTitle = "" } = {}) {
    const width = 32;
    const pad = (left, right) => `${left}${" ".repeat(Math.max(1, width - left.length - right.length))}${right}`;
    const lines = [sim.config.company_name, precheck ? "PRE-CHECK" : `Receipt ${order.orderName || "(not synced)"}`, ""];
    for (const line of order.lines) {
      const name = (sim.products[line.productId] || {}).name || line.productId;
      lines.push(pad(`${name} x${line.count}`, (line.priceCents * line.count / 100).toFixed(2)));
    }
    lines.push("-".repeat(width), pad("TOTAL", (totalCents(order) / 100).toFixed(2)));
    if (!precheck) {
      if (order.payedBonusCents) lines.push(pad("Bonus", (order.payedBonusCents / 100).toFixed(2)));
      if (order.payedCashCents) lines.push(pad("Cash", (order.payedCashCents / 100).toFixed(2)));
      if (order.payedCardCents) lines.push(pad("Card", (order.payedCardCents / 100).toFixed(2)));
      if (order.printText) lines.push("", order.printText);
    }
    const slip = el("pre", { class: "slip", "data-testid": precheck ? "precheck" : "receipt", "data-qr": qr || null }, lines.join("\n"));
    if (precheck && qr) {
      slip.append(el("img", { src: `/pos/_qr.svg?data=${encodeURIComponent(qr)}`, alt: "QR" }), qrTitle || "");
    }
    $("#receipts").prepend(slip);
  }

  function menuButtons(container, place) {
    container.replaceChildren();
    const title = sim.icons[place];
    if (!title) container.append(el("p", { class: "muted" }, "No applications here"));
    else {
      container.append(
        el("button", {
          type: "button",
          onclick: () => {
            container.hidden = true;
            const data = { place };
            if (place !== "functions" && sim.order) data.order = view(sim.order);
            emit("applicationIconClicked", data);
          },
        }, title),
      );
    }
  }

  function render() {
    const order = sim.order;
    if (!sim.config || !order) return;
    $("#order-title").textContent = order.orderName ? `Order ${order.orderName}` : "Order (not synced yet)";
    $("#order-lines").replaceChildren(
      ...order.lines.map((line) =>
        el(
          "li",
          { "data-testid": "order-line", "data-product": line.productId, "data-price": (line.priceCents / 100).toFixed(2) },
          el("span", null, `${(sim.products[line.productId] || {}).name || line.productId} × ${line.count}`),
          el("span", null, money(line.priceCents * line.count)),
        ),
      ),
    );
    $("#order-total").textContent = money(totalCents(order));
    $("#order-comment").textContent = order.comment ? `Comment: ${order.comment}` : "";
    $("#order-bonus").textContent = order.platformDiscountCents ? `Paid by application bonus: ${money(order.platformDiscountCents)}` : "";
    $("#to-pay").textContent = money(Math.max(totalCents(order) - order.platformDiscountCents, 0));
    $("#payment-panel").hidden = sim.screen !== "payment";
    $("#order-panel").hidden = sim.screen === "payment";
    $("#payment-apps").replaceChildren(
      ...[...sim.payButtons, ...(sim.icons.payment ? [sim.icons.payment] : [])].map((title) =>
        el("button", {
          type: "button",
          onclick: () => emit("applicationIconClicked", { place: "payment", order: view(sim.order) }),
        }, title),
      ),
    );
  }

  async function pay() {
    if (!sim.order.lines.length) return toast("Poster", "Add a product to the order first.");
    sim.screen = "closing";
    $("#pay-button").disabled = true;
    const result = await emitBlocking("beforeOrderClose", { order: view(sim.order) });
    $("#pay-button").disabled = false;
    sim.payButtons = result.payButtons;
    sim.screen = "payment";
    render();
    return undefined;
  }

  function payWith(method) {
    const order = sim.order;
    const due = Math.max(totalCents(order) - order.platformDiscountCents, 0);
    order.payedCashCents = method === "cash" ? due : 0;
    order.payedCardCents = method === "card" ? due : 0;
    order.payedBonusCents = order.platformDiscountCents;
    order.status = 2;
    order.dateClose = Date.now();
    order.payType = "mix";
    sync(() =>
      control("transactions/close", {
        transaction_id: order.orderName,
        cash: order.payedCashCents,
        card: order.payedCardCents,
        bonus: order.payedBonusCents,
      }),
    );
    printSlip(order);
    const closed = view(order);
    sim.screen = "order";
    sim.payButtons = [];
    hidePopup(false);
    newOrder();
    emit("afterOrderClose", { order: closed });
  }

  function wire() {
    $("#place").textContent = `${sim.config.company_name} (${ACCOUNT}) · spot ${SPOT}`;
    if (KEY) {
      const hint = $("#hint");
      hint.hidden = false;
      hint.append("Demo API key: ", el("code", null, KEY), " — open ☰ Functions → stampcard settings and paste it.");
    }
    $("#products").replaceChildren(
      ...Object.values(sim.products).map((item) =>
        el("button", { type: "button", "data-testid": "product", onclick: () => addLine(sim.order, item.id, item.price_cents, false) },
          item.name, el("br"), el("span", { class: "muted" }, money(item.price_cents))),
      ),
    );
    $("#online").addEventListener("change", (event) => {
      sim.online = event.target.checked;
      flush();
    });
    for (const [button, menu, place] of [["#functions-button", "#functions-menu", "functions"], ["#more-button", "#more-menu", "order"]]) {
      $(button).addEventListener("click", () => {
        const dropdown = $(menu);
        menuButtons(dropdown, place);
        dropdown.hidden = !dropdown.hidden;
      });
    }
    $("#pay-button").addEventListener("click", pay);
    $("#pay-cash").addEventListener("click", () => payWith("cash"));
    $("#pay-card").addEventListener("click", () => payWith("card"));
    $("#back-to-order").addEventListener("click", () => {
      sim.screen = "order";
      render();
    });
    $("#popup-close").addEventListener("click", () => hidePopup(true));
    $("#camera-form").addEventListener("submit", (event) => {
      event.preventDefault();
      $("#camera").hidden = true;
      if (cameraResolve) cameraResolve($("#camera-text").value);
    });
    $("#camera-cancel").addEventListener("click", () => {
      $("#camera").hidden = true;
      if (cameraResolve) cameraResolve("");
    });
  }

  async function start() {
    const response = await fetch(`/pos/_config?account=${encodeURIComponent(ACCOUNT)}`);
    sim.config = await response.json();
    if (sim.config.error) {
      document.body.textContent = sim.config.error;
      return;
    }
    for (const item of sim.config.products) sim.products[String(item.id)] = item;
    wire();
    newOrder();
    const frame = el("iframe", { id: "app-frame", title: "stampcard", src: "/pos/container.html" });
    // The register is ready once the app's bundle has run (it registers its icons as it starts).
    frame.addEventListener("load", () => {
      document.documentElement.dataset.ready = "1";
    });
    $("#popup-body").append(frame);
  }

  start();
})();
