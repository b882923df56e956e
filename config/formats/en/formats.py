"""English date and time formats of every page.

Django's own English formats end a time with "a.m."/"p.m." ("P"), and a sentence around a date then ends in a
doubled period ("Valid until Dec. 5, 2026, 1:13 a.m.."). Here times end in a 24-hour clock, as on a till and on the
Ukrainian pages, so no sentence can end on an abbreviation's period."""

DATETIME_FORMAT = "N j, Y, H:i"
SHORT_DATETIME_FORMAT = "m/d/Y H:i"
TIME_FORMAT = "H:i"
