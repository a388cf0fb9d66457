"""An optional rewrite of the handoff brief by an LLM behind an OpenAI-compatible API.

The brief built by :func:`baton.core.brief.build_brief` stays the record; the rewrite
is prose for the specialist taking over, and only when an admin configured an LLM
(``BATON_LLM_URL``). :func:`rewrite_brief` never raises: an LLM that is off, down,
slow or answering nonsense gives a :class:`Rewrite` with a ``problem`` saying so in
plain words, and the brief is shown as built.

Successful rewrites are kept in a :class:`RewriteCache` the application owns
(:attr:`baton.app.Baton.rewrites`), keyed by the LLM's URL, the model and a hash of
the brief's text, so a page refresh does not ask again, while any event that changes
the brief gives a new key.

``httpx2`` is imported only when a request is made: most desks run without an LLM."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from baton.core.brief import Brief
from baton.settings import Settings

if TYPE_CHECKING:
    import httpx2

SYSTEM_PROMPT = (
    "You rewrite the handoff brief of a support ticket for the specialist who is taking the ticket over. "
    "Write short, clear prose a specialist can act on without re-reading the ticket: what is wrong, what the "
    "customer needs, what was already tried, and where the SLA stands. Keep every fact, every error message and "
    "code exactly as written, every SLA figure, name and ticket number. Never invent anything: no cause, step, "
    "figure or promise that is not in the brief. If the brief says little, say little. Answer with the rewritten "
    "brief only."
)
AS_BUILT = "showing the brief as built"
CACHE_SIZE = 128
"""Rewrites a :class:`RewriteCache` keeps; the least recently used goes first."""

Key = tuple[str, str, str]
"""The LLM's URL, the model and the SHA-256 of the brief's text."""


@dataclass(frozen=True)
class Rewrite:
    """Exactly one of ``text`` (with the ``model`` that wrote it) and ``problem``."""

    text: str | None = None
    model: str | None = None
    problem: str | None = None


def _items(values: Iterable[str]) -> str:
    lines = [f"\n- {value}" for value in values]
    return "".join(lines) if lines else " none"


def brief_text(brief: Brief) -> str:
    """Every part of the brief as plain text, in the order of the brief's fields."""
    steps = (f"{s.at:%Y-%m-%d %H:%M} UTC, {s.by}: {s.what}" for s in brief.steps_tried)
    recent = (
        f"#{p.id} {p.subject} ({p.status.replace('_', ' ')}, {p.escalations} escalation(s))"
        for p in brief.recent_history
    )
    state = "final, the ticket is resolved" if brief.final else "current, the ticket is not resolved"
    return "\n".join(
        [
            f"Problem: {brief.problem}",
            f"Desired outcome: {brief.desired_outcome}",
            f"Steps tried:{_items(steps)}",
            f"Errors seen:{_items(brief.errors_seen)}",
            f"Customer sentiment: {brief.sentiment}",
            f"SLA:{_items(brief.sla)}",
            f"Customer: {brief.customer}",
            f"Customer's other tickets in the last 90 days:{_items(recent)}",
            f"Page context:{_items(f'{k}: {v}' for k, v in brief.page_context.items())}",
            f"Owner: {brief.owner}",
            f"Brief: {state}",
            f"Resolution: {brief.resolution or 'none yet'}",
            f"Notes:{_items(brief.notes)}",
        ]
    )


class RewriteCache:
    """Successful rewrites, in-process and thread-safe: at most ``size``, the least
    recently used going first."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._rewrites: OrderedDict[Key, tuple[str, str]] = OrderedDict()

    def get(self, key: Key) -> tuple[str, str] | None:
        """The text and model remembered for ``key``, now the most recently used."""
        with self._lock:
            found = self._rewrites.get(key)
            if found is not None:
                self._rewrites.move_to_end(key)
            return found

    def remember(self, key: Key, text: str, model: str) -> None:
        with self._lock:
            self._rewrites[key] = (text, model)
            self._rewrites.move_to_end(key)
            while len(self._rewrites) > self.size:
                self._rewrites.popitem(last=False)


def _shown(url: str) -> str:
    """The URL without any user name or password in it, for messages people read."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=host))


def rewrite_brief(
    brief: Brief, settings: Settings, cache: RewriteCache, *, client: httpx2.Client | None = None
) -> Rewrite:
    """Ask the configured LLM to rewrite the brief, unless ``cache`` has it; never raises."""
    url = settings.llm_url
    if not url:
        return Rewrite(problem=f"no LLM is configured (BATON_LLM_URL is empty); {AS_BUILT}")
    model = settings.llm_model.strip()
    if not model:
        return Rewrite(problem=f"BATON_LLM_MODEL is empty: the LLM at {_shown(url)} needs a model name; {AS_BUILT}")
    prompt = brief_text(brief)
    key = (url, model, hashlib.sha256(prompt.encode("utf-8")).hexdigest())
    found = cache.get(key)
    if found is not None:
        return Rewrite(text=found[0], model=found[1])
    outcome = _ask(url, model, prompt, settings, client)
    if outcome.text is not None and outcome.model is not None:
        cache.remember(key, outcome.text, outcome.model)
    return outcome


def _ask(url: str, model: str, prompt: str, settings: Settings, client: httpx2.Client | None) -> Rewrite:
    import httpx2

    where = f"the LLM at {_shown(url)}"
    headers = {"Accept": "application/json"}
    if settings.llm_api_key is not None and settings.llm_api_key.get_secret_value():
        headers["Authorization"] = f"Bearer {settings.llm_api_key.get_secret_value()}"
    payload = {
        "model": model,
        "messages": [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": prompt}],
        "temperature": 0,
    }
    timeout = settings.llm_timeout_seconds
    try:
        if client is not None:
            response = client.post(f"{url}/chat/completions", json=payload, headers=headers, timeout=timeout)
        else:
            with httpx2.Client(timeout=timeout) as own:
                response = own.post(f"{url}/chat/completions", json=payload, headers=headers)
    except httpx2.TimeoutException:
        return Rewrite(problem=f"{where} did not answer within {timeout:g} s; {AS_BUILT}")
    except httpx2.ConnectError as exc:
        return Rewrite(problem=f"could not connect to {where} ({exc or 'connection failed'}); {AS_BUILT}")
    except Exception as exc:  # optional by design: no failure of the LLM call may block the brief
        return Rewrite(problem=f"the request to {where} failed ({type(exc).__name__}: {exc}); {AS_BUILT}")
    return _read(response, where, model)


def _read(response: httpx2.Response, where: str, model: str) -> Rewrite:
    status = f"HTTP {response.status_code} {response.reason_phrase}".strip()
    try:
        body: Any = response.json()
    except ValueError:
        body = None
        if response.is_success:
            kind = response.headers.get("content-type") or "no content type"
            return Rewrite(problem=f"{where} answered {status} with something that is not JSON ({kind}); {AS_BUILT}")
    if not response.is_success:
        detail = _error_detail(body) or " ".join(response.text.split())[:200]
        return Rewrite(problem=f"{where} answered {status}{': ' + detail if detail else ''}; {AS_BUILT}")
    content = _content(body)
    if content is None:
        return Rewrite(problem=f"{where} answered JSON without a choices[0].message.content text; {AS_BUILT}")
    if not content.strip():
        return Rewrite(problem=f"{where} answered with an empty rewrite; {AS_BUILT}")
    answered_by = body.get("model")
    return Rewrite(text=content.strip(), model=answered_by if isinstance(answered_by, str) and answered_by else model)


def _content(body: Any) -> str | None:
    try:
        content = body["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        return None
    return content if isinstance(content, str) else None


def _error_detail(body: Any) -> str:
    """The message of an OpenAI-style error body (``{"error": {"message": ...}}``), if any."""
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    return " ".join(message.split())[:200] if isinstance(message, str) else ""
