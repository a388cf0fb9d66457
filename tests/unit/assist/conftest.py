"""A playbook and a small model trained on the demo scenarios' texts, shared by the
assist tests (training takes a fraction of a second once scikit-learn is loaded)."""

from __future__ import annotations

import pytest

from baton.assist.classify import fit_model
from baton.assist.model_store import TicketModel
from baton.core.playbook import Playbook
from baton.playbook import load_playbook
from baton.settings import EXAMPLE_PLAYBOOK

from .corpus import TRAINED_AT, scenario_examples


@pytest.fixture(scope="session")
def playbook() -> Playbook:
    return load_playbook(EXAMPLE_PLAYBOOK)


@pytest.fixture(scope="session")
def model() -> TicketModel:
    return fit_model(scenario_examples(), TRAINED_AT)
