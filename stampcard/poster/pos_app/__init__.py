"""What the stampcard app inside the Poster register needs from the server, beyond the generic API v1.

The app reaches us only through ``Poster.makeRequest``: Poster's backend proxies the call and signs it with the
application secret (``X-Poster-Signature``). ``signing`` verifies that signature; ``api`` holds the routes the app
calls that need it (the check commit) or that exist for the register alone (its configuration, receipt QR as text).
"""
