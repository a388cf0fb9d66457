"""The tier handoff flow as a hand-drawn Sankey diagram in SVG.

Columns are the stages of the tier path (the first tier a case sat at, the
second, ...); a node is a tier at a stage, as tall as the cases there; a band
carries the cases moving from one stage to the next, as wide as their number.
Bands going up a tier take the colour of the tier they reach; bands going down
(a bounce, a de-escalation) are grey. Cases whose path ends at a node are the
part of it no band leaves."""

from __future__ import annotations

from collections import defaultdict
from html import escape

from baton.reports.model import Flow, FlowNode

WIDTH, ROOM = 900.0, 180.0
"""The drawing's width, and the height the busiest column's cases share."""
TOP, BOTTOM, SIDE = 26.0, 8.0, 6.0
NODE, GAP, SLOT = 14.0, 12.0, 30.0
"""Node width, the gap between nodes, and the least room a node takes (its label's)."""
LABEL_ROOM = 190.0
TIER_COLOURS = {1: "#2451b7", 2: "#1f8a8a", 3: "#d08a1f", 4: "#c8453b"}
DOWN = "#9aa3b2"
STAGES = ("first tier", "second", "third", "fourth")


def _f(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _short(name: str, most: int = 22) -> str:
    return name if len(name) <= most else name[: most - 1].rstrip() + "…"


def _layout(flow: Flow) -> tuple[float, float, dict[tuple[int, int], tuple[float, float, float]]]:
    """The scale (px per case), the drawing's height and each node's (x, y, height)."""
    columns: dict[int, list[FlowNode]] = defaultdict(list)
    for node in flow.nodes:
        columns[node.stage].append(node)
    stages = max(columns)
    scale = min((ROOM - GAP * (len(nodes) - 1)) / sum(n.cases for n in nodes) for nodes in columns.values())
    step = (WIDTH - 2 * SIDE - NODE - LABEL_ROOM) / max(1, stages - 1)
    places: dict[tuple[int, int], tuple[float, float, float]] = {}
    bottom = TOP
    for stage, nodes in columns.items():
        y = TOP
        for node in sorted(nodes, key=lambda n: n.tier):
            height = max(2.0, node.cases * scale)
            places[(stage, node.tier)] = (SIDE + (stage - 1) * step, y, height)
            y += max(height, SLOT) + GAP
        bottom = max(bottom, y - GAP)
    return scale, bottom + BOTTOM, places


def draw(flow: Flow) -> str | None:
    """The flow as inline SVG, or None when there is no tier path to draw."""
    if flow.unavailable or not flow.nodes:
        return None
    scale, height_total, places = _layout(flow)
    out_used: dict[tuple[int, int], float] = defaultdict(float)
    in_used: dict[tuple[int, int], float] = defaultdict(float)
    parts: list[str] = []
    ordered = sorted(flow.links, key=lambda link: (link.stage, link.source, link.target))
    incoming = sorted(flow.links, key=lambda link: (link.stage, link.target, link.source))
    arrive: dict[tuple[int, int, int], float] = {}
    for link in incoming:
        key = (link.stage + 1, link.target)
        arrive[(link.stage, link.source, link.target)] = in_used[key]
        in_used[key] += link.cases * scale
    for link in ordered:
        x0, y0, _ = places[(link.stage, link.source)]
        x1, y1, _ = places[(link.stage + 1, link.target)]
        width = link.cases * scale
        a = y0 + out_used[(link.stage, link.source)]
        b = y1 + arrive[(link.stage, link.source, link.target)]
        out_used[(link.stage, link.source)] += width
        start, end = x0 + NODE, x1
        middle = (start + end) / 2
        colour = TIER_COLOURS.get(link.target, DOWN) if link.target > link.source else DOWN
        path = (
            f"M{_f(start)},{_f(a)} C{_f(middle)},{_f(a)} {_f(middle)},{_f(b)} {_f(end)},{_f(b)} "
            f"L{_f(end)},{_f(b + width)} C{_f(middle)},{_f(b + width)} {_f(middle)},{_f(a + width)} "
            f"{_f(start)},{_f(a + width)} Z"
        )
        parts.append(
            f'<path class="band" d="{path}" fill="{colour}" fill-opacity="0.42" data-stage="{link.stage}" '
            f'data-from="{link.source}" data-to="{link.target}" data-cases="{link.cases}">'
            f"<title>{link.cases} case(s): tier {link.source} to tier {link.target}</title></path>"
        )
        if width >= 11:
            parts.append(
                f'<text x="{_f(middle)}" y="{_f((a + b) / 2 + width / 2 + 4)}" text-anchor="middle" '
                f'class="band-label">{link.cases}</text>'
            )
    stages = max(n.stage for n in flow.nodes)
    for node in flow.nodes:
        x, y, height = places[(node.stage, node.tier)]
        colour = TIER_COLOURS.get(node.tier, DOWN)
        parts.append(
            f'<rect class="node" x="{_f(x)}" y="{_f(y)}" width="{_f(NODE)}" height="{_f(height)}" fill="{colour}" '
            f'data-stage="{node.stage}" data-tier="{node.tier}" data-cases="{node.cases}" data-ends="{node.ends}">'
            f"<title>{escape(node.name)}: {node.cases} case(s), {node.ends} end here</title></rect>"
        )
        tx, anchor = x + NODE + 5, "start"
        ends = (
            "all end here" if node.ends == node.cases else "none end here" if not node.ends else f"{node.ends} end here"
        )
        parts.append(
            f'<text x="{_f(tx)}" y="{_f(y + 11)}" text-anchor="{anchor}" class="node-label">'
            f'<tspan font-weight="600">T{node.tier} {escape(_short(node.name))}</tspan> {node.cases}'
            f'<tspan x="{_f(tx)}" dy="12" class="muted">{ends}</tspan></text>'
        )
    for stage in range(1, stages + 1):
        x, _, _ = next(places[k] for k in sorted(places) if k[0] == stage)
        heading = STAGES[stage - 1] if stage <= len(STAGES) else f"stage {stage}"
        parts.append(f'<text x="{_f(x)}" y="14" class="stage-label">{heading}</text>')
    style = (
        "<style>.node-label,.band-label,.stage-label{font:11px system-ui,sans-serif;fill:#1d2330;"
        "paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}"
        ".stage-label{fill:#5b6475;font-size:11px;text-transform:uppercase;letter-spacing:.04em}"
        ".node-label .muted{fill:#5b6475;font-size:10px}.band-label{font-size:10px}</style>"
    )
    label = f"Tier handoff flow of {flow.cases} cases: where each case sat, stage by stage"
    return (
        f'<svg class="chart flow" viewBox="0 0 {_f(WIDTH)} {_f(height_total)}" role="img" aria-label="{escape(label)}" '
        f'data-chart="flow">{style}{"".join(parts)}</svg>'
    )
