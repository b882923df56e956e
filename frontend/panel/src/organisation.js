// Behaviours of the panel's organisation pages (filled in with those pages).

export function initOrganisation(root) {
  void root;
}
