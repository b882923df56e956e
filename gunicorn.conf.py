"""gunicorn's settings for stampcard; gunicorn reads ``./gunicorn.conf.py`` by itself when started from here.

Only what every deployment needs lives here; workers, threads and the bind address stay on the command line.
"""

# The access log must not keep the bearer tokens of customer links (stampcard.core.logredact says which).
logger_class = "stampcard.core.logredact.RedactingGunicornLogger"
