// A few lines of DOM building instead of a framework: the bundle must stay small and run on old register WebViews.

/** h("button", {class: "primary", onclick: fn, "data-testid": "x"}, "Text", child, [more]) */
export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (name === "class") node.className = value;
    else if (name === "value") node.value = value;
    else if (name === "checked" || name === "disabled" || name === "selected") node[name] = Boolean(value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

let root = null;

export function mount(view) {
  if (!root) {
    root = document.createElement("main");
    root.id = "stampcard";
    document.body.appendChild(root);
  }
  while (root.firstChild) root.removeChild(root.firstChild); // replaceChildren is too new for old WebViews
  root.appendChild(view);
  const focus = root.querySelector("[autofocus]");
  if (focus) setTimeout(() => focus.focus(), 0);
}

/** A form whose submit (Enter, as a USB barcode scanner sends it) calls `onsubmit` with its FormData. */
export function form(attrs, onsubmit, ...children) {
  return h(
    "form",
    {
      ...attrs,
      onsubmit: (event) => {
        event.preventDefault();
        onsubmit(new FormData(event.target), event.target);
      },
    },
    ...children,
  );
}

export function busy(button, on) {
  if (!button) return;
  button.disabled = on;
  button.classList.toggle("busy", on);
}
