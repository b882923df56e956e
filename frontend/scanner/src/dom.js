// A few lines instead of a framework: build elements from plain calls, swap whole screens.

/**
 * h("button", { class: "primary", onclick }, "Text") -> <button class="primary">Text</button>.
 * Props starting with "on" add listeners; booleans and non-string values are set as properties (disabled,
 * value, checked); `dataset` fills data-* attributes; null, undefined and false are left out.
 */
export function h(tag, props, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") element.className = value;
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") element.addEventListener(key.slice(2), value);
    else if (typeof value !== "string" && key in element) element[key] = value;
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

/** Replace everything inside `element` with `children`. */
export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

export function field(label, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), input, hint ? h("p", { class: "hint" }, hint) : null);
}

/** A status line a screen reader announces; `kind` is ok, error or info. */
export function notice(kind, text, testId = "notice") {
  return h("p", { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : "status", "data-testid": testId }, text);
}

/** Disable a button while `work` runs, so a double tap sends one request. */
export async function busy(button, work) {
  if (button.disabled) return undefined;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}
