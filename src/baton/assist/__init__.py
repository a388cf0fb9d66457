"""Assistance for agents: a category and severity suggested from a ticket's text
(:mod:`.classify`), the trained model's file (:mod:`.model_store`), the most
similar resolved tickets (:mod:`.similar`), the desk's history to learn from
(:mod:`.history`) and the measurement on a real incident log (:mod:`.evaluate`).

scikit-learn takes about two seconds to import, so every module here imports it
inside the functions that need it: importing :mod:`baton.assist` stays cheap."""
