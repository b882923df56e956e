"""Receipt claims: a single-use QR printed on a receipt that gives the check's stamps to whoever scans it first."""
