"""The business around the card: locations, staff and invitations, API keys and scanner devices, the Poster
connection, printouts (join QR, labels, delivery inserts), the plan and its usage, business settings."""
