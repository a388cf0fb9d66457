"""Running the `baton` command as a script would: a real process on a SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def baton_cli(*args: str, db: Path, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """``baton ARGS`` with ``BATON_DATABASE_URL`` pointing at ``db`` (and ``env`` added)."""
    return subprocess.run(
        [sys.executable, "-m", "baton.cli.main", *args],
        capture_output=True,
        text=True,
        env=os.environ | {"BATON_DATABASE_URL": f"sqlite:///{db}"} | env,
        timeout=300,
        check=False,
        cwd=cwd,
    )
