"""The customer directory in the panel: the list (search and filters) and a customer's page with its actions."""
