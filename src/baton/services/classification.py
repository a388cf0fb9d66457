"""The classifier every new ticket goes through: the playbook's keyword hints, then the
desk's trained model, else the playbook's intake queue (see
:func:`baton.assist.classify.suggest`). The model file is read once and again only
when `baton model train` rewrites it; a missing, damaged or foreign model is the
fallback's reason, never an error."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from baton.core.playbook import Playbook

if TYPE_CHECKING:
    from baton.assist.classify import Suggestion
    from baton.assist.model_store import TicketModel


class Classifier:
    def __init__(self, playbook: Playbook, model_path: Path) -> None:
        self.playbook = playbook
        self.model_path = model_path
        self._lock = threading.Lock()
        self._loaded: tuple[object, TicketModel | None, str | None] | None = None

    def model(self) -> tuple[TicketModel | None, str | None]:
        """The model and None, or None and why there is none."""
        from baton.assist.model_store import load_or_explain, sidecar

        stamp = tuple(_stamp(p) for p in (self.model_path, sidecar(self.model_path)))
        with self._lock:
            if self._loaded is not None and self._loaded[0] == stamp:
                return self._loaded[1], self._loaded[2]
            model, problem = load_or_explain(self.model_path)
            self._loaded = (stamp, model, problem)
            return model, problem

    def __call__(self, subject: str, body: str) -> Suggestion:
        from baton.assist.classify import suggest, ticket_text

        model, problem = self.model()
        return suggest(ticket_text(subject, body), self.playbook, model, model_problem=problem)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size
