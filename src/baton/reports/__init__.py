"""Reports built on the escalation metrics: the weekly report (HTML and JSON) and
anomaly detection per segment.

- :mod:`~baton.reports.weeks`: ISO weeks in UTC.
- :mod:`~baton.reports.anomaly`: the volume and rate tests (pure, standard library).
- :mod:`~baton.reports.segments`: what is counted per case, week and segment.
- :mod:`~baton.reports.watch`: the tests of one week, per segment, as messages.
- :mod:`~baton.reports.weekly`: the report assembled from the metrics.
- :mod:`~baton.reports.charts` and :mod:`~baton.reports.flow`: the charts as SVG.
- :mod:`~baton.reports.render`: the self-contained HTML file and the JSON.
- :mod:`~baton.reports.calibrate`: the tests run over every week of a history.

matplotlib is imported only by :mod:`~baton.reports.charts`, when a chart is drawn.
"""
