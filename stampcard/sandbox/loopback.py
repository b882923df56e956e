"""What the stand-ins share: a threading HTTP server on loopback, served from its own thread, started and stopped as a
context manager (``with PosterStandIn(...) as poster:``), the error a stand-in raises when it cannot listen, and the
failures a test injects (``fail_next``)."""

import errno
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass
class Fault:
    """An injected failure: the next ``remaining`` calls whose path contains ``path_contains`` answer ``status``."""

    status: int
    remaining: int
    path_contains: str = ""


def fault_take(faults: list[Fault], path: str) -> Fault | None:
    """The first injected failure that matches ``path``, counted down; None when none does (the call goes on)."""
    for fault in faults:
        if fault.remaining > 0 and fault.path_contains in path:
            fault.remaining -= 1
            return fault
    return None


class StandInCannotListen(OSError):
    """A stand-in could not take its address (port taken, or not allowed); the message names the stand-in."""

    def __init__(self, *, name: str, host: str, port: int, error: OSError) -> None:
        reasons = {errno.EADDRINUSE: "address in use", errno.EACCES: "permission denied"}
        self.name, self.host, self.port = name, host, port
        self.reason = reasons.get(error.errno or 0) or error.strerror or str(error)
        super().__init__(error.errno, f"the {name} stand-in could not listen on {host}:{port}: {self.reason}")

    def __str__(self) -> str:
        return str(self.strerror)


def listen_socket(*, name: str, host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (0 = a free port the OS picks), or StandInCannotListen."""
    try:
        return socket.create_server((host, port))
    except OSError as error:
        raise StandInCannotListen(name=name, host=host, port=port, error=error) from error


class _AnswersAtOnce(ThreadingHTTPServer):
    """Sends each answer as it is written. An answer goes out in two writes (headers, then body): without
    TCP_NODELAY, Nagle holds the body until the client's delayed ACK of the headers (40 ms on Linux) on every request
    after a kept-alive connection's first few, and a client that keeps its connection, as it should, would look forty
    times slower than one that reconnects for every call."""

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address


class LoopbackHttpStandIn:
    """Base of a stand-in; its ``__init__`` calls ``_listen`` with the request handler class bound to itself."""

    thread_name = "stand-in"
    display_name = "loopback"  # how errors name it: "the Poster stand-in could not listen on …"

    def _listen(self, *, host: str, port: int, handler: type[BaseHTTPRequestHandler]) -> None:
        try:
            self._server = _AnswersAtOnce((host, port), handler)
        except OSError as error:
            raise StandInCannotListen(name=self.display_name, host=host, port=port, error=error) from error
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._server.serve_forever, name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
