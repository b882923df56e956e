"""The stand-ins that ``make run`` starts in place of APNs, Google Wallet and Poster (``stampcard.sandbox``).

Each listens on its own loopback port. The port comes from its environment variable (``APNS_STANDIN_PORT``,
``GOOGLE_WALLET_STANDIN_PORT``, ``POSTER_STANDIN_PORT``; 0 = any free port) or else follows the demo's ``PORT``
by the settings' ``STANDIN_PORT_OFFSETS``, so two demos on different ``PORT``s get different stand-ins. A port set
in the environment must be free: if it is not, starting stops with an error that names the stand-in and its
variable. A default port that something else holds (e.g. another demo whose ``PORT`` is one more) gives way to a
free port, and the printed summary says so.

A stand-in starts only where the settings point at it (dev credentials, no URL of one's own). What the stand-ins
got is handed back twice: ``StandIns.settings`` for this process (the demo applies it before seeding), and
``StandIns.env()`` for the web server, the worker and the beat, whose settings derive the same URLs from it.
"""

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from stampcard.sandbox import apns, google_wallet
from stampcard.sandbox import poster as sandbox_poster
from stampcard.sandbox.loopback import StandInCannotListen

LOOPBACK = "127.0.0.1"


class StandInUnavailable(Exception):
    """A stand-in could not start; the message names it and the variable that moves it."""


@dataclass(frozen=True)
class Running:
    name: str
    env_var: str
    url: str
    port: int
    stop: Callable[[], None]
    note: str = ""  # why it is not on the port it asked for


@dataclass
class StandIns:
    running: list[Running] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)  # what points this process at them
    elsewhere: list[str] = field(default_factory=list)  # services the settings point away from the stand-ins

    def env(self) -> dict[str, str]:
        """The environment variables that give a child process the same stand-in URLs as this one."""
        return {stand_in.env_var: str(stand_in.port) for stand_in in self.running}

    def lines(self) -> list[str]:
        rows = [
            f"  {stand_in.name + ' stand-in':<25} {stand_in.url}   ({stand_in.env_var}){stand_in.note}"
            for stand_in in self.running
        ]
        return rows + [f"  {text}" for text in self.elsewhere]

    def stop(self) -> None:
        for stand_in in reversed(self.running):
            stand_in.stop()
        self.running.clear()


@dataclass(frozen=True)
class _Kind:
    name: str
    env_var: str  # also the setting's name
    points_here: Callable[[int], bool]  # do the settings point at a stand-in on this port?
    start: Callable[[int, str], Any]  # (port, base_url) -> a started stand-in
    url: Callable[[Any], str]
    settings: Callable[[Any], dict[str, Any]]  # what points a process at the started stand-in


def _apns_settings(stand_in: apns.ApnsStandIn) -> dict[str, Any]:
    return {
        "APNS_STANDIN_PORT": stand_in.port,
        "APPLE_WALLET": {**settings.APPLE_WALLET, "APNS_URL": stand_in.url},
    }


def _google_settings(stand_in: google_wallet.GoogleWalletStandIn) -> dict[str, Any]:
    return {"GOOGLE_WALLET_STANDIN_PORT": stand_in.port, **stand_in.settings()}


def _poster_settings(stand_in: sandbox_poster.PosterStandIn) -> dict[str, Any]:
    urls = {name: value for name, value in stand_in.settings().items() if name.endswith("_URL")}
    return {"POSTER_STANDIN_PORT": stand_in.port, **urls}


KINDS = (
    _Kind(
        name="APNs",
        env_var="APNS_STANDIN_PORT",
        points_here=lambda port: f"https://{LOOPBACK}:{port}" == settings.APPLE_WALLET["APNS_URL"],
        start=lambda port, base_url: apns.for_settings(port=port).start(),
        url=lambda stand_in: stand_in.url,
        settings=_apns_settings,
    ),
    _Kind(
        name="Google Wallet",
        env_var="GOOGLE_WALLET_STANDIN_PORT",
        points_here=lambda port: f"http://{LOOPBACK}:{port}/walletobjects/v1" == settings.GOOGLE_WALLET_API_URL,
        start=lambda port, base_url: google_wallet.start_dev_stand_in(port=port),
        url=lambda stand_in: stand_in.base_url,
        settings=_google_settings,
    ),
    _Kind(
        name="Poster",
        env_var="POSTER_STANDIN_PORT",
        points_here=lambda port: f"http://{LOOPBACK}:{port}/api" == settings.POSTER_API_URL,
        start=lambda port, base_url: sandbox_poster.start_dev_stand_in(base_url=base_url, port=port),
        url=lambda stand_in: stand_in.base_url,
        settings=_poster_settings,
    ),
)


def default_ports(run_port: int) -> dict[str, int]:
    """env var -> the port its stand-in asks for when the variable is not set."""
    return {kind.env_var: run_port + settings.STANDIN_PORT_OFFSETS[kind.env_var] for kind in KINDS}


def stand_ins_start(*, run_port: int, base_url: str, environ: Mapping[str, str] | None = None) -> StandIns:
    """Start the stand-ins the settings point at, for a demo on ``run_port`` whose web server is at ``base_url``.
    Changes no setting: the caller applies ``settings`` of the answer. Raises StandInUnavailable (and leaves none
    running) when one cannot listen on the port its variable names."""
    environ = os.environ if environ is None else environ
    started = StandIns()
    try:
        for kind in KINDS:
            configured = int(getattr(settings, kind.env_var))
            if not kind.points_here(configured):
                started.elsewhere.append(f"{kind.name}: the settings point away from the stand-in (not started)")
                continue
            running, changes = _start(kind, run_port=run_port, base_url=base_url, environ=environ)
            started.running.append(running)
            started.settings.update(changes)
    except BaseException:
        started.stop()
        raise
    return started


def _start(kind: _Kind, *, run_port: int, base_url: str, environ: Mapping[str, str]) -> tuple[Running, dict[str, Any]]:
    explicit = environ.get(kind.env_var, "").strip()
    port = int(explicit) if explicit else default_ports(run_port)[kind.env_var]
    note = ""
    try:
        stand_in = kind.start(port, base_url)
    except StandInCannotListen as error:
        if explicit:
            raise StandInUnavailable(f"{error}; set {kind.env_var} to a free port (0 = any)") from error
        stand_in = kind.start(0, base_url)  # the default is only a preference: another program holds it
        note = f"   (its default {port} is taken: {error.reason})"
    running = Running(
        name=kind.name,
        env_var=kind.env_var,
        url=kind.url(stand_in),
        port=int(stand_in.port),
        stop=stand_in.stop,
        note=note,
    )
    return running, kind.settings(stand_in)
