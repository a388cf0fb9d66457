"""Repositories over one connection, one module per aggregate. They never commit: the
caller's transaction (see :func:`baton.store.db.writing`) does.

- :mod:`.customers`: customer accounts
- :mod:`.tickets`: tickets with their escalations, messages and recorded events
- :mod:`.timers`: the due time of each ticket's next SLA threshold
- :mod:`.knowledge`: knowledge articles
- :mod:`.trail`: the trails' hashes as the tamper check reads them, and the anchors over them
- :mod:`.audit_log`: the configuration audit log, one hash chain
- :mod:`.agents`, :mod:`.playbooks`, :mod:`.tokens`: the agents, playbook versions and
  API tokens a playbook puts into service
- :mod:`.mapping`: rows to domain objects and back, shared by the modules above

Import from the submodules; this package re-exports nothing."""
