"""The loyalty routes of the POS API v1: customers, cards, checkouts, rewards and the key's merchant.

Mounted by ``config.api`` with the other apps' routers."""
