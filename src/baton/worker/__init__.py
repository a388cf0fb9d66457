"""The worker: fires due timers through the same services as every other door,
delivers the outbox, and anchors the trails now and then."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from baton.services.outbox import Dispatched, Dispatcher
from baton.services.tickets import TicketService
from baton.services.trail import Anchoring

log = logging.getLogger("baton.worker")


def run(
    tickets: TicketService,
    dispatcher: Dispatcher | None = None,
    *,
    interval: float = 1.0,
    batch: int = 100,
    once: bool = False,
    stop: threading.Event | None = None,
    anchoring: Anchoring | None = None,
) -> int:
    """Sweep due timers and deliver the outbox until stopped (or, with ``once``, until
    nothing is due). Returns how many tickets had timers fired."""
    stop = stop or threading.Event()
    total = 0
    while not stop.is_set():
        fired = tickets.fire_due_timers(batch)
        total += fired
        if fired:
            log.info("fired SLA timers on %d ticket(s)", fired)
        sent = dispatcher.dispatch(batch) if dispatcher is not None else Dispatched()
        if sent.claimed:
            log.info("outbox: %d delivered, %d to retry, %d dead", sent.delivered, sent.failed, sent.dead)
        if anchoring is not None:
            _anchor(anchoring)
        if fired < batch and sent.claimed < batch:
            if once:
                break
            stop.wait(interval)
    return total


def _anchor(anchoring: Anchoring) -> None:
    """Take the anchor due, if any. A failure is logged and tried again when the next
    one falls due: it never stops the timers or the outbox."""
    try:
        taken = anchoring.due()
    except Exception:
        log.exception("taking an audit anchor failed")
        return
    if taken is not None and taken.anchor is not None:
        log.info("audit anchor %s over %d ticket(s)", taken.token, taken.anchor.tickets)


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT, so the current batch finishes cleanly."""
    stop = threading.Event()

    def handle(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: stopping after this batch", signum)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return stop
