// Pairing: a staff member signs in, picks the location, names the device and chooses its mode. The server answers
// with the device token, which this browser keeps (localStorage) until the device is logged out or unpaired.

import { api } from "./api.js";
import { MODES, modeHint, modeLabel } from "./chrome.js";
import { busy, field, h, notice, replace } from "./dom.js";
import { fmt, gettext } from "./i18n.js";
import { store } from "./store.js";

/** ctx: { paired(device), reason: text shown on top (why we are back here) }. */
export function loginScreen(ctx) {
  const main = h("main", { class: "narrow" });
  const root = h("div", { class: "screen login", "data-testid": "login" }, main);

  function signIn(reason) {
    const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true, autofocus: true });
    const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
    const messages = h("div", { class: "messages" }, reason ? notice("error", reason, "login-reason") : null);
    const submit = h("button", { type: "submit", class: "primary big" }, gettext("Sign in"));
    const form = h("form", {
      class: "panel",
      onsubmit: (event) => {
        event.preventDefault();
        busy(submit, async () => {
          try {
            const answer = await api.login(email.value.trim(), password.value);
            setUp(answer);
          } catch (error) {
            password.value = "";
            replace(messages, notice("error", error.message));
            password.focus();
          }
        });
      },
    },
    h("h1", null, gettext("Pair this device")),
    h("p", { class: "muted" }, gettext("Sign in with your staff email and password to connect this device to a location.")),
    messages,
    field(gettext("Email"), email),
    field(gettext("Password"), password),
    submit);
    replace(main, form);
    email.focus();
  }

  function setUp(answer) {
    const locations = answer.locations || [];
    if (!locations.length) {
      signIn(gettext("This login has no location to work at. Ask the owner to add you to one."));
      return;
    }
    const name = answer.staff && (answer.staff.name || answer.staff.email);
    const manyMerchants = new Set(locations.map((l) => l.merchant && l.merchant.id)).size > 1;
    const locationChoices = h("fieldset", { class: "choices" },
      h("legend", null, gettext("Location")),
      locations.map((location, index) =>
        h("label", { class: "choice" },
          h("input", { type: "radio", name: "location", value: location.id, checked: index === 0, required: true }),
          h("span", null, manyMerchants && location.merchant ? `${location.merchant.name} · ${location.name}` : location.name))));
    const deviceName = h("input", {
      type: "text", name: "device_name", required: true, maxlength: "100", autocomplete: "off",
      placeholder: gettext("e.g. Front counter tablet"),
    });
    const modeChoices = h("fieldset", { class: "choices" },
      h("legend", null, gettext("Mode")),
      MODES.map((mode, index) =>
        h("label", { class: "choice" },
          h("input", { type: "radio", name: "mode", value: mode, checked: index === 0 }),
          h("span", null, h("strong", null, modeLabel(mode)), h("small", null, modeHint(mode))))));
    const messages = h("div", { class: "messages" });
    const submit = h("button", { type: "submit", class: "primary big" }, gettext("Pair this device"));
    const form = h("form", {
      class: "panel",
      onsubmit: (event) => {
        event.preventDefault();
        const location = form.querySelector("input[name=location]:checked");
        const mode = form.querySelector("input[name=mode]:checked");
        busy(submit, async () => {
          try {
            const paired = await api.pair(answer.ticket, location.value, deviceName.value.trim(), mode.value);
            store.pair(paired.token, paired.device);
            ctx.paired(paired.device);
          } catch (error) {
            if (error.code === "invalid_ticket") signIn(error.message);
            else replace(messages, notice("error", error.message));
          }
        });
      },
    },
    h("h1", null, gettext("Set up this device")),
    name ? h("p", { class: "muted" }, fmt(gettext("Signed in as %(name)s."), { name })) : null,
    locationChoices,
    field(gettext("Device name"), deviceName),
    modeChoices,
    messages,
    submit,
    h("button", { type: "button", class: "link", onclick: () => signIn() }, gettext("Use another login")));
    replace(main, form);
    deviceName.focus();
  }

  return {
    element: root,
    start() {
      signIn(ctx.reason);
    },
    destroy() {},
  };
}
