"""`python -m bench [NAME ...]`: run the benchmarks (all by default) and print a report."""

from __future__ import annotations

import sys

from bench import assist, audit, business_time, pipeline, rules, serve, timer_sweep

BENCHES = {
    "business-time": business_time.main,
    "timer-sweep": timer_sweep.main,
    "rules": rules.main,
    "pipeline": pipeline.main,
    "audit": audit.main,
    "assist": assist.main,
    "serve": serve.main,
}

if __name__ == "__main__":
    names = sys.argv[1:] or list(BENCHES)
    for name in names:
        BENCHES[name]()
