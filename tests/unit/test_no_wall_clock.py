"""Nothing reads the wall clock except the system `Clock`: a scan of the source with
Python's `ast` for `datetime.now()`, `datetime.utcnow()`, `datetime.today()`,
`date.today()`, `time.time()` and `time.time_ns()`, however they were imported.

A test that reads today's date passes today and fails on some later day; code that
reads it cannot be run on a fixed clock. Durations (`time.monotonic`,
`time.perf_counter`) are not dates and are allowed. Only
`src/baton/services/clock.py` (`SystemClock`) may read the date."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("src/baton", "tests", "bench")
THE_CLOCK = "src/baton/services/clock.py"

WALL_CLOCK = frozenset({
    "datetime.datetime.now",
    "datetime.datetime.utcnow",
    "datetime.datetime.today",
    "datetime.date.today",
    "time.time",
    "time.time_ns",
})  # fmt: skip
# Whatever `datetime` or `date` stands for (a re-export, a parameter, pendulum's or
# arrow's look-alikes), these spellings read the wall clock too.
SPELLED = frozenset({("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today")})


@dataclass(frozen=True, order=True)
class Read:
    path: str
    line: int
    function: str
    target: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.target}() in {self.function or '<module>'}"


def _imports(tree: ast.Module) -> dict[str, str]:
    """What each imported name stands for, e.g. `dt` -> `datetime`, `now` -> `time.time`."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _dotted(node: ast.expr) -> list[str] | None:
    """`a.b.c` as ["a", "b", "c"]; None for anything but names and attributes."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def _target(node: ast.expr, imports: dict[str, str]) -> str | None:
    parts = _dotted(node)
    if parts is None:
        return None
    head, *rest = parts
    qualified = ".".join([imports.get(head, head), *rest])
    if qualified in WALL_CLOCK:
        return qualified
    if tuple(parts[-2:]) in SPELLED:
        return ".".join(parts)
    return None


class _Finder(ast.NodeVisitor):
    def __init__(self, path: str, imports: dict[str, str]) -> None:
        self.path, self.imports = path, imports
        self.scope: list[str] = []
        self.found: list[Read] = []

    def _enter(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _enter

    def _check(self, node: ast.Attribute | ast.Name) -> None:
        target = _target(node, self.imports)
        if target is not None:
            self.found.append(Read(self.path, node.lineno, ".".join(self.scope), target))
        elif isinstance(node, ast.Attribute):
            self.generic_visit(node)

    # Called or not: `default_factory=datetime.now` reads the clock too.
    visit_Attribute = visit_Name = _check


def wall_clock_reads(source: str, path: str = "<string>") -> list[Read]:
    tree = ast.parse(source, filename=path)
    finder = _Finder(path, _imports(tree))
    finder.visit(tree)
    return sorted(finder.found)


def _scanned_files() -> list[Path]:
    files = [p for folder in SCANNED for p in sorted((ROOT / folder).rglob("*.py"))]
    return [p for p in files if p.relative_to(ROOT).as_posix() != THE_CLOCK]


def _all_reads() -> list[Read]:
    reads: list[Read] = []
    for path in _scanned_files():
        reads += wall_clock_reads(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix())
    return reads


def test_nothing_but_the_system_clock_reads_the_wall_clock() -> None:
    unexpected = [str(r) for r in _all_reads()]

    assert not unexpected, (
        "read the time from a Clock (baton.clock.now(), a FixedClock in tests), not the wall clock:\n"
        + "\n".join(unexpected)
    )


def test_the_scan_covers_the_source_the_tests_and_the_clock_is_left_out() -> None:
    scanned = {p.relative_to(ROOT).as_posix() for p in _scanned_files()}

    assert "src/baton/app.py" in scanned
    assert "tests/conftest.py" in scanned
    assert "tests/unit/test_no_wall_clock.py" in scanned
    assert THE_CLOCK not in scanned
    assert len(scanned) > 100


def test_the_guard_flags_every_spelling_of_a_wall_clock_read_with_its_line() -> None:
    planted = """\
import datetime
import datetime as dt
import time
from datetime import UTC, date
from datetime import datetime as DateTime
from time import time as seconds, time_ns

def stamp():
    a = datetime.datetime.now(UTC)
    b = dt.date.today()
    c = DateTime.utcnow()
    d = date.today()
    e = time.time()
    f = seconds()
    g = time_ns()
    return DateTime.today(), a, b, c, d, e, f, g

class Event:
    made = staticmethod(DateTime.now)
"""

    found = [(r.line, r.function, r.target) for r in wall_clock_reads(planted)]

    assert found == [
        (9, "stamp", "datetime.datetime.now"),
        (10, "stamp", "datetime.date.today"),
        (11, "stamp", "datetime.datetime.utcnow"),
        (12, "stamp", "datetime.date.today"),
        (13, "stamp", "time.time"),
        (14, "stamp", "time.time"),
        (15, "stamp", "time.time_ns"),
        (16, "stamp", "datetime.datetime.today"),
        (19, "Event", "datetime.datetime.now"),
    ]
    assert str(wall_clock_reads(planted, "x.py")[0]) == "x.py:9: datetime.datetime.now() in stamp"


def test_the_guard_flags_datetime_now_even_when_datetime_came_from_elsewhere() -> None:
    reexported = "from baton.somewhere import datetime\n\ndef f():\n    return datetime.now()\n"
    unimported = "def f(date):\n    return date.today()\n"

    assert [(r.line, r.target) for r in wall_clock_reads(reexported)] == [(4, "datetime.now")]
    assert [(r.line, r.target) for r in wall_clock_reads(unimported)] == [(2, "date.today")]


def test_the_guard_leaves_durations_fixed_times_and_strings_alone() -> None:
    fine = """\
import time
from datetime import UTC, date, datetime, timedelta

START = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
DAY = date(2026, 11, 20)
NOTE = "never call datetime.now() or time.time() here"

def measure(clock):
    began = time.monotonic()
    spent = time.perf_counter() - began
    parsed = datetime.fromisoformat("2026-11-20T18:00:00+00:00")
    return clock.now(), spent, parsed, START + timedelta(days=1), time.sleep
"""

    assert wall_clock_reads(fine) == []
