// Behaviours of the panel's rewards pages (filled in with those pages).

export function initRewards(root) {
  void root;
}
