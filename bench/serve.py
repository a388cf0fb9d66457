"""Serving several processes: latency of sequential requests on one kept-alive
connection (an httpx2 client) against

- `baton serve --workers 2` (our listening socket, shared by two processes),
- the peer `uvicorn --workers 2`, used as its documentation says, on the same application
  (`uvicorn --factory baton.serving:asgi_app --workers 2`),
- `baton serve` with one process (`--workers 1`, uvicorn binding as it always did),
- and a control with Nagle's algorithm left on: the same peer handed a pre-bound socket
  (`uvicorn --fd N --workers 2`, which uvicorn reads as AF_UNIX, so asyncio does not set
  TCP_NODELAY on accepted connections). It shows what the delay costs and that this
  benchmark sees it.

The four servers run side by side on one migrated SQLite file with a few days of demo
history, each on its own kept-alive connection, and take turns: ten rounds of
REQUESTS / 10 requests each (the control a tenth of that), after a warm-up, so that a
change in the machine's load (it is shared) falls on all of them alike. Two requests:
`GET /healthz` (no database) and `GET /api/v1/tickets?limit=20` with a bearer token
(token check and a SQLite read). Everything logs as by default (the access log
included), to files.

Sizes: BATON_BENCH_REQUESTS per server and request (default 2,000; the control a tenth)."""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

REQUESTS = int(os.environ.get("BATON_BENCH_REQUESTS", "2000"))
ROUNDS = 10  # the servers take turns, REQUESTS / ROUNDS requests at a time, after a warm-up round
CONTROL_SHARE = 10  # the control answers 1 request in 10 of the others' (each costs ~40 ms more)
WARM_UP = 50
STARTUP_SECONDS = 600.0
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


CONTROL = "control: uvicorn --workers 2 --fd (Nagle on)"


@dataclass
class _Server:
    name: str
    command: list[str]
    workers: int
    pass_fds: tuple[int, ...] = ()
    share: int = 1
    port: int = 0
    spent: dict[str, list[float]] = field(default_factory=dict)


@contextmanager
def _running(servers: list[_Server], env: dict[str, str], folder: Path) -> Iterator[None]:
    """Every server started, and each of its workers through start-up (per its log)."""
    started: list[tuple[_Server, subprocess.Popen[bytes], Path]] = []
    try:
        for server in servers:
            log = folder / f"{server.port}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    server.command, env=env, stdout=subprocess.DEVNULL, stderr=out, pass_fds=server.pass_fds
                )
            started.append((server, process, log))
        deadline = time.monotonic() + STARTUP_SECONDS
        for server, process, log in started:
            while log.read_text().count("Application startup complete.") < server.workers:
                if process.poll() is not None:
                    raise RuntimeError(f"{server.name} exited with {process.returncode}:\n{log.read_text()}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{server.name} did not start within {STARTUP_SECONDS:.0f} s")
                time.sleep(0.2)
        yield
    finally:
        for _, process, _ in started:
            process.send_signal(signal.SIGTERM)
        for _, process, _ in started:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _latencies(client: httpx2.Client, path: str, count: int) -> list[float]:
    """Seconds per request, COUNT sequential requests on the client's kept-alive connection."""
    spent = []
    for _ in range(count):
        began = time.perf_counter()
        response = client.get(path)
        spent.append(time.perf_counter() - began)
        response.raise_for_status()
    return spent


def _p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    paths = ("/healthz", "/api/v1/tickets?limit=20")
    per_round = max(1, REQUESTS // ROUNDS)
    print(f"\n## Serving: sequential requests on one kept-alive connection (httpx2), {REQUESTS:,} per server")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        env = os.environ | {"BATON_DATABASE_URL": f"sqlite:///{folder / 'bench.db'}"}
        baton = [sys.executable, "-m", "baton.cli.main"]
        for step in (["db", "upgrade"], ["demo", "--days", "7", "--end", "2026-11-20"]):
            subprocess.run([*baton, *step], env=env, check=True, capture_output=True)
        token = subprocess.run(
            [*baton, "token", "create", "--agent", "amara"], env=env, check=True, capture_output=True, text=True
        ).stdout.strip()

        uvicorn = [str(BIN / "uvicorn"), "--factory", "baton.serving:asgi_app"]
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as control:  # proto 0, Nagle on
            control.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            control.bind(("127.0.0.1", 0))
            control.listen(2048)
            fd, control_port = control.fileno(), control.getsockname()[1]
            ports = [_free_port() for _ in range(3)]
            servers = [
                _Server("baton serve --workers 2", [*baton, "serve", "--workers", "2", "--port", str(ports[0])], 2),
                _Server("uvicorn --workers 2", [*uvicorn, "--workers", "2", "--port", str(ports[1])], 2),
                _Server("baton serve --workers 1", [*baton, "serve", "--port", str(ports[2])], 1),
                _Server(CONTROL, [*uvicorn, "--workers", "2", "--fd", str(fd)], 2, (fd,), CONTROL_SHARE),
            ]
            for server, port in zip(servers, [*ports, control_port], strict=True):
                server.port = port
            with _running(servers, env, folder):
                print(f"load average before: {_load()} on {os.cpu_count()} CPUs")
                auth = {"Authorization": f"Bearer {token}"}
                clients = {s.name: httpx2.Client(base_url=f"http://127.0.0.1:{s.port}", headers=auth) for s in servers}
                try:
                    for path in paths:
                        for s in servers:
                            _latencies(clients[s.name], path, WARM_UP)
                            s.spent[path] = []
                        for _ in range(ROUNDS):
                            for s in servers:
                                s.spent[path] += _latencies(clients[s.name], path, max(1, per_round // s.share))
                finally:
                    for client in clients.values():
                        client.close()
                print(f"load average after:  {_load()}")

    ours = servers[0]
    for path in paths:
        print(f"\nGET {path}")
        print(f"  {'server':46} {'p50 ms':>8} {'p99 ms':>8} {'requests':>9}")
        for s in servers:
            print(f"  {s.name:46} {_p(s.spent[path], 50):8.2f} {_p(s.spent[path], 99):8.2f} {len(s.spent[path]):9,}")
        for s in servers[1:]:
            print(
                f"  {s.name} / {ours.name}: p50 {_p(s.spent[path], 50) / _p(ours.spent[path], 50):.2f}x, "
                f"p99 {_p(s.spent[path], 99) / _p(ours.spent[path], 99):.2f}x"
            )


if __name__ == "__main__":
    main()
