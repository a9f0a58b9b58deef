"""SVG charts for the HTML report and the site. Each chart has a title, a description and text
labels, so it reads without colour (printed in grey, or by a screen reader).

The charts reflow instead of scaling: an SVG has no viewBox, its width is 100% of its box and
every horizontal position is a percentage of that width, so at 390 px or 1280 px the bars
stretch and the text stays the size it was set in (11 px at the least). Labels sit above their
bars, so nothing has to fit beside them; the timeline and the metric chart keep their row and
axis labels in the padding of their box (overflow visible), outside the plot."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tracker.escape import html as escape

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
# White text only where it keeps a contrast of 4.5:1 (split and not-started take black).
DARK = {"fulfilled", "maintained", "in-progress", "broken", "violated"}
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'
MIN_FONT = 11  # no chart text is smaller (px): tick labels; labels are 12 and 13
# The narrowest plot the layouts are planned for (a 390 px phone less the page's padding),
# used to decide whether a count fits inside its bar segment.
NARROW_PX = 330


def _pct(x: float) -> str:
    """A horizontal position as a percentage of the chart's width."""
    return f"{max(0.0, min(100.0, x)):.2f}%"


def _svg(
    ident: str,
    height: int,
    title: str,
    description: str,
    body: list[str],
    cls: str,
    *,
    box: str = "chart-box",
) -> str:
    return (
        f'<div class="{box}">'
        f'<svg class="chart {cls}" role="img" width="100%" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="{ident}-title {ident}-desc" {FONT}>'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>' + "".join(body) + "</svg></div>"
    )


def _heading(title: str) -> str:
    return f'<text x="0" y="15" font-size="14" font-weight="bold">{escape(title)}</text>'


# --------------------------------------------------------------------------- bars


def compliance_bars(
    rows: list[tuple[str, dict[str, Any], bool]],
    *,
    title: str,
    cls: str,
    ident: str,
) -> str:
    """Return one bar per row, 0 to 100%, each labelled above with its percentage and
    coverage: rows are (label, average, bold)."""
    top, row_h = 40, 46
    height = top + row_h * len(rows) + 2
    body = [_heading(title)]
    for tick in (0, 25, 50, 75, 100):
        anchor = {0: "start", 100: "end"}.get(tick, "middle")
        body.append(
            f'<text x="{_pct(tick)}" y="34" font-size="11" text-anchor="{anchor}" '
            f'fill="#555">{tick}%</text>'
        )
    for i, (name, cell, bold) in enumerate(rows):
        y = top + i * row_h
        cover = f"{cell['rated']} of {cell['eligible']} rated"
        pct = cell["compliance_percent"]
        words = f"none rated ({cover})" if pct is None else f"{pct:.0f}% ({cover})"
        weight = ' font-weight="bold"' if bold else ""
        body.append(
            f"<g><title>{escape(name)}: {escape(words)}</title>"
            f'<text x="0" y="{y + 14}" font-size="13"{weight}>{escape(name)}: '
            f"<tspan>{escape(words)}</tspan></text>"
            f'<rect x="0" y="{y + 20}" width="100%" height="16" fill="#ececec"/>'
        )
        if pct is not None:
            fill = "#333" if bold else "#2166ac"
            body.append(
                f'<rect x="0" y="{y + 20}" width="{_pct(max(pct, 0.4))}" height="16" '
                f'fill="{fill}"/>'
            )
        for tick in (25, 50, 75):
            body.append(
                f'<line x1="{_pct(tick)}" y1="{y + 20}" x2="{_pct(tick)}" y2="{y + 36}" '
                'stroke="#fff" stroke-width="1.5"/>'
            )
        body.append("</g>")
    description = "; ".join(
        f"{name}: "
        + (
            "none rated"
            if cell["compliance_percent"] is None
            else f"{cell['compliance_percent']:.0f}%, {cell['rated']} of {cell['eligible']} rated"
        )
        for name, cell, _ in rows
    )
    return _svg(ident, height, title, description, body, cls)


def compliance_by_party(
    averages: dict[str, dict[str, Any]],
    parties: list[str],
    *,
    ident: str = "compliance-chart",
    title: str = "Compliance by party",
) -> str:
    """Return horizontal bars of each party's compliance percentage, 0 to 100%, each labelled
    with its coverage (n of eligible party-items rated)."""
    rows = [(p, averages[p], False) for p in parties] + [("All parties", averages["all"], True)]
    return compliance_bars(rows, title=title, cls="compliance-chart", ident=ident)


def count_bars(
    counts: list[tuple[str, str, int]], *, title: str, cls: str, ident: str, unit: str
) -> str:
    """Return one bar per (label, rating, count), coloured as the rating, lengths relative to
    the largest count (a PolitiFact-style scorecard)."""
    top, row_h = 26, 40
    most = max((n for _, _, n in counts), default=1) or 1
    height = top + row_h * len(counts) + 2
    body = [_heading(title)]
    for i, (name, rating, n) in enumerate(counts):
        y = top + i * row_h
        fill = STATUS_COLOURS.get(rating, "#999")
        body.append(
            f"<g><title>{escape(name)}: {n} {escape(unit)}</title>"
            f'<text x="0" y="{y + 14}" font-size="13">{escape(name)}: <tspan font-weight="bold">'
            f"{n}</tspan></text>"
            f'<rect x="0" y="{y + 20}" width="{_pct(max(100 * n / most, 0.4))}" height="14" '
            f'fill="{fill}" stroke="#555" stroke-width="0.5"/></g>'
        )
    description = "; ".join(f"{name}: {n}" for name, _, n in counts)
    return _svg(ident, height, title, description, body, cls)


def status_by_area(
    by_area: dict[str, dict[str, int]],
    statuses: list[str],
    *,
    ident: str = "status-chart",
    title: str = "Status of commitments by area",
) -> str:
    """Return stacked horizontal bars: per area, how many commitments have each status."""
    top, row_h = 26, 44
    areas = list(by_area)
    most = max((sum(c.values()) for c in by_area.values()), default=1) or 1
    order = [s for s in STATUS_COLOURS if s in statuses]
    legend_rows = (len(order) + 2) // 3
    legend_y = top + row_h * len(areas) + 8
    height = legend_y + 20 * legend_rows + 4
    body = [_heading(title)]
    for i, area in enumerate(areas):
        y = top + i * row_h
        counts = by_area[area]
        total = sum(counts.values())
        body.append(
            f'<text x="0" y="{y + 14}" font-size="13">{escape(area)}: <tspan font-weight="bold">'
            f"{total}</tspan></text>"
        )
        done = 0
        for status in order:
            n = counts.get(status, 0)
            if not n:
                continue
            text_fill = "#fff" if status in DARK else "#000"
            fits = NARROW_PX * n / most >= 16
            body.append(
                f"<g><title>{escape(area)}: {n} {status}</title>"
                f'<rect x="{_pct(100 * done / most)}" y="{y + 20}" width="{_pct(100 * n / most)}" '
                f'height="18" fill="{STATUS_COLOURS[status]}" stroke="#fff" stroke-width="1"/>'
                + (
                    f'<text x="{_pct(100 * (done + n / 2) / most)}" y="{y + 33.5}" font-size="12" '
                    f'text-anchor="middle" fill="{text_fill}">{n}</text>'
                    if fits
                    else ""
                )
                + "</g>"
            )
            done += n
    for j, status in enumerate(order):
        x = (j % 3) * 34
        y = legend_y + 20 * (j // 3)
        body.append(
            f'<rect x="{_pct(x)}" y="{y}" width="12" height="12" fill="{STATUS_COLOURS[status]}" '
            f'stroke="#555" stroke-width="0.5"/>'
            f'<text x="{_pct(x)}" dx="16" y="{y + 11}" font-size="12">{status}</text>'
        )
    description = "; ".join(
        f"{area}: " + ", ".join(f"{counts[s]} {s}" for s in order if counts.get(s))
        for area, counts in by_area.items()
    )
    return _svg(ident, height, title, description, body, "status-chart")


# --------------------------------------------------------------------------- timeline

MARKERS = {
    "created": '<circle r="3.5" fill="#fff" stroke="#555"/>',
    "note": '<circle r="4.5" fill="#555"/>',
    "measure": '<rect x="-4.5" y="-4.5" width="9" height="9" fill="#7b3294"/>',
    "status": '<path d="M0 -6 l6 6 l-6 6 l-6 -6 z" fill="#2166ac" stroke="#fff"/>',
}
MARKERS["assessment"] = MARKERS["status"]
RATING_MARKS = ("status", "assessment")
LEGEND = (("created", "made"), ("note", "note"), ("status", "rating"), ("measure", "reading"))


def _defs(ident: str) -> str:
    return (
        "<defs>"
        + "".join(
            f'<g id="{ident}-{kind}">{MARKERS[kind]}</g>'
            for kind in ("created", "note", "measure", "status")
        )
        + "</defs>"
    )


def _marker(ident: str, kind: str, x: str, y: float) -> str:
    kind = {"assessment": "status"}.get(kind, kind)
    if kind not in MARKERS:
        kind = "note"
    return f'<use href="#{ident}-{kind}" x="{x}" y="{y}"/>'


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _year_ticks(first: dt.date, last: dt.date) -> list[tuple[dt.date, bool]]:
    """(date, labelled) for 1 January (labelled) and 1 July of each year in range."""
    ticks = []
    for year in range(first.year, last.year + 1):
        for month in (1, 7):
            tick = dt.date(year, month, 1)
            if first <= tick <= last:
                ticks.append((tick, month == 1))
    return ticks


def timeline(
    commitments: list[dict[str, Any]],
    *,
    start: str,
    end: str,
    ident: str = "timeline-chart",
    title: str = "Timeline of events per commitment",
) -> str:
    """Return one row per commitment with a marker for each dated event, from `start` (the
    first meeting) to `end` (the report date). IDs sit in the box's left padding, statuses in
    its right padding; the plot between them stretches with the page."""
    row_h, top = 20, 62
    first, last = _day(start), _day(end)
    span = max((last - first).days, 1)

    def x_of(day: str) -> str:
        return _pct(100 * (_day(day) - first).days / span)

    height = top + row_h * len(commitments) + 4
    body = [
        _defs(ident),
        f'<text x="0" y="15" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    x = 0
    seen = {
        {"assessment": "status"}.get(e["kind"], e["kind"])
        for c in commitments
        for e in c.get("evidence", [])
    }
    for kind, text in LEGEND:
        if kind not in seen:
            continue
        body.append(_marker(ident, kind, f"{x + 6}", 34))
        body.append(f'<text x="{x + 14}" y="38" font-size="12">{text}</text>')
        x += 26 + int(6.8 * len(text))
    for tick, labelled in _year_ticks(first, last):
        tx = x_of(tick.isoformat())
        body.append(
            f'<line x1="{tx}" y1="{top - 6}" x2="{tx}" y2="{height - 4}" '
            f'stroke="{"#bbb" if labelled else "#e4e4e4"}"/>'
        )
        if labelled:
            body.append(
                f'<text x="{tx}" y="{top - 9}" font-size="11" text-anchor="middle" fill="#555">'
                f"{tick.year}</text>"
            )
    for i, c in enumerate(commitments):
        y = top + i * row_h + 8
        body.append(
            f'<text x="-8" y="{y + 4}" font-size="11" text-anchor="end">{escape(c["id"])}</text>'
            f'<line x1="0" y1="{y}" x2="100%" y2="{y}" stroke="#e8e8e8"/>'
        )
        # ratings first, so a note or reading of the same day is drawn on top of the
        # (larger) rating marker instead of hidden under it
        ordered = sorted(c.get("evidence", []), key=lambda e: e["kind"] not in RATING_MARKS)
        for e in ordered:
            if not start <= e["happened_on"] <= end:
                continue
            tip = f"{c['id']} {e['happened_on']} {e['kind']}"
            if e["kind"] in ("status", "assessment"):
                tip += f" → {e['status']}"
            if e.get("text"):
                tip += f": {e['text']}"
            body.append(
                f"<g><title>{escape(tip)}</title>"
                + _marker(ident, e["kind"], x_of(e["happened_on"]), y)
                + "</g>"
            )
        body.append(
            f'<text x="100%" dx="8" y="{y + 4}" font-size="11">{escape(c["status"])}</text>'
        )
    description = (
        f"Events from {start} to {end} for {len(commitments)} commitments; the status at the "
        "end of each row is the status on the report date."
    )
    return _svg(
        ident, height, title, description, body, "timeline-chart", box="chart-box timeline-box"
    )


# --------------------------------------------------------------------------- metric


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:,.2f}"


def metric_chart(
    metric: dict[str, Any],
    readings: list[tuple[str, float]],
    *,
    end: str,
    ident: str = "metric-chart",
) -> str:
    """Return the metric's baseline and readings over time, joined by lines, with its target
    (and reference, if any) as horizontal lines. Values are on a scale from 0 (or the lowest
    value) to the highest; the value labels sit in the box's left padding."""
    points = [(metric["baseline_on"], float(metric["baseline"]))]
    points += sorted((d, float(v)) for d, v in readings if d >= metric["baseline_on"])
    dates = [d for d, _ in points] + [end]
    if metric.get("target_on"):
        dates.append(metric["target_on"])
    first, last = _day(min(dates)), _day(max(dates))
    span = max((last - first).days, 1)
    values = [v for _, v in points]
    for key in ("target", "reference"):
        if metric.get(key) is not None:
            values.append(float(metric[key]))
    low, high = min(0.0, *values), max(values)
    if high == low:
        high = low + 1
    top, plot_h = 22, 150
    height = top + plot_h + 26

    def x_of(day: str) -> str:
        return _pct(100 * (_day(day) - first).days / span)

    def y_of(value: float) -> float:
        return round(top + plot_h - (value - low) / (high - low) * plot_h, 1)

    name = metric["name"] + (f" ({metric['unit']})" if metric.get("unit") else "")
    body = [_defs(ident)]  # no heading inside: a long name could not wrap; the page has one
    for value in sorted({low, high}):
        y = y_of(value)
        body.append(
            f'<line x1="0" y1="{y}" x2="100%" y2="{y}" stroke="#ddd"/>'
            f'<text x="-6" y="{y + 4}" font-size="11" text-anchor="end" fill="#555">'
            f"{_number(value)}</text>"
        )
    for tick, labelled in _year_ticks(first, last):
        if labelled:
            tx = x_of(tick.isoformat())
            body.append(
                f'<line x1="{tx}" y1="{top}" x2="{tx}" y2="{top + plot_h}" stroke="#eee"/>'
                f'<text x="{tx}" y="{top + plot_h + 18}" font-size="11" text-anchor="middle" '
                f'fill="#555">{tick.year}</text>'
            )
    for key, label, dash in (("target", "target", "6,4"), ("reference", "reference", "2,3")):
        if metric.get(key) is None:
            continue
        y = y_of(float(metric[key]))
        words = f"{label} {_number(float(metric[key]))}"
        if key == "target" and metric.get("target_on"):
            words += f" by {metric['target_on']}"
        if key == "reference" and metric.get("reference_note"):
            words += f" ({metric['reference_note']})"
        body.append(
            f'<line x1="0" y1="{y}" x2="100%" y2="{y}" stroke="#1b7837" stroke-width="1.5" '
            f'stroke-dasharray="{dash}"/>'
            f'<text x="100%" y="{y - 5}" font-size="12" text-anchor="end" fill="#1b5e2b">'
            f"{escape(words)}</text>"
        )
    target, target_on = metric.get("target"), metric.get("target_on")
    if target is not None and target_on and target_on > points[0][0]:
        body.append(
            f'<line x1="{x_of(points[0][0])}" y1="{y_of(points[0][1])}" x2="{x_of(target_on)}" '
            f'y2="{y_of(float(target))}" stroke="#1b7837" stroke-width="1" '
            'stroke-dasharray="2,4"><title>the straight path from baseline to target</title>'
            "</line>"
        )
    for (d1, v1), (d2, v2) in zip(points, points[1:], strict=False):
        body.append(
            f'<line x1="{x_of(d1)}" y1="{y_of(v1)}" x2="{x_of(d2)}" y2="{y_of(v2)}" '
            'stroke="#7b3294" stroke-width="2"/>'
        )
    for i, (d, v) in enumerate(points):
        kind = "created" if i == 0 else "measure"
        what = "baseline" if i == 0 else "reading"
        body.append(
            f"<g><title>{what} {escape(_number(v))} on {d}</title>"
            + _marker(ident, kind, x_of(d), y_of(v))
            + "</g>"
        )
    latest = points[-1]
    description = (
        f"Baseline {_number(points[0][1])} on {points[0][0]}"
        + (
            "; readings: " + ", ".join(f"{_number(v)} on {d}" for d, v in points[1:])
            if len(points) > 1
            else "; no reading yet"
        )
        + (
            f"; target {_number(float(metric['target']))}"
            if metric.get("target") is not None
            else ""
        )
        + (f" by {metric['target_on']}" if metric.get("target_on") else "")
        + f". Latest: {_number(latest[1])} on {latest[0]}."
    )
    return _svg(ident, height, name, description, body, "metric-chart", box="chart-box metric-box")
