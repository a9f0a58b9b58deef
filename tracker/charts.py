"""SVG charts for the HTML report. Each chart has a title, a description and text labels, so
it reads without colour (printed in grey, or by a screen reader)."""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any

# Colours differ in lightness too, so the order of segments survives greyscale printing.
STATUS_COLOURS = {
    "fulfilled": "#1b7837",
    "maintained": "#1b7837",
    "partial": "#7fbf7b",
    "in-progress": "#2166ac",
    "contested": "#f4a582",
    "split": "#9970ab",
    "disputed": "#c2a5cf",
    "unclear": "#bababa",
    "stalled": "#fdb863",
    "not-started": "#d6604d",
    "broken": "#b2182b",
    "violated": "#b2182b",
    "not-yet-rated": "#f0f0f0",
    "tracked": "#e0e0e0",
}
DARK = {"fulfilled", "maintained", "in-progress", "broken", "violated", "split", "not-started"}
FONT = 'font-family="system-ui, sans-serif"'


def _svg(width: int, height: int, title: str, description: str, body: list[str], cls: str) -> str:
    slug = cls.replace(" ", "-")
    return (
        '<div class="scroll chart-box">'
        f'<svg class="chart {cls}" role="img" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="{slug}-title {slug}-desc" {FONT}>'
        f'<title id="{slug}-title">{escape(title)}</title>'
        f'<desc id="{slug}-desc">{escape(description)}</desc>' + "".join(body) + "</svg></div>"
    )


def status_by_area(by_area: dict[str, dict[str, int]], statuses: list[str]) -> str:
    """Return stacked horizontal bars: per area, how many commitments have each status."""
    label_w, bar_w, row_h, top = 150, 560, 30, 34
    areas = list(by_area)
    most = max((sum(c.values()) for c in by_area.values()), default=1) or 1
    height = top + row_h * len(areas) + 28
    body = [
        '<text x="0" y="16" font-size="15" font-weight="bold">Status of commitments by area</text>'
    ]
    order = [s for s in STATUS_COLOURS if s in statuses]
    for i, area in enumerate(areas):
        y = top + i * row_h
        counts = by_area[area]
        body.append(
            f'<text x="{label_w - 8}" y="{y + 15}" font-size="13" text-anchor="end">'
            f"{escape(area)}</text>"
        )
        x = float(label_w)
        for status in order:
            n = counts.get(status, 0)
            if not n:
                continue
            w = bar_w * n / most
            fill = STATUS_COLOURS[status]
            text_fill = "#fff" if status in DARK else "#000"
            body.append(
                f"<g><title>{escape(area)}: {n} {status}</title>"
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="20" fill="{fill}" '
                f'stroke="#fff" stroke-width="1"/>'
                + (
                    f'<text x="{x + w / 2:.1f}" y="{y + 14.5}" font-size="12" '
                    f'text-anchor="middle" fill="{text_fill}">{n}</text>'
                    if w >= 14
                    else ""
                )
                + "</g>"
            )
            x += w
        body.append(
            f'<text x="{x + 6:.1f}" y="{y + 15}" font-size="12" fill="#333">'
            f"{sum(counts.values())}</text>"
        )
    legend_y = top + row_h * len(areas) + 12
    x = float(label_w)
    for status in order:
        body.append(
            f'<rect x="{x:.0f}" y="{legend_y}" width="12" height="12" '
            f'fill="{STATUS_COLOURS[status]}" stroke="#555" stroke-width="0.5"/>'
            f'<text x="{x + 16:.0f}" y="{legend_y + 11}" font-size="12">{status}</text>'
        )
        x += 16 + 7.2 * len(status) + 14
    width = max(label_w + bar_w + 40, int(x))
    description = "; ".join(
        f"{area}: " + ", ".join(f"{counts[s]} {s}" for s in order if counts.get(s))
        for area, counts in by_area.items()
    )
    return _svg(width, height, "Status of commitments by area", description, body, "status-chart")


def compliance_by_party(averages: dict[str, dict[str, Any]], parties: list[str]) -> str:
    """Return horizontal bars of each party's compliance percentage, 0 to 100%, each labelled
    with its coverage (n of eligible party-items rated)."""
    label_w, bar_w, row_h, top = 110, 480, 34, 44
    rows = [*parties, "all"]
    height = top + row_h * len(rows) + 24
    body = [
        '<text x="0" y="16" font-size="15" font-weight="bold">Compliance by party</text>',
    ]
    for tick in (0, 25, 50, 75, 100):
        x = label_w + bar_w * tick / 100
        body.append(
            f'<line x1="{x:.0f}" y1="{top - 8}" x2="{x:.0f}" y2="{top + row_h * len(rows) - 10}" '
            f'stroke="#ccc" stroke-dasharray="{"none" if tick in (0, 100) else "3,3"}"/>'
            f'<text x="{x:.0f}" y="{top - 12}" font-size="11" text-anchor="middle" '
            f'fill="#555">{tick}%</text>'
        )
    for i, party in enumerate(rows):
        cell = averages[party]
        y = top + i * row_h
        name = "All parties" if party == "all" else party
        body.append(
            f'<text x="{label_w - 8}" y="{y + 15}" font-size="13" text-anchor="end" '
            f'font-weight="{"bold" if party == "all" else "normal"}">{escape(name)}</text>'
        )
        cover = f"{cell['rated']} of {cell['eligible']} rated"
        if cell["compliance_percent"] is None:
            body.append(
                f'<text x="{label_w + 4}" y="{y + 15}" font-size="12">none rated ({cover})</text>'
            )
            continue
        w = bar_w * cell["compliance_percent"] / 100
        label = f"{cell['compliance_percent']:.0f}% ({cover})"
        body.append(
            f"<g><title>{escape(name)}: {label}</title>"
            f'<rect x="{label_w}" y="{y}" width="{max(w, 1):.1f}" height="20" '
            f'fill="{"#2166ac" if party != "all" else "#333"}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" font-size="12">{escape(label)}</text>'
            "</g>"
        )
    description = "; ".join(
        f"{'All parties' if p == 'all' else p}: "
        + (
            "none rated"
            if averages[p]["compliance_percent"] is None
            else f"{averages[p]['compliance_percent']:.0f}% of {averages[p]['rated']} rated"
        )
        for p in rows
    )
    return _svg(
        label_w + bar_w + 190, height, "Compliance by party", description, body, "compliance-chart"
    )


MARKERS = {
    "created": lambda x, y: f'<circle cx="{x:.1f}" cy="{y}" r="3.5" fill="#fff" stroke="#555"/>',
    "note": lambda x, y: f'<circle cx="{x:.1f}" cy="{y}" r="4.5" fill="#555"/>',
    "measure": lambda x, y: (
        f'<rect x="{x - 4.5:.1f}" y="{y - 4.5}" width="9" height="9" fill="#7b3294"/>'
    ),
    "status": lambda x, y: (
        f'<path d="M{x:.1f} {y - 6} l6 6 l-6 6 l-6 -6 z" fill="#2166ac" stroke="#fff"/>'
    ),
}
MARKERS["assessment"] = MARKERS["status"]


def timeline(commitments: list[dict[str, Any]], *, start: str, end: str) -> str:
    """Return one row per commitment with a marker for each dated event, from `start` (the
    first meeting) to `end` (the report date)."""
    label_w, plot_w, row_h, top, status_w = 78, 600, 20, 72, 96
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    span = max((last - first).days, 1)

    def x_of(day: str) -> float:
        return label_w + plot_w * (dt.date.fromisoformat(day) - first).days / span

    height = top + row_h * len(commitments) + 10
    body = [
        '<text x="0" y="16" font-size="15" font-weight="bold">Timeline of events per '
        "commitment</text>"
    ]
    legend_x = 0
    for kind, text in (
        ("created", "made"),
        ("note", "note"),
        ("status", "rating"),
        ("measure", "reading"),
    ):
        body.append(MARKERS[kind](legend_x + 6, 34))
        body.append(f'<text x="{legend_x + 14}" y="38" font-size="11">{text}</text>')
        legend_x += 24 + 6.5 * len(text)
    for year in range(first.year, last.year + 1):
        for month in (1, 7):
            tick = dt.date(year, month, 1)
            if first <= tick <= last:
                x = x_of(tick.isoformat())
                body.append(
                    f'<line x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" y2="{height - 10}" '
                    f'stroke="#ddd"/><text x="{x:.1f}" y="{top - 11}" font-size="10" '
                    f'text-anchor="middle" fill="#555">{tick.strftime("%b %Y")}</text>'
                )
    for i, c in enumerate(commitments):
        y = top + i * row_h + 6
        body.append(
            f'<text x="{label_w - 8}" y="{y + 4}" font-size="11" text-anchor="end">'
            f"{escape(c['id'])}</text>"
            f'<line x1="{label_w}" y1="{y}" x2="{label_w + plot_w}" y2="{y}" stroke="#eee"/>'
        )
        for e in c.get("evidence", []):
            tip = f"{c['id']} {e['happened_on']} {e['kind']}"
            if e["kind"] in ("status", "assessment"):
                tip += f" → {e['status']}"
            if e.get("text"):
                tip += f": {e['text']}"
            body.append(
                f"<g><title>{escape(tip)}</title>"
                + MARKERS.get(e["kind"], MARKERS["note"])(x_of(e["happened_on"]), y)
                + "</g>"
            )
        body.append(
            f'<text x="{label_w + plot_w + 8}" y="{y + 4}" font-size="11">'
            f"{escape(c['status'])}</text>"
        )
    description = (
        f"Events from {start} to {end} for {len(commitments)} commitments; the status at the "
        "end of each row is the status on the report date."
    )
    return _svg(
        label_w + plot_w + status_w,
        height,
        "Timeline of events per commitment",
        description,
        body,
        "timeline-chart",
    )
