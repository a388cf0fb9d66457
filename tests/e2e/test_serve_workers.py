"""`baton serve --workers N`: several server processes on one listening socket, with
Nagle's algorithm off on every accepted connection, stopped together by SIGTERM.

The server tests run the real command as a script would, on a migrated SQLite file, and
look at its processes through /proc (Linux): which process holds the server side of each
of our connections, and (through pidfd_getfd) whether TCP_NODELAY is set on it. Nothing
here is timed: how much Nagle's delay costs is measured by `python -m bench serve`."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import errno
import http.client
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from baton.serving import Supervisor, bind_socket
from tests.cli import baton_cli

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux)")

SAFETY_SECONDS = 300  # only so that a broken server fails the test instead of hanging it
SYS_PIDFD_GETFD = 438  # the same number on every Linux architecture


class Server:
    """`baton serve --workers N --port 0` as a real process, its log read as it comes."""

    def __init__(self, db: Path, workers: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "baton.cli.main", "serve", "--workers", str(workers), "--port", "0"],
            stdout=subprocess.DEVNULL,  # the access log
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ | {"BATON_DATABASE_URL": f"sqlite:///{db}"},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.port = int(self.wait_for(r"Baton listening on http://127\.0\.0\.1:(\d+) ").group(1))

    def _read(self) -> None:
        assert self.process.stderr is not None
        with self.process.stderr:
            for line in self.process.stderr:
                self.lines.put(line)
        self.lines.put("")

    def wait_for(self, pattern: str) -> re.Match[str]:
        while True:
            try:
                line = self.lines.get(timeout=SAFETY_SECONDS)
            except queue.Empty:
                raise AssertionError(f"{pattern!r} never logged:\n{''.join(self.log)}") from None
            self.log.append(line)
            if not line:
                raise AssertionError(f"server ended before logging {pattern!r}:\n{''.join(self.log)}")
            if found := re.search(pattern, line):
                return found

    def children(self) -> set[int]:
        return children_of(self.process.pid)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=SAFETY_SECONDS)
        finally:
            if self.process.poll() is None:
                self.process.kill()


def children_of(parent: int) -> set[int]:
    found = set()
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                stat = Path(f"/proc/{name}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found.add(int(name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def server_sockets(pid: int, port: int) -> dict[int, int]:
    """The client port of each connection to PORT whose server side PID holds: {client port: fd}."""
    by_inode = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = int(fields[1].split(":")[1], 16), int(fields[2].split(":")[1], 16)
        if local == port and remote:
            by_inode[fields[9]] = remote
    held = {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith("socket:[") and target[8:-1] in by_inode:
                held[by_inode[target[8:-1]]] = int(fd)
    return held


def nodelay_of(pid: int, fd: int) -> int:
    """TCP_NODELAY on another process's socket, through a copy of it (pidfd_getfd)."""
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    try:
        copy = libc.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0)
        if copy < 0:
            code = ctypes.get_errno()
            if code in (errno.ENOSYS, errno.EPERM):
                pytest.skip(f"pidfd_getfd is not allowed here: {os.strerror(code)}")
            raise OSError(code, os.strerror(code))
    finally:
        os.close(pidfd)
    with socket.socket(fileno=copy) as sock:
        return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def get(port: int, path: str = "/healthz") -> tuple[http.client.HTTPConnection, int]:
    """A new kept-alive connection that has answered one request; and the status."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=SAFETY_SECONDS)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return conn, response.status


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("serve") / "baton.db"
    result = baton_cli("db", "upgrade", db=db)
    assert result.returncode == 0, result.stderr
    return db


@pytest.fixture(scope="module")
def two_workers(database: Path) -> Iterator[Server]:
    server = Server(database, workers=2)
    server.wait_for(r"2 of 2 workers serving")
    yield server
    server.stop()


@pytest.fixture
def connections(two_workers: Server) -> Iterator[list[http.client.HTTPConnection]]:
    """Kept-alive connections, opened one at a time until each worker holds some (at most 200)."""
    opened: list[http.client.HTTPConnection] = []
    children = two_workers.children()
    holders: set[int] = set()
    try:
        while holders != children and len(opened) < 200:
            conn, status = get(two_workers.port)
            assert status == 200
            opened.append(conn)
            mine = conn.sock.getsockname()[1]
            holders |= {pid for pid in children if mine in server_sockets(pid, two_workers.port)}
        yield opened
    finally:
        for conn in opened:
            conn.close()


def test_the_listening_socket_gives_accepted_connections_tcp_nodelay():
    with bind_socket("127.0.0.1", 0) as listener:
        assert listener.proto == socket.IPPROTO_TCP
        assert listener.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR)
        with socket.create_connection(listener.getsockname()):
            accepted, _ = listener.accept()
            with accepted:  # a plain accept: Linux copies TCP_NODELAY from the listener
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1

        # As a worker gets it: rebuilt from the inherited descriptor, served by asyncio.
        with socket.socket(fileno=os.dup(listener.fileno())) as inherited:
            assert (inherited.family, inherited.proto) == (socket.AF_INET, socket.IPPROTO_TCP)
            assert asyncio.run(_nodelay_through_asyncio(inherited)) == 1


async def _nodelay_through_asyncio(listener: socket.socket) -> int:
    seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            sock = transport.get_extra_info("socket")
            seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
    _, writer = await asyncio.open_connection(*listener.getsockname())
    try:
        return await seen
    finally:
        writer.close()
        server.close()


def test_two_worker_processes_answer_on_one_port(two_workers, connections):
    children = two_workers.children()
    assert len(children) == 2
    held = {pid: server_sockets(pid, two_workers.port) for pid in children}
    mine = {conn.sock.getsockname()[1] for conn in connections}

    assert all(held[pid].keys() & mine for pid in children), held  # each worker answered some
    assert not server_sockets(two_workers.process.pid, two_workers.port)  # the parent only supervises
    for conn in connections[:5]:  # the connections stay alive for more requests
        conn.request("GET", "/api/v1/openapi.json")
        response = conn.getresponse()
        assert response.status == 200 and b'"openapi"' in response.read()


def test_accepted_connections_have_tcp_nodelay_on_the_server_side(two_workers, connections):
    mine = {conn.sock.getsockname()[1] for conn in connections}
    flags = {
        (pid, client): nodelay_of(pid, fd)
        for pid in two_workers.children()
        for client, fd in server_sockets(pid, two_workers.port).items()
        if client in mine
    }

    assert len(flags) == len(connections)
    assert set(flags.values()) == {1}


def test_a_killed_worker_is_replaced_and_sigterm_stops_every_process(database):
    server = Server(database, workers=2)
    try:
        server.wait_for(r"2 of 2 workers serving")
        first = server.children()
        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        server.wait_for(rf"worker \d \[{victim}\] was killed by SIGKILL: starting a replacement")
        replacement = int(server.wait_for(r"worker \d \[(\d+)\] serving").group(1))

        now = server.children()
        assert now == (first - {victim}) | {replacement}
        conn, status = get(server.port)
        conn.close()
        assert status == 200

        assert server.stop() == 0
        assert not any(alive(pid) for pid in now)
        assert not server.children()
        log = "".join(server.log) + "".join(iter(server.lines.get, ""))
        assert "SIGTERM: stopping the workers" in log
        assert log.count("exited with code 0") == 2
    finally:
        server.stop()


def test_an_invalid_playbook_stops_serve_before_any_worker_starts(database, tmp_path):
    bad = tmp_path / "playbook.yaml"
    bad.write_text("name: Broken\n")
    result = baton_cli("serve", "--workers", "2", "--port", "0", db=database, BATON_PLAYBOOK=str(bad))

    assert result.returncode == 1
    assert "intake_role: Field required" in result.stderr
    assert "worker" not in result.stderr


class FakeWorkers(Supervisor):
    """The supervisor with children that are small scripts instead of servers: SCRIPTS
    for the first children, then THEN for each replacement."""

    def __init__(self, scripts: list[str], then: str = "", restarts_allowed: int = 5) -> None:
        self.listener = bind_socket("127.0.0.1", 0)
        super().__init__(self.listener, workers=len(scripts), restarts_allowed=restarts_allowed, restart_window=1e9)
        self.scripts, self.then = iter(scripts), then
        self.started = 0

    def command(self, listen_fd: int, ready_fd: int, lifeline_fd: int) -> list[str]:
        self.started += 1
        return [sys.executable, "-c", next(self.scripts, self.then), str(ready_fd)]


SERVES_THEN_DIES = "import os, sys; os.write(int(sys.argv[1]), b'1'); sys.exit(1)"
SERVES_UNTIL_SIGTERM = "import os, signal, sys; os.write(int(sys.argv[1]), b'1'); signal.pause()"


def test_a_worker_that_exits_before_serving_stops_the_others_and_exit_is_1():
    workers = FakeWorkers(["import sys; sys.exit(3)", SERVES_UNTIL_SIGTERM])
    with workers.listener:
        assert workers.run() == 1
    assert workers.started == 2 and not workers.children


def test_a_worker_that_keeps_dying_after_serving_is_a_crash_loop_and_exit_is_1():
    workers = FakeWorkers([SERVES_THEN_DIES], then=SERVES_THEN_DIES, restarts_allowed=3)
    with workers.listener:
        assert workers.run() == 1
    assert workers.started == 4  # the first and three replacements
