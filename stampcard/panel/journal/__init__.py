"""The journal in the panel: every card event, newest first, with filters, and the card as its holder saw it then."""
