"""CSV import of customers with balances from another system: read the file (``reading``), check every row
(``rows``), and import it as a resumable background job (``jobs``; the task is ``stampcard.cards.tasks``)."""
