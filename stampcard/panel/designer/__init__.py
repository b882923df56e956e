"""The card designer: programs' look, earning rules, goals and rewards, versions, templates, export and import."""
