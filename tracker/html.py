"""The HTML report: one self-contained file (inline CSS and SVG, no scripts, no external
requests) that reads on a phone, on a desktop and on paper."""

from __future__ import annotations

from html import escape
from typing import Any

from tracker import charts
from tracker.assessment import ALL
from tracker.report import area_title, metric_line
from tracker.vocabulary import SCORES

CSS = """
:root { color-scheme: light; --ink: #1a1a1a; --muted: #555; --rule: #ddd; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  margin: 0 auto; max-width: 62rem; padding: 1rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: .5rem 0; }
h2 { font-size: 1.3rem; border-bottom: 2px solid var(--ink); padding-bottom: .2rem;
  margin-top: 2.2rem; }
h3 { font-size: 1.1rem; margin-top: 1.6rem; }
h4 { font-size: 1rem; margin: 0 0 .3rem; }
.meta, .muted { color: var(--muted); }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .6rem;
  margin: 1rem 0; padding: 0; list-style: none; }
.figures li { border: 1px solid var(--rule); border-radius: 6px; padding: .6rem .8rem; }
.figures strong { display: block; font-size: 1.6rem; line-height: 1.2; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .92rem; }
th, td { border-bottom: 1px solid var(--rule); padding: .3rem .55rem; text-align: left;
  vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
svg.chart { width: 100%; height: auto; min-width: 600px; margin: .8rem 0; }
.commitment { border-top: 1px solid var(--rule); padding: .8rem 0; break-inside: avoid; }
.status { display: inline-block; border: 1px solid currentColor; border-radius: 3px;
  padding: 0 .35rem; font-size: .85rem; font-weight: 600; white-space: nowrap; }
.status.fulfilled { color: #1b7837; } .status.in-progress, .status.partial { color: #2166ac; }
.status.broken, .status.stalled { color: #b2182b; }
.status.not-started, .status.unclear { color: #555; }
.overdue { color: #b2182b; font-weight: 600; }
details { margin-top: .4rem; } summary { cursor: pointer; color: var(--muted); }
ol.events { padding-left: 1.2rem; margin: .4rem 0; font-size: .92rem; }
a { color: #1a5490; overflow-wrap: anywhere; }
footer { margin-top: 2.5rem; border-top: 2px solid var(--ink); font-size: .9rem; }
@media (max-width: 40rem) { body { font-size: 15px; padding: .6rem; } h1 { font-size: 1.3rem; } }
@media print {
  body { max-width: none; font-size: 11pt; }
  a { color: inherit; text-decoration: none; }
  details > *:not(summary) { display: block; }
  h2 { break-after: avoid; } svg.chart { break-inside: avoid; }
}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value))


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}%"


def _status(status: str) -> str:
    return f'<span class="status {_e(status)}">{_e(status)}</span>'


def _source(event: dict[str, Any]) -> str:
    if event.get("source_url"):
        title = event.get("source_title") or event["source_url"]
        return f' <a href="{_e(event["source_url"])}">{_e(title)}</a>'
    if event.get("source_title"):
        return f" ({_e(event['source_title'])})"
    return ""


def render_html(data: dict[str, Any]) -> str:
    """Return the report as one self-contained HTML document."""
    meetings = data["meetings"]
    if len(meetings) == 1:
        title = f"Follow-up report: {meetings[0]['title']}, {meetings[0]['date']}"
        intro = ". ".join(x for x in (meetings[0]["place"], meetings[0]["context"]) if x)
    else:
        title = f"Follow-up report: {len(meetings)} meetings"
        intro = "; ".join(f"{m['title']}, {m['date']}" for m in meetings)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{CSS}</style></head><body>",
        f'<header><h1>{_e(title)}</h1><p class="meta">{_e(intro)}</p></header>',
        "<main>",
        _headline(data),
        _compliance(data),
        _status_by_area(data),
        _deadlines(data),
        _stale(data),
    ]
    if data["changes"] is not None:
        parts.append(_changes(data["changes"]))
    parts += [_timeline(data), _commitments(data), "</main>", _footer(data), "</body></html>"]
    return "\n".join(parts) + "\n"


def _headline(data) -> str:
    h = data["headline"]
    window = data["window"]
    period = f"from {window['since']} to {data['as_of']}" if window["since"] else data["as_of"]
    figures = [
        (h["commitments"], "commitments tracked"),
        (_pct(h["compliance_percent"]), f"overall compliance ({h['scored']} party assessments)"),
        (h["by_status"]["fulfilled"], "fulfilled"),
        (h["overdue"], "overdue"),
        (h["due_soon"], f"due within {data['methodology']['due_soon_days']} days"),
        (h["stale"], f"with no news in {data['stale']['duration']}"),
    ]
    items = "".join(f"<li><strong>{_e(v)}</strong>{_e(label)}</li>" for v, label in figures)
    return (
        f'<section id="headline"><h2>Headline</h2><p>As of <strong>{_e(data["as_of"])}</strong>'
        f' (window: {_e(period)}).</p><ul class="figures">{items}</ul></section>'
    )


def _compliance(data) -> str:
    comp = data["compliance"]
    matrix = comp["matrix"]
    head = "".join(f'<th class="num">{_e(a)}</th>' for a in comp["areas"])
    rows = []
    for party in [*comp["parties"], ALL]:
        cells = []
        for area in [*comp["areas"], ALL]:
            cell = matrix[party][area]
            cells.append(
                '<td class="num">–</td>'
                if cell["scored"] == 0
                else f'<td class="num">{cell["score"]:+.2f}<br>{_pct(cell["percent"])}'
                f'<br><span class="muted">n={cell["scored"]}</span></td>'
            )
        label = "All parties" if party == ALL else party
        rows.append(f"<tr><th>{_e(label)}</th>{''.join(cells)}</tr>")
    return (
        '<section id="compliance"><h2>Compliance by party and area</h2>'
        + charts.compliance_by_party(matrix, comp["parties"])
        + "<p>Average score per party and area (+1 fulfilled, 0 partial or in progress, "
        "−1 not started, stalled or broken), the compliance percentage "
        "(score + 1) / 2 × 100, and n, the number of commitments scored.</p>"
        f'<div class="scroll"><table><thead><tr><th>Party</th>{head}'
        f'<th class="num">All areas</th></tr></thead><tbody>{"".join(rows)}</tbody>'
        "</table></div></section>"
    )


def _status_by_area(data) -> str:
    statuses = [s for s, n in data["headline"]["by_status"].items() if n]
    head = "".join(f'<th class="num">{_e(s)}</th>' for s in statuses)
    rows = []
    for area, counts in data["by_area"].items():
        cells = "".join(f'<td class="num">{counts[s] or ""}</td>' for s in statuses)
        rows.append(
            f'<tr><th>{_e(area)}</th>{cells}<td class="num">{sum(counts.values())}</td></tr>'
        )
    return (
        '<section id="status-by-area"><h2>Status by area</h2>'
        + charts.status_by_area(data["by_area"], statuses)
        + f'<div class="scroll"><table><thead><tr><th>Area</th>{head}<th class="num">Total</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def _brief_list(rows, *, overdue: bool) -> str:
    items = []
    for r in rows:
        due = (
            f'<span class="overdue">overdue since {_e(r["due"])}</span>'
            if overdue
            else (f"due {_e(r['due'])}")
        )
        items.append(
            f'<li><a href="#{_e(r["id"])}">{_e(r["id"])}</a> {_e(r["title"])}: {due}, '
            f"{_status(r['status'])}</li>"
        )
    return "<ul>" + "".join(items) + "</ul>"


def _deadlines(data) -> str:
    days = data["methodology"]["due_soon_days"]
    body = []
    if data["overdue"]:
        body.append("<h3>Overdue</h3>" + _brief_list(data["overdue"], overdue=True))
    if data["due_soon"]:
        body.append(
            f"<h3>Due within {days} days</h3>" + _brief_list(data["due_soon"], overdue=False)
        )
    if not body:
        body.append(f"<p>Nothing is overdue, and nothing falls due in the next {days} days.</p>")
    return '<section id="deadlines"><h2>Overdue and due soon</h2>' + "".join(body) + "</section>"


def _stale(data) -> str:
    stale = data["stale"]
    if not stale["commitments"]:
        body = f"<p>Every commitment has an event since {_e(stale['cutoff'])}.</p>"
    else:
        items = "".join(
            f'<li><a href="#{_e(r["id"])}">{_e(r["id"])}</a> {_e(r["title"])}: '
            f"{_status(r['status'])}, last event {_e(r['last_update'])}"
            + ("" if r["evidence"] else ' <span class="muted">(no evidence yet)</span>')
            + "</li>"
            for r in stale["commitments"]
        )
        body = (
            f"<p>{len(stale['commitments'])} commitments have no event since "
            f"{_e(stale['cutoff'])}.</p><ul>{items}</ul>"
        )
    return f'<section id="stale"><h2>No news in {_e(stale["duration"])}</h2>{body}</section>'


def _changes(changes) -> str:
    items = []
    for t in changes["transitions"]:
        party = f" ({_e(t['party'])})" if t["party"] else ""
        reason = f": {_e(t['text'])}" if t["text"] else ""
        items.append(
            f"<li>{_e(t['happened_on'])} <strong>{_e(t['commitment'])}</strong>{party} "
            f"{_e(t['from'])} → {_status(t['to'])}{reason}{_source(t)}</li>"
        )
    notes = [
        f"<li>{_e(e['happened_on'])} <strong>{_e(e['commitment'])}</strong>: {_e(e['text'])}"
        f"{_source(e)}</li>"
        for e in changes["evidence"]
    ]
    became = [
        f"<li><strong>{_e(r['id'])}</strong> {_e(r['title'])}: due {_e(r['due'])}</li>"
        for r in changes["became_overdue"]
    ]
    return (
        f'<section id="changes"><h2>What changed since {_e(changes["since"])}</h2>'
        "<h3>Status changes</h3>"
        + (f"<ul>{''.join(items)}</ul>" if items else "<p>No status changed.</p>")
        + "<h3>New evidence</h3>"
        + (f"<ul>{''.join(notes)}</ul>" if notes else "<p>No new notes.</p>")
        + "<h3>Became overdue</h3>"
        + (f"<ul>{''.join(became)}</ul>" if became else "<p>None.</p>")
        + "</section>"
    )


def _timeline(data) -> str:
    commitments = [c for area in data["areas"] for c in area["commitments"]]
    start = min((m["date"] for m in data["meetings"]), default=data["as_of"])
    return (
        '<section id="timeline"><h2>Timeline</h2>'
        + charts.timeline(commitments, start=start, end=data["as_of"])
        + "</section>"
    )


def _commitments(data) -> str:
    out = ['<section id="commitments"><h2>Commitments by area</h2>']
    for area in data["areas"]:
        out.append(f"<h3>{_e(area_title(area['area']))}</h3>")
        for c in area["commitments"]:
            due = "none"
            if c["due"]:
                due = _e(c["due"]) + (
                    ' <span class="overdue">OVERDUE</span>' if c["overdue"] else ""
                )
            by_party = ""
            if any(s != c["status"] for s in c["party_statuses"].values()):
                by_party = " · by party: " + ", ".join(
                    f"{_e(p)} {_status(s)}" for p, s in c["party_statuses"].items()
                )
            out.append(
                f'<article class="commitment" id="{_e(c["id"])}">'
                f"<h4>{_e(c['id'])}: {_e(c['title'])}</h4>"
                f"<p>{_status(c['status'])}{by_party} · {_e(', '.join(c['parties']))} "
                f"({_e(c['kind'])}) · due {due}</p>"
            )
            if c["summary"]:
                out.append(f"<p>{_e(c['summary'])}</p>")
            if c["quote"]:
                by = f" ({_e(c['quote_by'])})" if c["quote_by"] else ""
                out.append(f'<p class="muted">“{_e(c["quote"])}”{by}</p>')
            if c["metric"]:
                out.append(f"<p><strong>Metric:</strong> {_e(metric_line(c['metric']))}</p>")
            latest = c["latest_evidence"]
            if latest:
                text = latest["text"] or f"status set to {latest['status']}"
                out.append(
                    f"<p><strong>Latest evidence, {_e(latest['happened_on'])}:</strong> "
                    f"{_e(text)}{_source(latest)}</p>"
                )
            else:
                out.append('<p class="muted">No evidence recorded yet.</p>')
            events = c.get("events") or []
            if events:
                items = "".join(
                    f"<li>{_e(e['happened_on'])} {_e(e['kind'])}"
                    + (f" → {_e(e['status'])}" if e["kind"] == "status" else "")
                    + (f" [{_e(e['party'])}]" if e["party"] else "")
                    + (f": {_e(e['text'])}" if e["text"] else "")
                    + _source(e)
                    + "</li>"
                    for e in events
                )
                out.append(
                    f"<details><summary>Timeline ({len(events)} "
                    f"{'event' if len(events) == 1 else 'events'})</summary>"
                    f'<ol class="events">{items}</ol></details>'
                )
            out.append("</article>")
    out.append("</section>")
    return "".join(out)


def _footer(data) -> str:
    m = data["methodology"]
    statuses = "".join(
        f"<li><code>{_e(s)}</code> "
        f"({'not scored' if SCORES[s] is None else f'{SCORES[s]:+d}'}): {_e(text)}</li>"
        for s, text in m["statuses"].items()
    )
    sources = "".join(
        "<li>"
        + _e(", ".join(x for x in (s.get("publisher"), s.get("title"), s.get("author")) if x))
        + (f' <a href="{_e(s["url"])}">{_e(s["url"])}</a>' if s.get("url") else "")
        + "</li>"
        for meeting in data["meetings"]
        for s in meeting["sources"]
    )
    stamp = f"Generated {_e(data['generated_at'])} " if data["generated_at"] else "Generated "
    return (
        '<footer id="methodology"><h2>Methodology</h2>'
        f"<ul>{statuses}</ul>"
        f"<p>Commitments of kind {_e(', '.join(m['unscored_kinds']))} are not scored. "
        f"Percentages are {_e(m['percent'])}. Overdue: {_e(m['overdue'])}. Due soon: within "
        f"{m['due_soon_days']} days. Stale: {_e(m['stale'])}. As of: {_e(m['as_of'])}.</p>"
        + (f"<p>Meeting sources:</p><ul>{sources}</ul>" if sources else "")
        + f'<p class="muted">{stamp}by {_e(data["generator"])} from '
        f"<code>{_e(data['database'])}</code>.</p></footer>"
    )
