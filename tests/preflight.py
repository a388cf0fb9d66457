"""Before the suite: say plainly what this machine lacks for the tests.

In CI (CI=true) anything missing is a failure; elsewhere the affected tests
are skipped with a notice, and this script says how to get them running."""

from __future__ import annotations

import os
import shutil
import sys

from sqlalchemy import create_engine, text

POSTGRES_URL = os.environ.get("BATON_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CHROMIUM = os.environ.get("BATON_TEST_CHROMIUM", "/usr/bin/chromium")


def postgres_problem() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:
        first = str(exc).strip().splitlines()[0]
        return (
            f"PostgreSQL is not reachable at {POSTGRES_URL} ({first}). The storage and API "
            "suites run on it too: start a server, or point BATON_TEST_POSTGRES_URL at one "
            "(e.g. postgresql+psycopg://USER@HOST:5432/DB, a user allowed to CREATE DATABASE)."
        )
    return None


def chromium_problem() -> str | None:
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return None
    return (
        f"Chromium is missing at {CHROMIUM}. The web pages are tested in a real browser: "
        "install it with `sudo apt-get install -y chromium` (Debian/Ubuntu), or point "
        "BATON_TEST_CHROMIUM at a Chromium or Chrome binary."
    )


def main() -> int:
    problems = [p for p in (postgres_problem(), chromium_problem()) if p]
    if not problems:
        print("preflight: PostgreSQL and Chromium are available; the whole suite will run.")
        return 0
    ci = os.environ.get("CI", "").lower() == "true"
    banner = "ERROR" if ci else "NOTICE"
    for problem in problems:
        print(f"\n*** {banner}: {problem}", file=sys.stderr)
    if ci:
        print("\n*** In CI every test must run: failing.", file=sys.stderr)
        return 1
    print("\n*** Those tests will be SKIPPED on this machine.\n", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
