"""The merchant panel: what an owner, a manager or a cashier of a merchant sees in the browser at ``/panel/``.

Server-rendered Django templates, htmx where a page updates in place. Every view goes through ``access.panel_view``,
which signs the visitor in, picks the merchant they act for and holds them to a minimum role. The panel writes only
through the services of the apps below it; it owns no business rules.
"""
