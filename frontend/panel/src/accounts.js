// Behaviours of the panel's accounts pages (filled in with those pages).

export function initAccounts(root) {
  void root;
}
