"""Settings from the environment (``BATON_*``), built at start-up."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

EXAMPLE_PLAYBOOK = Path(__file__).parent / "examples" / "playbook.yaml"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BATON_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///baton.db",
        description="SQLAlchemy URL; a SQLite file in the working directory by default.",
    )
    playbook: Path = Field(default=EXAMPLE_PLAYBOOK, description="The playbook YAML file.")
    max_body_bytes: int = Field(default=1024 * 1024, description="Largest request body accepted.")
