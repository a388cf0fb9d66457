"""Shared fixtures: databases (SQLite and PostgreSQL), a fixed clock, the
wired application and an API client."""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from baton.api.main import create_app
from baton.app import Baton, build
from baton.core.policy import TokenScope
from baton.services.clock import FixedClock
from baton.services.tokens import create_token
from baton.settings import EXAMPLE_PLAYBOOK, Settings
from baton.store.db import make_engine
from baton.store.migrate import upgrade
from baton.store.tables import metadata

sys.path.insert(0, str(Path(__file__).parent))
from preflight import POSTGRES_URL, postgres_problem

IN_CI = os.environ.get("CI", "").lower() == "true"
START = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # a Monday morning
_skipped_postgres: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _skipped_postgres:
        terminalreporter.section("PostgreSQL tests SKIPPED", sep="!", red=True, bold=True)
        terminalreporter.line(_skipped_postgres[0])


@pytest.fixture(scope="session")
def postgres_server() -> str:
    problem = postgres_problem()
    if problem is None:
        return POSTGRES_URL
    if IN_CI:
        pytest.fail(f"CI=true and {problem}", pytrace=False)
    if not _skipped_postgres:
        _skipped_postgres.append(problem)
    pytest.skip(problem)


@pytest.fixture(scope="session")
def postgres_database(postgres_server: str) -> Iterator[str]:
    """A database of its own for this test session, migrated once, dropped after."""
    name = f"baton_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "baton.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def empty_postgres(url: str) -> None:
    engine = create_engine(url)
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty database: each storage and API test runs on both."""
    if request.param == "sqlite":
        path = tmp_path / "baton.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_database")
    empty_postgres(url)
    return url


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture(scope="session")
def playbook_without_triggers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example playbook less its trigger rules: for tests of the foundation, whose
    tickets must not be moved by a rule."""
    import yaml

    data = yaml.safe_load(EXAMPLE_PLAYBOOK.read_text(encoding="utf-8"))
    data.pop("rules")
    path = tmp_path_factory.mktemp("playbook") / "no-triggers.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def playbook_path(playbook_without_triggers: Path) -> Path:
    """Which playbook the `baton` fixture runs; trigger tests override it."""
    return playbook_without_triggers


@pytest.fixture
def baton(database_url: str, clock: FixedClock, playbook_path: Path, tmp_path: Path) -> Iterator[Baton]:
    model = tmp_path / "models" / "classifier.pkl"  # never a model trained in the working directory
    app = build(Settings(database_url=database_url, playbook=playbook_path, model_path=model), clock)
    yield app
    app.engine.dispose()


@pytest.fixture
def client(baton: Baton) -> Iterator[TestClient]:
    with TestClient(create_app(baton), raise_server_exceptions=True) as test_client:
        yield test_client


@pytest.fixture
def auth(baton: Baton) -> Callable[[str], dict[str, str]]:
    """Headers that act as the named agent (or, for a name under ``access.integrations``,
    as that integration: the channel that writes the customer's messages)."""
    tokens: dict[str, str] = {}
    integrations = baton.playbook.integrations

    def headers(agent: str) -> dict[str, str]:
        if agent not in tokens:
            scope = TokenScope.INTEGRATION if agent in integrations else TokenScope.AGENT
            tokens[agent] = create_token(baton.engine, agent, START, scope=scope, integrations=integrations)
        return {"Authorization": f"Bearer {tokens[agent]}"}

    return headers


@pytest.fixture
def postgres_baton(postgres_database: str, clock: FixedClock, playbook_path: Path, tmp_path: Path) -> Iterator[Baton]:
    """The application on PostgreSQL alone, for what only PostgreSQL can show."""
    empty_postgres(postgres_database)
    model = tmp_path / "models" / "classifier.pkl"
    app = build(Settings(database_url=postgres_database, playbook=playbook_path, model_path=model), clock)
    yield app
    app.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own, not migrated: for tests of the migrations themselves."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'older.db'}"
        return
    server: str = request.getfixturevalue("postgres_server")
    name = f"baton_blank_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
