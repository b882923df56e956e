// Behaviours of the panel's designer pages (filled in with those pages).

export function initDesigner(root) {
  void root;
}
