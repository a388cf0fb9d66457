"""`baton serve --workers N`: N server processes sharing one listening socket.

The parent binds the socket itself and starts N children (`python -m baton.serving`),
each running ``uvicorn.Server(config).run(sockets=[sock])`` on the inherited socket; the
kernel hands each new connection to whichever child accepts it first. The parent never
accepts: it only supervises.

Nagle's delay. A kept-alive response is written in two pieces (headers, then body); with
Nagle's algorithm on, the second waits for the client's delayed ACK, about 40 ms on Linux.
asyncio switches it off (TCP_NODELAY) on an accepted socket only when that socket reports
``proto == IPPROTO_TCP``, and an accepted socket inherits ``proto`` from the listener's
Python object. A listener made with ``socket.socket(family)`` says 0 (uvicorn's own
``--workers`` listener did, Kludex/uvicorn#3149), and one rebuilt with ``socket.fromfd(fd,
AF_UNIX, ...)`` (uvicorn's ``--fd``) says AF_UNIX: Nagle stays on for every connection.
:func:`bind_socket` therefore creates the listener with ``IPPROTO_TCP`` *and* sets
TCP_NODELAY on it, which Linux copies to every socket it accepts, so accepted connections
have TCP_NODELAY whatever the event loop or the uvicorn version does.

Supervision (what docs/deploy.md tells the operator):

- SIGTERM or SIGINT: the parent asks every child to stop (SIGTERM: stop accepting, finish
  the requests in flight, at most ``GRACEFUL_SECONDS``), kills what is left after
  ``KILL_AFTER_SECONDS`` and exits 0. A second signal kills the children at once.
- A child that dies after it started serving is logged with its exit code or signal and
  replaced; the others keep serving on the same socket meanwhile. More than
  ``RESTARTS_ALLOWED`` replacements within ``RESTART_WINDOW_SECONDS`` is a crash loop:
  the parent stops everything and exits 1.
- A child that exits before it served (it could not build the application, say the
  database went away) would fail the same way again: the parent stops the others and
  exits 1, so the process manager (systemd, Kubernetes) sees the failure.
- Children stop by themselves when the parent dies, even by SIGKILL (a pipe the parent
  holds reaches end-of-file).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import logging
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger("baton.serve")

GRACEFUL_SECONDS = 20  # a child's time to finish the requests in flight after SIGTERM
KILL_AFTER_SECONDS = 30.0  # then the parent kills the children still running
RESTARTS_ALLOWED = 5  # replacements of dead children within the window below...
RESTART_WINDOW_SECONDS = 60.0  # ...beyond which the parent gives up (exit 1)
BACKLOG = 2048


def bind_socket(host: str, port: int, backlog: int = BACKLOG) -> socket.socket:
    """A listening TCP socket on HOST:PORT whose accepted connections have TCP_NODELAY.

    IPv4 is preferred when HOST names both (``localhost``), as uvicorn does."""
    infos = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP, flags=socket.AI_PASSIVE
    )
    infos.sort(key=lambda info: info[0] != socket.AF_INET)
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(address)
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock


def asgi_app() -> FastAPI:
    """The application from the environment's settings, for ASGI servers run by hand:
    ``uvicorn --factory baton.serving:asgi_app``."""
    from baton.api.main import create_app
    from baton.app import build
    from baton.settings import Settings

    return create_app(build(Settings()))


def _describe(code: int) -> str:
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by {signal.Signals(-code).name}"
        return f"was killed by signal {-code}"
    return f"exited with code {code}"


@dataclass
class _Child:
    number: int
    process: subprocess.Popen[bytes]
    ready_fd: int  # the parent's end of the pipe the child writes to once serving
    serving: bool = False


class Supervisor:
    """Runs ``workers`` children on ``sock`` until a signal or a failure; see the module."""

    def __init__(
        self,
        sock: socket.socket,
        workers: int,
        log_level: str = "info",
        *,
        restarts_allowed: int = RESTARTS_ALLOWED,
        restart_window: float = RESTART_WINDOW_SECONDS,
    ) -> None:
        self.sock = sock
        self.workers = workers
        self.log_level = log_level
        self.restarts_allowed = restarts_allowed
        self.restart_window = restart_window
        self.children: dict[int, _Child] = {}  # by the parent's end of the ready pipe
        self.selector = selectors.DefaultSelector()
        self.restarts: collections.deque[float] = collections.deque()
        self.stopping = False
        self.exit_code = 0
        self.kill_at: float | None = None
        self.announced = False
        # The children read this pipe; it reaches end-of-file when the parent is gone.
        self.lifeline_r, self.lifeline_w = os.pipe()

    def command(self, listen_fd: int, ready_fd: int, lifeline_fd: int) -> list[str]:
        """A child: serve on LISTEN_FD, write to READY_FD once serving, stop at LIFELINE_FD's end."""
        return [
            *(sys.executable, "-m", "baton.serving", "--listen-fd", str(listen_fd), "--ready-fd", str(ready_fd)),
            *("--lifeline-fd", str(lifeline_fd), "--log-level", self.log_level),
        ]

    def _start(self, number: int) -> None:
        ready_r, ready_w = os.pipe()
        listen_fd = self.sock.fileno()
        try:
            process = subprocess.Popen(
                self.command(listen_fd, ready_w, self.lifeline_r), pass_fds=(listen_fd, ready_w, self.lifeline_r)
            )
        finally:
            os.close(ready_w)
        self.children[ready_r] = _Child(number, process, ready_r)
        self.selector.register(ready_r, selectors.EVENT_READ)
        log.info("worker %d [%d] starting", number, process.pid)

    def _stop(self, exit_code: int) -> None:
        if not self.stopping:
            self.stopping = True
            self.exit_code = exit_code
            self.kill_at = time.monotonic() + KILL_AFTER_SECONDS
            for child in self.children.values():
                with contextlib.suppress(ProcessLookupError):
                    child.process.send_signal(signal.SIGTERM)

    def _kill_all(self) -> None:
        for child in self.children.values():
            with contextlib.suppress(ProcessLookupError):
                child.process.kill()

    def _on_signal(self, signum: int) -> None:
        if self.stopping:
            log.warning("%s again: killing the workers", signal.Signals(signum).name)
            self._kill_all()
        else:
            log.info("%s: stopping the workers", signal.Signals(signum).name)
            self._stop(0)

    def _on_child(self, child: _Child) -> None:
        try:
            data = os.read(child.ready_fd, 64)
        except OSError:
            data = b""
        if data:
            if not child.serving:
                child.serving = True
                log.info("worker %d [%d] serving", child.number, child.process.pid)
                if not self.announced and all(c.serving for c in self.children.values()):
                    self.announced = True
                    log.info("%d of %d workers serving", len(self.children), self.workers)
            return
        # End-of-file: the child is gone.
        self.selector.unregister(child.ready_fd)
        os.close(child.ready_fd)
        del self.children[child.ready_fd]
        code = child.process.wait()
        if self.stopping:
            log.info("worker %d [%d] %s", child.number, child.process.pid, _describe(code))
            return
        if not child.serving:
            log.error("worker %d [%d] %s before serving: stopping", child.number, child.process.pid, _describe(code))
            self._stop(1)
            return
        now = time.monotonic()
        while self.restarts and now - self.restarts[0] > self.restart_window:
            self.restarts.popleft()
        if len(self.restarts) >= self.restarts_allowed:
            log.error(
                "worker %d [%d] %s after %d replacements within %.0f s: stopping",
                child.number,
                child.process.pid,
                _describe(code),
                len(self.restarts),
                self.restart_window,
            )
            self._stop(1)
            return
        self.restarts.append(now)
        log.warning("worker %d [%d] %s: starting a replacement", child.number, child.process.pid, _describe(code))
        self._start(child.number)

    def run(self) -> int:
        """Start the children and supervise them; the exit code for the command."""
        wake_r, wake_w = socket.socketpair()
        wake_r.setblocking(False)
        wake_w.setblocking(False)
        handled = (signal.SIGTERM, signal.SIGINT)
        previous = {sig: signal.signal(sig, lambda *_: None) for sig in handled}
        previous_wakeup = signal.set_wakeup_fd(wake_w.fileno(), warn_on_full_buffer=False)
        self.selector.register(wake_r, selectors.EVENT_READ)
        try:
            for number in range(1, self.workers + 1):
                self._start(number)
            while self.children:
                timeout = None if self.kill_at is None else max(0.0, self.kill_at - time.monotonic())
                for key, _ in self.selector.select(timeout):
                    if key.fileobj is wake_r:
                        with contextlib.suppress(BlockingIOError):
                            for signum in wake_r.recv(64):
                                if signum in handled:
                                    self._on_signal(signum)
                    elif isinstance(key.fileobj, int) and key.fileobj in self.children:
                        self._on_child(self.children[key.fileobj])
                if self.kill_at is not None and time.monotonic() >= self.kill_at and self.children:
                    log.warning("workers still running after %.0f s: killing them", KILL_AFTER_SECONDS)
                    self._kill_all()
                    self.kill_at = None
        except BaseException:
            self._kill_all()
            raise
        finally:
            for child in self.children.values():
                child.process.wait()
            signal.set_wakeup_fd(previous_wakeup)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.selector.close()
            wake_r.close()
            wake_w.close()
            os.close(self.lifeline_r)
            os.close(self.lifeline_w)
        return self.exit_code


def _configure_logging(level: str) -> None:
    from uvicorn.logging import DefaultFormatter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(DefaultFormatter("%(levelprefix)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(level.upper())
    log.propagate = False


def serve_workers(host: str, port: int, workers: int, log_level: str = "info") -> int:
    """Bind HOST:PORT, run WORKERS server processes on it until stopped; the exit code.
    Raises OSError when the address cannot be bound."""
    _configure_logging(log_level)
    sock = bind_socket(host, port)
    try:
        bound_host, bound_port = sock.getsockname()[:2]
        shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        log.info(
            "Baton listening on http://%s:%d with %d worker processes (parent [%d]; press CTRL+C to quit)",
            shown,
            bound_port,
            workers,
            os.getpid(),
        )
        return Supervisor(sock, workers, log_level).run()
    finally:
        sock.close()


# The child process.


def _watch_parent(lifeline_fd: int) -> None:
    """Stop this child (as SIGTERM would) when the parent is gone."""

    def wait() -> None:
        with contextlib.suppress(OSError):
            while os.read(lifeline_fd, 1):
                pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=wait, name="baton-lifeline", daemon=True).start()


def _child(listen_fd: int, ready_fd: int, lifeline_fd: int, log_level: str) -> int:
    def stop_now(_signum: int, _frame: object) -> None:
        # Before uvicorn takes over the signals (while building the app), and when it
        # re-raises the signal it handled after a graceful stop: end quietly.
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop_now)
    signal.signal(signal.SIGINT, stop_now)
    for fd in (listen_fd, ready_fd, lifeline_fd):
        os.set_inheritable(fd, False)
    _watch_parent(lifeline_fd)
    sock = socket.socket(fileno=listen_fd)  # family, type and IPPROTO_TCP read from the fd

    import typer
    import uvicorn

    from baton.api.main import create_app
    from baton.cli.common import built

    try:
        app = create_app(built())
    except typer.Exit as exc:  # the reason is already on standard error
        return exc.exit_code

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                with contextlib.suppress(OSError):  # the parent is gone: the lifeline stops us
                    os.write(ready_fd, b"1")

    config = uvicorn.Config(app, log_level=log_level, timeout_graceful_shutdown=GRACEFUL_SECONDS)
    Server(config).run(sockets=[sock])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m baton.serving", description="One worker of `baton serve`.")
    parser.add_argument("--listen-fd", type=int, required=True)
    parser.add_argument("--ready-fd", type=int, required=True)
    parser.add_argument("--lifeline-fd", type=int, required=True)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    return _child(args.listen_fd, args.ready_fd, args.lifeline_fd, args.log_level)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
