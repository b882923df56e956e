"""Wallet passes: the change feed and what both wallets share, over ``apple/`` and ``google/``.

Internal layers, top to bottom (a module imports only from layers below it; ``apple`` and ``google`` never import
each other):

- ``apps``, ``admin``, ``tasks``: entry points (the follower registration, the card admin's wallet readout, the
  periodic sweep);
- ``feed``, ``selectors``: over both wallets (handing card changes to them; which wallets hold a card);
- ``apple``, ``google``: one wallet each;
- ``locks``, ``stamps``: below both (row claims of the feed; the stamp strip both wallets draw).
"""
