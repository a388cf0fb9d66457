"""Settings from the environment (``BATON_*``), built at start-up."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
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
    model_path: Path | None = Field(
        default=None,
        description="The trained ticket model (`baton model train`); models/classifier.pkl beside a SQLite "
        "database file, else in the working directory, if absent.",
    )
    llm_url: str | None = Field(
        default=None,
        description=(
            "Base URL of an OpenAI-compatible API (e.g. http://host:8080/v1) that may rewrite the handoff brief; "
            "empty or unset turns the rewrite off. Its absence or failure never blocks anything."
        ),
    )
    llm_model: str = Field(default="", description="The model name sent to the LLM with each rewrite request.")
    llm_api_key: SecretStr | None = Field(
        default=None, description="Sent as 'Authorization: Bearer <key>' to the LLM when set."
    )
    llm_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long a rewrite may take before the brief is shown as built."
    )

    trust_proxy_headers: bool = Field(
        default=False,
        description=(
            "Believe X-Forwarded-Proto, X-Forwarded-Host and X-Forwarded-For from whoever connects: set it only "
            "when Baton is reachable through a reverse proxy alone that sets them. Decides the session cookie's "
            "Secure flag, HSTS, the origin forms must come from and the client address failures are counted for."
        ),
    )
    session_idle_hours: float = Field(
        default=12, gt=0, description="A web session ends after this long without a request."
    )
    session_max_days: float = Field(
        default=7, gt=0, description="A web session ends this long after signing in, however busy."
    )
    auth_failure_limit: int = Field(
        default=10, ge=1, description="Failed sign-ins and bearer tokens per client address, within the window."
    )
    auth_failure_window_seconds: int = Field(
        default=300, ge=1, description="The window failed attempts are counted over; past the limit, 429."
    )

    @field_validator("llm_url")
    @classmethod
    def _blank_url_is_off(cls, value: str | None) -> str | None:
        url = (value or "").strip().rstrip("/")
        return url or None

    @property
    def llm_configured(self) -> bool:
        """Whether an LLM may be asked to rewrite the handoff brief."""
        return bool(self.llm_url)
