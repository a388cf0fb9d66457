"""SVG made fit to sit inline in an HTML page that must open offline: no XML
prologue, no metadata, no namespace URLs, no global style, ids unique per chart."""

from __future__ import annotations

import re
from xml.sax.saxutils import quoteattr

_PROLOGUE = re.compile(r"<\?xml[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_STYLE = re.compile(r"<style[^>]*>.*?</style>\s*", re.DOTALL)
_NAMESPACE = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')
_SIZE = re.compile(r'\s+(width|height)="[^"]*"')
_ID = re.compile(r'\bid="([^"]+)"')
_HREF = re.compile(r'(?:xlink:)?href="#([^"]+)"')
_URL = re.compile(r"url\(#([^)]+)\)")
_VIEWBOX = re.compile(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) [\d.]+"')
MAGNIFY = 1.6
"""A chart is drawn at most this much larger than its points (so its text stays in proportion)."""


def inline(svg: str, prefix: str, label: str) -> str:
    """``svg`` ready to inline: ids prefixed with ``prefix``, an accessible name,
    the drawing scaled to its container (its viewBox kept)."""
    svg = _PROLOGUE.sub("", svg)
    svg = _METADATA.sub("", svg)
    svg = _STYLE.sub("", svg)
    svg = svg.replace("<defs>\n </defs>", "").replace("<defs>\n  \n </defs>", "")
    svg = _NAMESPACE.sub("", svg)
    svg = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = _HREF.sub(lambda m: f'href="#{prefix}-{m.group(1)}"', svg)
    svg = _URL.sub(lambda m: f"url(#{prefix}-{m.group(1)})", svg)
    head, rest = svg.split(">", 1)
    head = _SIZE.sub("", head)
    box = _VIEWBOX.search(head)
    widest = f' style="max-width:{float(box.group(1)) * MAGNIFY:.0f}px"' if box else ""
    attributes = (
        f' class="chart" role="img" aria-label={quoteattr(label)} data-chart="{prefix}"{widest}'
        ' stroke-linejoin="round" stroke-linecap="butt"'
    )
    return (head + attributes + ">" + rest).strip()
