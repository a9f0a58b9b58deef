"""The follow-up report. `build_report` gathers its content as plain data (the JSON format);
`render_markdown` and `tracker.html.render_html` lay the same data out for readers."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import Any

from tracker import __version__
from tracker.assessment import ALL, compliance_matrix, party_scores
from tracker.dates import Duration
from tracker.errors import InvalidDate
from tracker.model import Event, Metric
from tracker.store import DUE_SOON, Store
from tracker.vocabulary import KINDS, SCORES, STATUSES, UNSCORED_KINDS, number

REPORT_FORMAT = "track-report/1"
DEFAULT_STALE = Duration(90, "days")
PARTY_ORDER = ("US", "CN")


def build_report(
    store: Store,
    *,
    as_of: dt.date,
    since: dt.date | None = None,
    stale: Duration = DEFAULT_STALE,
    generated_at: str | None = None,
    timelines: bool = True,
    stream: bool = False,
) -> dict[str, Any]:
    """Return the report's content as JSON-ready data, as things stood on `as_of`.

    Only events dated on or before `as_of` count, so the same database and date always give
    the same content. With `timelines`, each commitment carries its whole event list. With
    `stream`, "areas" is an iterator that reads one area at a time (for large databases)."""
    store.check_as_of(as_of)
    if since is not None and since > as_of:
        raise InvalidDate(
            f"--since {since.isoformat()} is after the report date {as_of.isoformat()}."
        )
    rows = store.status_rows(as_of=as_of)
    parties = [p for p in PARTY_ORDER if any(p in r.parties for r in rows)]
    parties += sorted({p for r in rows for p in r.parties} - set(parties))
    areas = sorted({r.area for r in rows})
    matrix = compliance_matrix(rows, parties=parties, areas=areas)
    stale_cutoff = stale.before(as_of).isoformat()
    counts = Counter(r.status for r in rows)
    by_area: dict[str, Counter] = {area: Counter() for area in areas}
    for r in rows:
        by_area[r.area][r.status] += 1

    def brief(row) -> dict[str, Any]:
        return {
            "id": row.id,
            "title": row.title,
            "status": row.status,
            "due": row.due,
            "last_update": row.last_update,
            "evidence": row.evidence,
        }

    quiet = [brief(r) for r in rows if r.last_update < stale_cutoff]
    sections = _area_sections(store, rows, areas, as_of=as_of, timelines=timelines)
    return {
        "format": REPORT_FORMAT,
        "as_of": as_of.isoformat(),
        "window": {"since": since.isoformat() if since else None, "until": as_of.isoformat()},
        "generated_at": generated_at,
        "generator": f"track {__version__}",
        "database": str(store.path),
        "meetings": [dataclasses.asdict(m) for m in store.meetings()],
        "headline": {
            "commitments": len(rows),
            "by_status": {s: counts[s] for s in STATUSES},
            "scored": matrix[ALL][ALL].scored,
            "score": matrix[ALL][ALL].score,
            "compliance_percent": matrix[ALL][ALL].percent,
            "overdue": sum(r.overdue for r in rows),
            "due_soon": sum(r.due_soon for r in rows),
            "stale": len(quiet),
        },
        "by_area": {a: {s: by_area[a][s] for s in STATUSES} for a in areas},
        "compliance": {
            "parties": parties,
            "areas": areas,
            "matrix": {
                p: {a: dataclasses.asdict(avg) for a, avg in by_area_avg.items()}
                for p, by_area_avg in matrix.items()
            },
        },
        "overdue": [brief(r) for r in rows if r.overdue],
        "due_soon": [brief(r) for r in rows if r.due_soon],
        "stale": {"duration": str(stale), "cutoff": stale_cutoff, "commitments": quiet},
        "changes": _changes(store, rows, since=since, as_of=as_of) if since else None,
        "areas": sections if stream else list(sections),
        "methodology": {
            "statuses": STATUSES,
            "scores": SCORES,
            "unscored_kinds": list(UNSCORED_KINDS),
            "kinds": KINDS,
            "percent": "(average score + 1) / 2 x 100",
            "overdue": "due date before the report date and status not fulfilled",
            "due_soon_days": (DUE_SOON.after(as_of) - as_of).days,
            "stale": f"no event of any kind in {stale}",
            "as_of": "only events dated on or before the report date count",
        },
    }


def _area_sections(
    store: Store, rows: list, areas: list[str], *, as_of: dt.date, timelines: bool
) -> Iterator[dict[str, Any]]:
    """Yield {"area", "commitments"} one area at a time, reading only that area's details."""
    rows_by_area: dict[str, list] = {area: [] for area in areas}
    for row in rows:
        rows_by_area[row.area].append(row)
    for area in areas:
        commitments = store.commitments(area=area)
        metrics = store.metrics(as_of=as_of, area=area)
        latest = store.latest_evidence(as_of=as_of, area=area)
        events_by_id: dict[str, list[Event]] = {}
        if timelines:
            for event in store.events(until=as_of, newest_first=False, area=area):
                events_by_id.setdefault(event.commitment, []).append(event)
        entries = []
        for row in rows_by_area[area]:
            c = commitments[row.id]
            entry = {
                "id": row.id,
                "title": row.title,
                "summary": c.summary,
                "meeting": row.meeting,
                "parties": row.parties,
                "kind": row.kind,
                "status": row.status,
                "party_statuses": row.party_statuses,
                "scores": party_scores(row),
                "quote": c.quote,
                "quote_by": c.quote_by,
                "deadline": c.deadline,
                "due": row.due,
                "overdue": row.overdue,
                "due_soon": row.due_soon,
                "last_update": row.last_update,
                "evidence": row.evidence,
                "metric": metric_data(metrics.get(row.id)),
                "latest_evidence": _event(latest.get(row.id)),
            }
            if timelines:
                entry["events"] = [_event(e) for e in events_by_id.get(row.id, [])]
            entries.append(entry)
        yield {"area": area, "commitments": entries}


_EVENT_FIELDS = [f.name for f in dataclasses.fields(Event) if f.name != "id"]


def _event(event: Event | None) -> dict[str, Any] | None:
    if event is None:
        return None
    return {name: getattr(event, name) for name in _EVENT_FIELDS}


def metric_data(metric: Metric | None) -> dict[str, Any] | None:
    if metric is None:
        return None
    return {
        **dataclasses.asdict(metric),
        "current": metric.current,
        "change": metric.change,
        "change_percent": None
        if metric.change_percent is None
        else round(metric.change_percent, 1),
        "progress_percent": (
            None if metric.progress_percent is None else round(metric.progress_percent, 1)
        ),
    }


def transitions(store: Store, *, since: dt.date, as_of: dt.date) -> list[dict[str, Any]]:
    """Return every status change dated from `since` to `as_of`, oldest first, with the status
    before it (for a party: that party's own, else the commitment's)."""
    overall: dict[str, str] = {}
    own: dict[tuple[str, str], str] = {}
    found = []
    for event in store.events(until=as_of, newest_first=False, with_status=True):
        if event.party is None:
            before = overall.get(event.commitment, "")
            overall[event.commitment] = event.status
        else:
            key = (event.commitment, event.party)
            before = own.get(key, overall.get(event.commitment, ""))
            own[key] = event.status
        if event.kind == "status" and event.happened_on >= since.isoformat():
            found.append({**_event(event), "from": before, "to": event.status})
    return found


def _changes(store: Store, rows, *, since: dt.date, as_of: dt.date) -> dict[str, Any]:
    notes = [
        _event(e)
        for e in store.events(since=since, until=as_of, newest_first=False)
        if e.kind in ("note", "measure")
    ]
    since_iso, as_of_iso = since.isoformat(), as_of.isoformat()
    return {
        "since": since_iso,
        "transitions": transitions(store, since=since, as_of=as_of),
        "evidence": notes,
        "became_overdue": [
            {"id": r.id, "title": r.title, "due": r.due, "status": r.status}
            for r in rows
            if r.overdue and since_iso <= r.due < as_of_iso
        ],
    }


# --------------------------------------------------------------------------- Markdown


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _source(event: dict[str, Any]) -> str:
    if event.get("source_url"):
        return f" ([{_cell(event.get('source_title') or 'source')}]({event['source_url']}))"
    if event.get("source_title"):
        return f" ({event['source_title']})"
    return ""


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}%"


def _score(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.2f}"


def area_title(area: str) -> str:
    """Return an area's heading: AI, Climate, Counternarcotics..."""
    return area.upper() if len(area) <= 2 else area.capitalize()


def metric_line(metric: dict[str, Any]) -> str:
    """Return 'name: baseline (date) -> latest (date) -> target', with the change."""
    unit = f" {metric['unit']}" if metric.get("unit") else ""
    parts = [f"{number(metric['baseline'])} on {metric['baseline_on']}"]
    if metric["latest"] is not None:
        change = f"{metric['change']:+g}"
        if metric["change_percent"] is not None:
            change += f", {metric['change_percent']:+.0f}%"
        parts.append(f"{number(metric['latest'])} on {metric['latest_on']} ({change})")
    else:
        parts.append("no reading yet")
    target = "no target set" if metric["target"] is None else f"target {number(metric['target'])}"
    if metric["progress_percent"] is not None:
        target += f" ({metric['progress_percent']:.0f}% of the way)"
    parts.append(target)
    return f"{metric['name']}{unit and ' (' + unit.strip() + ')'}: " + " → ".join(parts)


def render_markdown(data: dict[str, Any]) -> str:
    """Return the report as a Markdown document."""
    return "".join(iter_markdown(data))


def iter_markdown(data: dict[str, Any]) -> Iterator[str]:
    """Yield the Markdown report a section (or an area) at a time, for writing as it comes."""
    out: list[str] = []
    meetings = data["meetings"]
    if len(meetings) == 1:
        m = meetings[0]
        out += [f"# Follow-up report: {m['title']}, {m['date']}", ""]
        intro = ". ".join(x for x in (m["place"], m["context"]) if x)
        if intro:
            out += [intro, ""]
    else:
        out += [f"# Follow-up report: {len(meetings)} meetings", ""]
        out += [f"- {m['title']}, {m['date']} (`{m['slug']}`)" for m in meetings] + [""]
    h = data["headline"]
    window = data["window"]
    period = f"from {window['since']} " if window["since"] else ""
    out.append(
        f"**As of {data['as_of']}** {period}· {h['commitments']} commitments · "
        f"overall compliance **{_pct(h['compliance_percent'])}** "
        f"(average score {_score(h['score'])} over {h['scored']} party assessments) · "
        f"{h['overdue']} overdue · {h['due_soon']} due within "
        f"{data['methodology']['due_soon_days']} days"
    )
    out.append("")
    out += _md_summary(data)
    out += _md_compliance(data)
    out += _md_deadlines(data)
    out += _md_stale(data)
    if data["changes"] is not None:
        out += _md_changes(data["changes"])
    out += ["## Commitments by area", ""]
    yield "\n".join(out) + "\n"
    for area in data["areas"]:
        yield "\n".join(_md_area(area)) + "\n"
    yield "\n".join(_md_methodology(data)) + "\n"


def _md_summary(data) -> list[str]:
    by_status = data["headline"]["by_status"]
    used = [s for s, n in by_status.items() if n]
    out = ["## Summary", "", "| Status | Commitments |", "|---|---:|"]
    out += [f"| {s} | {by_status[s]} |" for s in used]
    out += [f"| **total** | **{data['headline']['commitments']}** |", "", "### By area", ""]
    out.append("| Area | " + " | ".join(used) + " | total |")
    out.append("|---|" + "---:|" * (len(used) + 1))
    for area, counts in data["by_area"].items():
        cells = [str(counts[s] or "") for s in used]
        out.append(f"| {area} | " + " | ".join(cells) + f" | {sum(counts.values())} |")
    return out + [""]


def _md_compliance(data) -> list[str]:
    comp = data["compliance"]
    matrix = comp["matrix"]
    out = [
        "## Compliance by party and area",
        "",
        "Average score per party (+1 fulfilled, 0 partial or in progress, -1 not started, "
        "stalled or broken) and, below it, the compliance percentage, (score + 1) / 2 × 100. "
        "n = commitments scored.",
        "",
        "| Party | " + " | ".join(comp["areas"]) + " | **all areas** |",
        "|---|" + "---:|" * (len(comp["areas"]) + 1),
    ]
    for party in [*comp["parties"], ALL]:
        cells = []
        for area in [*comp["areas"], ALL]:
            cell = matrix[party][area]
            cells.append(
                ""
                if cell["scored"] == 0
                else f"{_score(cell['score'])}<br>{_pct(cell['percent'])} (n={cell['scored']})"
            )
        label = "**all parties**" if party == ALL else party
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    return out + [""]


def _md_deadlines(data) -> list[str]:
    days = data["methodology"]["due_soon_days"]
    out = ["## Overdue and due soon", ""]
    if not data["overdue"] and not data["due_soon"]:
        return out + [f"Nothing is overdue, and nothing falls due in the next {days} days.", ""]
    out += [
        f"- **{r['id']}** {r['title']}: OVERDUE since {r['due']}, {r['status']}"
        for r in data["overdue"]
    ]
    out += [
        f"- **{r['id']}** {r['title']}: due {r['due']}, {r['status']}" for r in data["due_soon"]
    ]
    return out + [""]


def _md_stale(data) -> list[str]:
    stale = data["stale"]
    out = [f"## No news in {stale['duration']}", ""]
    if not stale["commitments"]:
        return out + [f"Every commitment has an event since {stale['cutoff']}.", ""]
    out += [f"{len(stale['commitments'])} commitments have no event since {stale['cutoff']}:", ""]
    out += [
        f"- **{r['id']}** {r['title']}: {r['status']}, last event {r['last_update']}"
        + ("" if r["evidence"] else " (no evidence recorded yet)")
        for r in stale["commitments"]
    ]
    return out + [""]


def _md_changes(changes) -> list[str]:
    out = [f"## What changed since {changes['since']}", "", "### Status changes", ""]
    for t in changes["transitions"]:
        party = f" ({t['party']})" if t["party"] else ""
        reason = f": {t['text']}" if t["text"] else ""
        out.append(
            f"- {t['happened_on']} **{t['commitment']}**{party} {t['from']} → {t['to']}"
            f"{reason}{_source(t)}"
        )
    if not changes["transitions"]:
        out.append("No status changed.")
    out += ["", "### New evidence", ""]
    for e in changes["evidence"]:
        party = f" ({e['party']})" if e["party"] else ""
        out.append(f"- {e['happened_on']} **{e['commitment']}**{party}: {e['text']}{_source(e)}")
    if not changes["evidence"]:
        out.append("No new notes.")
    out += ["", "### Became overdue", ""]
    out += [f"- **{r['id']}** {r['title']}: due {r['due']}" for r in changes["became_overdue"]]
    if not changes["became_overdue"]:
        out.append("None.")
    return out + [""]


def _md_area(area: dict[str, Any]) -> list[str]:
    out = [f"### {area_title(area['area'])}", ""]
    for c in area["commitments"]:
        due = "none"
        if c["due"]:
            due = c["due"] + (" (OVERDUE)" if c["overdue"] else "")
        out += [f"#### {c['id']}: {c['title']}", ""]
        status = c["status"]
        if any(s != status for s in c["party_statuses"].values()):
            status += " (" + ", ".join(f"{p} {s}" for p, s in c["party_statuses"].items()) + ")"
        out += [
            f"**Status:** {status} · **Parties:** {', '.join(c['parties'])} ({c['kind']}) "
            f"· **Due:** {due}",
            "",
        ]
        if c["summary"]:
            out += [c["summary"], ""]
        if c["metric"]:
            out += [f"**Metric:** {metric_line(c['metric'])}", ""]
        latest = c["latest_evidence"]
        if latest:
            text = latest["text"] or f"status set to {latest['status']}"
            out += [f"Latest evidence, {latest['happened_on']}: {text}{_source(latest)}", ""]
        else:
            out += ["No evidence recorded yet.", ""]
    return out


def _md_methodology(data) -> list[str]:
    m = data["methodology"]
    out = ["## Methodology", ""]
    out += [
        f"- `{s}` ({_score(SCORES[s]) if SCORES[s] is not None else 'not scored'}): {text}"
        for s, text in m["statuses"].items()
    ]
    out += [
        "",
        f"Commitments of kind {', '.join(m['unscored_kinds'])} are not scored. Percentages are "
        f"{m['percent']}. Overdue: {m['overdue']}. Due soon: within {m['due_soon_days']} days. "
        f"Stale: {m['stale']}. As of: {m['as_of']}.",
        "",
        "---",
        "",
    ]
    for meeting in data["meetings"]:
        for s in meeting["sources"]:
            bits = [
                s.get("publisher"),
                f'"{s["title"]}"' if s.get("title") else None,
                s.get("author"),
                s.get("url"),
            ]
            out.append(f"Meeting source: {', '.join(b for b in bits if b)}.")
    out.append("")
    stamp = f"Generated {data['generated_at']} " if data["generated_at"] else "Generated "
    out.append(f"{stamp}by {data['generator']} from `{data['database']}`.")
    return out
