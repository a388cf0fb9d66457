"""Which of some tickets (or cases of an imported history) a caller may see: for the
drill-downs of suggestions and reports, so none shows a ticket the policy hides."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from baton.core.playbook import Playbook
from baton.core.policy import Caller, read_scope, sees
from baton.services.unit_of_work import read_only

if TYPE_CHECKING:
    from sqlalchemy import Engine


def visible_tickets(engine: Engine, playbook: Playbook, caller: Caller, ids: Iterable[int]) -> set[int]:
    """The ids among ``ids`` of Baton's tickets ``caller`` sees."""
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    with read_only(engine) as uow:
        return {t.id for t in uow.tickets.get_many(wanted) if sees(caller, t, playbook)}


def visible_cases(
    engine: Engine, playbook: Playbook, caller: Caller, cases: Iterable[tuple[int | str, str | None]], baton_ids: bool
) -> set[int | str]:
    """The cases among (case, category) pairs ``caller`` may see: Baton's own tickets
    (``baton_ids``) by the policy, an imported history's cases by their category alone."""
    listed = list(cases)
    if baton_ids:
        ids = {int(c) for c, _ in listed if str(c).isdigit()}
        seen = visible_tickets(engine, playbook, caller, ids)
        return {c for c, _ in listed if str(c).isdigit() and int(c) in seen}
    hidden = read_scope(caller, playbook).hidden
    return {c for c, category in listed if category not in hidden}
