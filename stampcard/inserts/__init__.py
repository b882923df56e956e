"""Delivery inserts: batches of printed QR claims put into aggregator orders; a scan enrols or identifies a
customer."""
