"""The stamp, orchestrated: preview, commit, reverse, amend and adjust a card, and the rewards a write reaches,
withdraws or delivers. It calls cards, rewards, vouchers and lottery; nothing below it calls it."""
