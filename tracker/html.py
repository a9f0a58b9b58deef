"""The HTML report: one self-contained file (inline CSS and SVG, no scripts, no external
requests) that reads on a phone, on a desktop and on paper. Every value from the data is
escaped; only http(s) addresses become links."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tracker import charts, escape
from tracker.report import (
    area_title,
    figure,
    metric_line,
    rating_words,
    title_of,
)
from tracker.scores import ALL
from tracker.vocabulary import RATINGS, TYPES, label

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


_e = escape.html


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}%"


def _status(status: str) -> str:
    return f'<span class="status {_e(status)}">{_e(status)}</span>'


def _sources(sources: list[dict]) -> str:
    if not sources:
        return ""
    links = []
    for s in sources:
        text = s.get("title") or s.get("publisher") or s.get("url") or "source"
        bits = escape.html_link(s.get("url"), text)
        extra = ", ".join(x for x in (s.get("publisher") if s.get("title") else None,
                                      s.get("class")) if x)  # fmt: skip
        if extra:
            bits += f' <span class="muted">({_e(extra)})</span>'
        links.append(bits)
    return ' <span class="sources">(' + "; ".join(links) + ")</span>"


def render_html(data: dict[str, Any]) -> str:
    """Return the report as one self-contained HTML document."""
    title = title_of(data)
    meetings = data["meetings"]
    if len(meetings) == 1:
        intro = ". ".join(x for x in (meetings[0]["place"], meetings[0]["context"]) if x)
    else:
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
        _distribution(data),
        _compliance(data),
        _status_by_area(data),
        _grid(data),
        _agreement(data),
        _deadlines(data),
        _stale(data),
    ]
    if data["changes"] is not None:
        parts.append(_changes(data["changes"]))
    parts += [_timeline(data), _commitments(data), "</main>", _footer(data), "</body></html>"]
    return "\n".join(p for p in parts if p) + "\n"


def _headline(data) -> str:
    h = data["headline"]
    window = data["window"]
    when = f"from {window['since']} to {data['as_of']}" if window["since"] else data["as_of"]
    period = data["period"]
    scope = ""
    if period:
        scope = (
            f" The <strong>{_e(period['name'])}</strong> period runs {_e(period['starts'])} to "
            f"{_e(period['ends'] or 'open')}: ratings made for it, on the evidence up to "
            f"{_e(data['as_of'])}."
        )
    figures = [
        (h["commitments"], "commitments tracked"),
        (_pct(h["compliance_percent"]),
         f"deliverables compliance ({h['rated']} of {h['eligible']} party-items rated)"),
        (_pct(h["assurances"]["compliance_percent"]),
         f"assurances kept ({h['assurances']['rated']} of {h['assurances']['eligible']} rated)"),
        (h["disputed"], "disputed between coders"),
        (h["overdue"], "overdue"),
        (h["stale"], f"open with no news in {data['stale']['duration']}"),
    ]  # fmt: skip
    items = "".join(f"<li><strong>{_e(v)}</strong>{_e(text)}</li>" for v, text in figures)
    by_party = "".join(f"<li>{_e(p)}: {_e(figure(avg))}</li>" for p, avg in h["parties"].items())
    return (
        f'<section id="headline"><h2>Headline</h2><p>As of <strong>{_e(when)}</strong>.{scope}</p>'
        f'<ul class="figures">{items}</ul><p>Deliverables by party:</p><ul>{by_party}</ul>'
        "</section>"
    )


def _distribution(data) -> str:
    dist = data["distribution"]
    used = [r for r in [*RATINGS, "disputed"] if any(r in d for d in dist.values())]
    head = "".join(f'<th class="num">{_e(label(r))}</th>' for r in used)
    rows = "".join(
        f"<tr><th>{_e('All parties' if p == ALL else p)}</th>"
        + "".join(f'<td class="num">{_e(counts.get(r, ""))}</td>' for r in used)
        + "</tr>"
        for p, counts in dist.items()
    )
    return (
        '<section id="distribution"><h2>Ratings by party</h2>'
        "<p>How many party-items each rating covers. Principles and positions are tracked, "
        "not rated.</p>"
        f'<div class="scroll"><table><thead><tr><th>Party</th>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div></section>"
    )


def _compliance(data) -> str:
    comp = data["compliance"]
    groups = comp["groups"]
    chart = charts.compliance_by_party(groups["deliverables"]["by_party"], comp["parties"])
    tables = []
    for name in ("deliverables", "assurances"):
        g = groups[name]
        if g["by_party"][ALL]["eligible"] == 0:
            continue
        head = "".join(f'<th class="num">{_e(a)}</th>' for a in comp["areas"])
        rows = []
        for party in [*comp["parties"], ALL]:
            by_area = g["by_area"] if party == ALL else g["by_party_area"][party]
            cells = []
            for a in [*comp["areas"], ALL]:
                cell = g["by_party"][party] if a == ALL else by_area[a]
                cells.append(
                    '<td class="num">–</td>'
                    if cell["eligible"] == 0
                    else f'<td class="num">{_pct(cell["compliance_percent"])}<br>'
                    f'<span class="muted">{cell["rated"]} of {cell["eligible"]} rated</span></td>'
                )
            rows.append(
                f"<tr><th>{_e('All parties' if party == ALL else party)}</th>{''.join(cells)}</tr>"
            )
        tables.append(
            f"<h3>{_e(name.capitalize())} ({_e(', '.join(g['types']))})</h3>"
            f'<div class="scroll"><table><thead><tr><th>Party</th>{head}'
            f'<th class="num">All areas</th></tr></thead><tbody>{"".join(rows)}</tbody>'
            "</table></div>"
        )
    return (
        '<section id="compliance"><h2>Compliance, with coverage</h2>'
        + chart
        + "<p>Average score (+1 kept, 0 partial or in the works, −1 not kept) as a percentage, "
        "(score + 1) / 2 × 100, with how many party-items it covers. Not yet rated, unclear "
        "and disputed items are left out; deliverables and assurances are never pooled.</p>"
        + "".join(tables)
        + "</section>"
    )


def _status_by_area(data) -> str:
    by_area: dict[str, Counter] = {}
    for row in data["grid"]:
        by_area.setdefault(row["area"], Counter())[row["status"]] += 1
    statuses = [s for s in charts.STATUS_COLOURS if any(c[s] for c in by_area.values())]
    head = "".join(f'<th class="num">{_e(s)}</th>' for s in statuses)
    rows = []
    for area, counts in by_area.items():
        cells = "".join(f'<td class="num">{counts[s] or ""}</td>' for s in statuses)
        rows.append(
            f'<tr><th>{_e(area)}</th>{cells}<td class="num">{sum(counts.values())}</td></tr>'
        )
    return (
        '<section id="status-by-area"><h2>Status by area</h2>'
        + charts.status_by_area({a: dict(c) for a, c in by_area.items()}, statuses)
        + f'<div class="scroll"><table><thead><tr><th>Area</th>{head}<th class="num">Total</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def _cell(cell: dict[str, Any]) -> str:
    if cell["rating"] == "tracked":
        return '<td class="muted">tracked</td>'
    score = "" if cell["score"] is None else (f" ({cell['score']:+d})" if cell["score"] else " (0)")
    who = ""
    if cell["coder"]:
        review = {"approved": "reviewed", "rejected": "sent back"}.get(
            cell["review"] or "", "not reviewed"
        )
        who = f'<br><span class="muted">{_e(cell["coder"])}, {review}</span>'
    recal = '<br><span class="muted">recalibrated</span>' if cell["recalibrated"] else ""
    return f"<td>{_status(cell['rating'])}{score}{who}{recal}</td>"


def _grid(data) -> str:
    parties = data["compliance"]["parties"]
    rows = [r for r in data["grid"] if TYPES[r["type"]].scored]
    if not rows:
        return ""
    head = "".join(f"<th>{_e(p)}</th>" for p in parties)
    body = "".join(
        f'<tr><th><a href="#{_e(r["id"])}">{_e(r["id"])}</a> {_e(r["title"])}</th>'
        f"<td>{_e(r['type'])}</td>"
        + "".join(_cell(r["cells"][p]) if p in r["cells"] else "<td></td>" for p in parties)
        + "</tr>"
        for r in rows
    )
    return (
        '<section id="grid"><h2>Commitments by party</h2><p>The rating that counts, its score, '
        "who rated it and whether a reviewer signed it off.</p>"
        f'<div class="scroll"><table><thead><tr><th>Commitment</th><th>Type</th>{head}</tr>'
        f"</thead><tbody>{body}</tbody></table></div></section>"
    )


def _agreement(data) -> str:
    a = data["agreement"]
    if not a:
        return ""
    kappa = "undefined" if a["kappa"] is None else f"{a['kappa']:.2f}"
    weighted = "undefined" if a["weighted_kappa"] is None else f"{a['weighted_kappa']:.2f}"
    items = "".join(
        f"<li><strong>{_e(d['commitment'])}</strong> ({_e(d['party'])}): "
        + _e(", ".join(f"{c} {r}" for c, r in d["ratings"].items()))
        + "</li>"
        for d in a["disagreements"]
    )
    return (
        '<section id="agreement"><h2>Agreement between coders</h2>'
        f"<p>{a['items']} party-items double-coded by {_e(', '.join(a['coders']))}: "
        f"{a['agreed']} agree ({a['percent_agreement']:.0f}%); Cohen's kappa {kappa}, "
        f"weighted kappa {weighted}.</p>"
        + (f"<p>{_e(a['note'])}.</p>" if a["note"] else "")
        + (f"<ul>{items}</ul>" if items else "")
        + "</section>"
    )


def _brief_list(rows, *, overdue: bool) -> str:
    items = []
    for r in rows:
        due = (
            f'<span class="overdue">overdue since {_e(r["due"])}</span>'
            if overdue
            else f"due {_e(r['due'])}"
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
        body.append(
            f"<p>Nothing open is overdue, and nothing falls due in the next {days} days.</p>"
        )
    return '<section id="deadlines"><h2>Overdue and due soon</h2>' + "".join(body) + "</section>"


def _stale(data) -> str:
    stale = data["stale"]
    if not stale["commitments"]:
        body = f"<p>Every open commitment has an event since {_e(stale['cutoff'])}.</p>"
    else:
        items = "".join(
            f'<li><a href="#{_e(r["id"])}">{_e(r["id"])}</a> {_e(r["title"])}: '
            f"{_status(r['status'])}, last event {_e(r['last_update'])}"
            + ("" if r["evidence"] else ' <span class="muted">(no evidence yet)</span>')
            + "</li>"
            for r in stale["commitments"]
        )
        body = (
            f"<p>{len(stale['commitments'])} open commitments have no event since "
            f"{_e(stale['cutoff'])}.</p><ul>{items}</ul>"
        )
    return f'<section id="stale"><h2>No news in {_e(stale["duration"])}</h2>{body}</section>'


def _changes(changes) -> str:
    items = [
        f"<li><strong>{_e(t['id'])}</strong> ({_e(t['party'])}) {_e(t['from'])} → "
        f"{_status(t['to'])}</li>"
        for t in changes["transitions"]
    ]
    notes = [
        f"<li>{_e(e['happened_on'])} <strong>{_e(e['commitment'])}</strong>"
        + (f" ({_e(e['party'])})" if e["party"] else "")
        + f": {_e(e['text'])}{_sources(e['sources'])}</li>"
        for e in changes["evidence"]
    ]
    became = [
        f"<li><strong>{_e(r['id'])}</strong> {_e(r['title'])}: due {_e(r['due'])}</li>"
        for r in changes["became_overdue"]
    ]
    return (
        f'<section id="changes"><h2>What changed since {_e(changes["since"])}</h2>'
        "<h3>Rating changes</h3>"
        + (f"<ul>{''.join(items)}</ul>" if items else "<p>No rating changed.</p>")
        + "<h3>New evidence</h3>"
        + (f"<ul>{''.join(notes)}</ul>" if notes else "<p>No new evidence.</p>")
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


def _event_item(e: dict[str, Any]) -> str:
    party = f" [{_e(e['party'])}]" if e["party"] else ""
    stance = (
        "" if e["stance"] == "supports" else f' <strong class="stance">{_e(e["stance"])}</strong>'
    )
    if e["kind"] in ("status", "assessment"):
        what = f"rated {_status(e['status'])}" + (f": {_e(e['text'])}" if e["text"] else "")
    else:
        what = _e(e["text"])
    return (
        f"<li>{_e(e['happened_on'])}{party}{stance} {what}{_sources(e['sources'])}"
        f' <span class="muted">({_e(e["event"][:8])})</span></li>'
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
            status = _status(c["status"])
            if c["status_detail"]:
                status += f" {_e(c['status_detail'])}"
            kind = c["type"] + (f", {c['formality']}" if c["formality"] else "")
            out.append(
                f'<article class="commitment" id="{_e(c["id"])}">'
                f"<h4>{_e(c['id'])}: {_e(c['title'])}</h4>"
                f"<p>{status} · {_e(', '.join(c['parties']))} ({_e(kind)}) · due {due}</p>"
            )
            if c["summary"]:
                out.append(f"<p>{_e(c['summary'])}</p>")
            if c["quote"]:
                by = f" ({_e(c['quote_by'])})" if c["quote_by"] else ""
                out.append(f'<p class="muted">“{_e(c["quote"])}”{by}{_sources(c["sources"])}</p>')
            if c["guideline"]:
                out.append(f"<p><strong>Guideline:</strong> {_e(c['guideline'])}</p>")
            if c["metric"]:
                out.append(f"<p><strong>Metric:</strong> {_e(metric_line(c['metric']))}</p>")
            ratings = [
                f"<li>{_e(rating_words(p, r)).replace('**', '')}"
                + (f": {_e(r['rationale'])}" if r["rationale"] else "")
                + "</li>"
                for p, r in c["ratings"].items()
                if r["rating"] != "tracked"
            ]
            if ratings:
                out.append(f'<ul class="ratings">{"".join(ratings)}</ul>')
            if c["evidence"]:
                items = "".join(_event_item(e) for e in c["evidence"])
                out.append(
                    f"<details open><summary>Evidence ({len(c['evidence'])})</summary>"
                    f'<ol class="events">{items}</ol></details>'
                )
            else:
                out.append('<p class="muted">No evidence recorded yet.</p>')
            out.append("</article>")
    out.append("</section>")
    return "".join(out)


def _score_text(score: int | None) -> str:
    return "left out" if score is None else f"{score:+d}"


def _footer(data) -> str:
    m = data["methodology"]
    types = "".join(
        f"<li><code>{_e(name)}</code>: {_e(t['meaning'])} "
        + (_e("Ratings: " + ", ".join(t["ratings"]) + ".") if t["ratings"] else "Never rated.")
        + "</li>"
        for name, t in m["types"].items()
    )
    ratings = "".join(
        f"<li><code>{_e(name)}</code> ({_score_text(r['score'])}"
        f"{', ' + _e(r['label']) if r['label'] else ''}): {_e(r['meaning'])}</li>"
        for name, r in m["ratings"].items()
    )
    sources = "".join(
        "<li>"
        + _e(", ".join(x for x in (s.get("publisher"), s.get("title")) if x))
        + (" " + escape.html_link(s.get("url"), s.get("url")) if s.get("url") else "")
        + "</li>"
        for meeting in data["meetings"]
        for s in meeting["sources"]
    )
    stamp = f"Generated {_e(data['generated_at'])} " if data["generated_at"] else "Generated "
    return (
        '<footer id="methodology"><h2>Methodology</h2>'
        f"<h3>Types</h3><ul>{types}</ul><h3>Ratings</h3><ul>{ratings}</ul>"
        f"<p>{_e(m['not_yet_rated'])}</p><p>{_e(m['coverage'])} {_e(m['groups'])} "
        f"Percentages are {_e(m['percent'])}.</p><p>{_e(m['periods'])}</p>"
        f"<p><strong>Succession.</strong> {_e(m['succession'])}</p>"
        f"<p><strong>Disputes.</strong> {_e(m['disputes'])}</p>"
        f"<p>Overdue: {_e(m['overdue'])}. Due soon: within {m['due_soon_days']} days. "
        f"No news: {_e(m['stale'])}. As of: {_e(m['as_of'])}.</p>"
        + (f"<p>Meeting sources:</p><ul>{sources}</ul>" if sources else "")
        + f'<p class="muted">{stamp}by {_e(data["generator"])} from '
        f"<code>{_e(data['database'])}</code>.</p></footer>"
    )
