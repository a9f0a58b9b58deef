"""The follow-up report. `build_report` gathers its content as plain data (the JSON format,
`track-report/2`); `iter_markdown` and `tracker.html.render_html` lay the same data out for
readers. Every figure carries its coverage; deliverables and assurances are never pooled."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from tracker import __version__, escape
from tracker.dates import Duration
from tracker.derived import PartyRating, State, is_open, split_detail
from tracker.errors import InvalidDate
from tracker.records import Event, Metric
from tracker.scores import ALL, Item, agreement, distribution, grouped
from tracker.store import DUE_SOON, Store, last_day
from tracker.vocabulary import (
    DISPUTED,
    FORMALITIES,
    NOT_YET_RATED,
    RATINGS,
    SCORE_GROUPS,
    SPLIT,
    STATES,
    TYPES,
    label,
    number,
)

REPORT_FORMAT = "track-report/2"
DEFAULT_STALE = Duration(90, "days")
SUCCESSION_RULE = (
    "States are scored, not leaders: a commitment made by one government binds its "
    "successor, so a later government's acts count for or against it (the G7/G20 Research "
    "Group's rule). Assurances given as a leader's personal word are flagged as such, and a "
    "reader may weigh them apart."
)
DISPUTE_RULE = (
    "When two coders rate the same party-item for the same period differently, the item is "
    "disputed and left out of every average until a reviewer approves one rating or a later "
    "rating, made after seeing both, settles it."
)


def build_report(
    store: Store,
    *,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
    period: str | None = None,
    meeting: str | None = None,
    area: str | None = None,
    tags: Sequence[str] = (),
    since: dt.date | None = None,
    stale: Duration = DEFAULT_STALE,
    generated_at: str | None = None,
    stream: bool = False,
) -> dict[str, Any]:
    """Return the report's content as JSON-ready data.

    Only events dated on or before the report date count, so the same database and options
    always give the same content. With `period`, ratings are those made for that compliance
    period and the report date is the period's last day (or today, if it is still open). With
    `stream`, "areas" is an iterator that reads one area at a time, and each area's
    "commitments" an iterator that reads a chunk of them at a time (for large databases)."""
    today = today or dt.date.today()
    period_record = None
    if meeting is not None:
        meeting = store.meeting(meeting).slug
    if period is not None:
        period_record = store.period(period, meeting=meeting)
        meeting = period_record.meeting  # a period is one meeting's
        if as_of is None:
            as_of = last_day(period_record, today=today)
    as_of = as_of or today
    store.check_as_of(as_of)
    if since is not None and since > as_of:
        raise InvalidDate(
            f"The start {since.isoformat()} is after the report date {as_of.isoformat()}."
        )
    first = store.first_meeting_date()
    if since is not None and first is not None and since < first:
        since = first  # nothing happened before the first meeting
    elif since is not None and since == dt.date.min:
        since += dt.timedelta(days=1)
    if area is not None:
        area = store.check_area(area)
    period_name = period_record.name if period_record else None
    rows = store.status_rows(
        as_of=as_of, area=area, meeting=meeting, period=period_name, detail=True
    )
    if tags:
        tagged = set(store.tagged(tags))
        rows = [r for r in rows if r.uid in tagged]
    meetings = [m for m in store.meetings() if meeting is None or m.slug == meeting]
    parties = _parties(rows, meetings)
    areas = sorted({r.area for r in rows})
    items = [
        Item(r.id, p, r.area, r.type, rating)
        for r in rows
        for p, rating in r.party_statuses.items()
    ]
    stale_cutoff = stale.before(as_of).isoformat()
    quiet = [
        _brief(r)
        for r in rows
        if is_open(r.status, r.party_statuses.values()) and r.last_update < stale_cutoff
    ]
    groups = {
        name: {
            "types": list(types),
            "by_party": _averages(grouped(items, by="party", keys=parties, group=name)),
            "by_area": _averages(grouped(items, by="area", keys=areas, group=name)),
            "by_type": _averages(grouped(items, by="type", keys=list(types), group=name)),
            "by_party_area": {
                p: _averages(
                    grouped([i for i in items if i.party == p], by="area", keys=areas, group=name)
                )
                for p in parties
            },
        }
        for name, types in SCORE_GROUPS.items()
    }
    deliverables = groups["deliverables"]["by_party"][ALL]
    codings = store.codings(meeting=meeting, period=period_name)
    if area is not None:
        in_scope = {r.id for r in rows}
        codings = [c for c in codings if c[0] in in_scope]
    agreed = agreement(codings)
    type_counts = {t: sum(1 for r in rows if r.type == t) for t in TYPES}
    sections = _areas(store, rows, areas, as_of=as_of, period=period_name, tags=tags)
    return {
        "format": REPORT_FORMAT,
        "as_of": as_of.isoformat(),
        "period": dataclasses.asdict(period_record) if period_record else None,
        "filters": {"meeting": meeting, "area": area, "tags": list(tags)},
        "window": {"since": since.isoformat() if since else None, "until": as_of.isoformat()},
        "generated_at": generated_at,
        "generator": f"track {__version__}",
        "database": str(store.path),
        "meetings": [m.as_record() for m in meetings],
        "periods": [
            p.as_record() for p in store.periods() if p.meeting in {m.slug for m in meetings}
        ],
        "headline": {
            "commitments": len(rows),
            "by_type": {t: n for t, n in type_counts.items() if n},
            "covers": list(SCORE_GROUPS["deliverables"]),
            "rated": deliverables["rated"],
            "unrated": deliverables["unrated"],
            "eligible": deliverables["eligible"],
            "score": deliverables["score"],
            "compliance_percent": deliverables["compliance_percent"],
            "parties": {p: groups["deliverables"]["by_party"][p] for p in parties},
            "assurances": groups["assurances"]["by_party"][ALL],
            "disputed": sum(1 for i in items if i.rating == "disputed"),
            "overdue": sum(r.overdue for r in rows),
            "due_soon": sum(r.due_soon for r in rows),
            "stale": len(quiet),
            "recalibrated": sum(1 for r in rows for x in r.ratings.values() if x.recalibrated),
        },
        "distribution": distribution(items, parties),
        "compliance": {"parties": parties, "areas": areas, "groups": groups},
        # streamed: an iterator, read once
        "grid": (_grid_row(r) for r in rows) if stream else [_grid_row(r) for r in rows],
        "agreement": agreed.as_dict() if agreed.items else None,
        "overdue": [_brief(r) for r in rows if r.overdue],
        "due_soon": [_brief(r) for r in rows if r.due_soon],
        "stale": {"duration": str(stale), "cutoff": stale_cutoff, "commitments": quiet},
        "changes": _changes(
            store, rows, since=since, as_of=as_of, meeting=meeting, area=area, period=period_name
        )
        if since
        else None,  # fmt: skip
        # streamed: each area's "commitments" is an iterator, read once
        "areas": sections
        if stream
        else [{**a, "commitments": list(a["commitments"])} for a in sections],
        "methodology": methodology(as_of=as_of, stale=stale),
    }


def _parties(rows, meetings) -> list[str]:
    """The parties of the rows, in the order their meetings declare them."""
    present = {p for r in rows for p in r.parties}
    order = [p for m in meetings for p in m.parties if p in present]
    found = list(dict.fromkeys(order))
    return found + sorted(present - set(found))


def _averages(averages) -> dict[str, dict]:
    return {key: avg.as_dict() for key, avg in averages.items()}


def _brief(row) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "status": row.status,
        "party_statuses": row.party_statuses,
        "due": row.due,
        "last_update": row.last_update,
        "evidence": row.evidence,
    }


def rating_record(rating: PartyRating, state: State) -> dict[str, Any]:
    """A party's rating as report data: the rating, its label and score, who made it and for
    which period, its rationale, confidence and evidence, review state and any dispute."""
    rationale = confidence = None
    evidence: list[str] = []
    if rating.assessment:
        event = next((e for e in state.events if e.uuid == rating.assessment), None)
        if event is not None:
            rationale, confidence, evidence = event.text, event.confidence, event.evidence
    return {
        "rating": rating.rating,
        "label": label(rating.rating),
        "score": rating.score,
        "coder": rating.coder,
        "review": rating.review,
        "period": rating.period,
        "rated_on": rating.on,
        "recalibrated": rating.recalibrated,
        "rationale": rationale,
        "confidence": confidence,
        "evidence": evidence,
        "assessment": rating.assessment,
        "disputed_between": [
            {"coder": c, "rating": r, "event": u} for c, r, u in rating.candidates
        ],
    }


def _grid_row(row) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "area": row.area,
        "type": row.type,
        "status": row.status,
        "cells": {
            p: {
                "rating": r.rating,
                "score": r.score,
                "coder": r.coder,
                "review": r.review,
                "recalibrated": r.recalibrated,
            }
            for p, r in row.ratings.items()
        },
    }


def _areas(
    store: Store, rows, areas: list[str], *, as_of: dt.date, period: str | None, tags
) -> Iterator[dict[str, Any]]:
    """Yield {"area", "commitments"} one area at a time, folding only that area's events."""
    by_area: dict[str, list] = {a: [] for a in areas}
    for row in rows:
        by_area[row.area].append(row)
    for area in areas:
        yield {
            "area": area,
            "commitments": _area_entries(store, by_area[area], as_of=as_of, period=period,
                                         tags=tags),
        }  # fmt: skip


def _area_entries(
    store: Store, rows, *, as_of: dt.date, period: str | None, tags
) -> Iterator[dict[str, Any]]:
    """Yield an area's commitments as report data, a chunk of them at a time, so that a large
    area's events are never all in memory. As things stand now (no period, nothing dated
    after the report), states are read from the derived tables; otherwise, and for items
    disputed between coders (whose candidates only a fold knows), they are folded."""
    now = period is None and store.latest_event_date() <= as_of.isoformat()
    for start in range(0, len(rows), store.FOLD_CHUNK):
        chunk = rows[start : start + store.FOLD_CHUNK]
        quick = [r for r in chunk if now and r.ratings is not None and not _disputed(r)]
        states = store.current_states(
            [r.uid for r in quick], {r.uid: r.ratings for r in quick}
        )  # fmt: skip
        folded = dict(
            store.iter_states(
                as_of=as_of, period=period, uids=[r.uid for r in chunk if r.uid not in states]
            )
        )  # fmt: skip
        for r in chunk:
            state = states[r.uid] if r.uid in states else folded[r.id]
            yield _entry(state, r, tags, as_of.isoformat())


def _disputed(row) -> bool:
    return any(x.rating == DISPUTED for x in row.ratings.values())


def event_data(event: Event) -> dict[str, Any]:
    return {
        "event": event.uuid,
        "happened_on": event.happened_on,
        "kind": event.kind,
        "party": event.party,
        "status": event.status,
        "period": event.period,
        "value": event.value,
        "text": event.text,
        "sources": event.sources,
        "stance": event.stance or "supports",
        "tags": event.tags,
        "author": event.author,
    }


def _entry(state: State, row, tags: Sequence[str], as_of: str) -> dict[str, Any]:
    c = state.commitment
    evidence = [
        e for e in state.live
        if e.kind in ("note", "measure", "status", "assessment")
        and e.happened_on <= as_of
        and (not tags or set(tags) & set(e.tags))
    ]  # fmt: skip
    evidence.sort(key=lambda e: (e.happened_on, e.counter, e.uuid))
    metric = None
    if c.metric:
        found = Metric(**c.metric)
        if state.latest_value:
            found.latest, found.latest_on = state.latest_value
        metric = metric_data(found)
    return {
        "id": c.id,
        "title": c.title,
        "summary": c.summary,
        "meeting": c.meeting,
        "parties": c.parties,
        "type": c.type,
        "formality": c.formality,
        "personal": c.personal,
        "status": state.status,
        "status_detail": split_detail(state.party_ratings) if state.status == SPLIT else None,
        "ratings": {p: rating_record(r, state) for p, r in state.party_ratings.items()},
        "guideline": c.guideline,
        "quote": c.quote,
        "quote_by": c.quote_by,
        "sources": c.sources,
        "links": c.links,
        "deadline": c.deadline,
        "due": c.due,
        "overdue": row.overdue,
        "due_soon": row.due_soon,
        "last_update": row.last_update,
        "evidence_count": row.evidence,
        "metric": metric,
        "evidence": [event_data(e) for e in evidence],
    }


def metric_data(metric: Metric | None) -> dict[str, Any] | None:
    if metric is None:
        return None
    return {
        **{f.name: getattr(metric, f.name) for f in dataclasses.fields(metric)},
        "current": metric.current,
        "change": metric.change,
        "change_percent": None
        if metric.change_percent is None
        else round(metric.change_percent, 1),
        "progress_percent": (
            None if metric.progress_percent is None else round(metric.progress_percent, 1)
        ),
    }


def _changes(
    store: Store, rows, *, since: dt.date, as_of: dt.date, meeting, area, period
) -> dict[str, Any]:
    first = store.first_meeting_date()
    before_day = since - dt.timedelta(days=1)
    before: dict[str, dict[str, str]] = {}
    if first is not None and before_day >= first:
        for r in store.status_rows(as_of=before_day, meeting=meeting, area=area, period=period):
            before[r.id] = r.party_statuses
    transitions = []
    for r in rows:
        for party, rating in r.party_statuses.items():
            old = before.get(r.id, {}).get(party, NOT_YET_RATED)
            if old != rating:
                transitions.append(
                    {"id": r.id, "title": r.title, "party": party, "from": old, "to": rating}
                )
    in_scope = {r.id for r in rows}
    evidence = []
    for e in store.events(since=since, until=as_of, newest_first=False, kinds=("note", "measure")):
        if e.commitment in in_scope:
            evidence.append({**event_data(e), "commitment": e.commitment})
    since_iso, as_of_iso = since.isoformat(), as_of.isoformat()
    return {
        "since": since_iso,
        "transitions": transitions,
        "evidence": evidence,
        "became_overdue": [
            {"id": r.id, "title": r.title, "due": r.due, "status": r.status}
            for r in rows
            if r.overdue and since_iso <= r.due < as_of_iso
        ],
    }


def methodology(*, as_of: dt.date, stale: Duration) -> dict[str, Any]:
    """The method, as data: every report states it."""
    return {
        "types": {
            name: {
                "meaning": t.meaning,
                "ratings": list(t.ratings),
                "scored": t.scored,
                "group": next((g for g, types in SCORE_GROUPS.items() if name in types), None),
            }
            for name, t in TYPES.items()
        },
        "ratings": {
            name: {"meaning": r.meaning, "score": r.score, "label": r.label}
            for name, r in RATINGS.items()
        },
        "states": STATES,
        "formalities": FORMALITIES,
        "not_yet_rated": (
            "Every party-item starts not yet rated. It is left out of every average: a "
            "commitment nobody has researched yet neither helps nor hurts a party. "
            "`not-started` is a finding (researched, no public step yet) and scores -1."
        ),
        "coverage": "Every average states how many party-items it covers out of those that "
        "could be rated; not-yet-rated, unclear and disputed items are left out.",
        "percent": "(average score + 1) / 2 x 100, from the unrounded average",
        "groups": "Deliverables (action, quantified, collective) and assurances are averaged "
        "apart, never pooled; principles and positions are tracked, never scored.",
        "periods": "A compliance period's report scores the ratings made for that period, on "
        "the evidence up to its end; later evidence does not move it, a recalibration (a new "
        "rating for the period) does, and is marked.",
        "succession": SUCCESSION_RULE,
        "disputes": DISPUTE_RULE,
        "overdue": "due date before the report date and the item still open (not fulfilled, "
        "broken or violated)",
        "due_soon_days": (DUE_SOON.after(as_of) - as_of).days,
        "stale": f"open items with no event in {stale}",
        "as_of": "only evidence and ratings dated on or before the report date count; "
        "corrections (edits, amendments, retractions) always apply",
    }


# --------------------------------------------------------------------------- Markdown

md = escape.markdown


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}%"


def _score(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.2f}"


def figure(avg: dict[str, Any]) -> str:
    """Return '77% (31 of 43 party-items rated)'."""
    eligible = avg["eligible"]
    cover = f"{avg['rated']} of {eligible} party-item{'s' if eligible != 1 else ''} rated"
    return f"{_pct(avg['compliance_percent'])} ({cover})"


def cell_figure(avg: dict[str, Any]) -> str:
    """Return '77% (31 of 43)' for a table cell, '' when nothing could be rated."""
    if avg["eligible"] == 0:
        return ""
    return f"{_pct(avg['compliance_percent'])} ({avg['rated']} of {avg['eligible']})"


def area_title(area: str) -> str:
    """Return an area's heading: AI, Climate, Counternarcotics..."""
    return (
        area.upper() if len(area) <= 4 and area.isalpha() and area in ("ai",) else area.capitalize()
    )


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
    if metric["target"] is None:
        target = "no target set"
    else:
        target = f"target {number(metric['target'])}"
        if metric.get("target_on"):
            target += f" by {metric['target_on']}"
    if metric["progress_percent"] is not None:
        target += f" ({metric['progress_percent']:.0f}% of the way)"
    parts.append(target)
    line = f"{metric['name']}{unit and ' (' + unit.strip() + ')'}: " + " → ".join(parts)
    if metric.get("reference") is not None:
        note = f", {metric['reference_note']}" if metric.get("reference_note") else ""
        line += f"; reference {number(metric['reference'])}{note}"
    return line


def title_of(data: dict[str, Any]) -> str:
    meetings = data["meetings"]
    if len(meetings) == 1:
        m = meetings[0]
        head = f"Follow-up report: {m['title']}, {m['date']}"
    else:
        head = f"Follow-up report: {len(meetings)} meetings"
    if data["period"]:
        head += f" ({data['period']['name']} period)"
    return head


def iter_markdown(data: dict[str, Any]) -> Iterator[str]:
    """Yield the Markdown report a section (or an area) at a time."""
    out = [f"# {md(title_of(data))}", ""]
    meetings = data["meetings"]
    if len(meetings) == 1:
        m = meetings[0]
        intro = ". ".join(x for x in (m["place"], m["context"]) if x)
        if intro:
            out += [md(intro), ""]
    else:
        out += [f"- {md(m['title'])}, {m['date']} (`{md(m['slug'])}`)" for m in meetings] + [""]
    out += _md_headline(data)
    out += _md_distribution(data)
    out += _md_compliance(data)
    out += _md_grid(data)
    out += _md_agreement(data)
    out += _md_deadlines(data)
    out += _md_stale(data)
    if data["changes"] is not None:
        out += _md_changes(data["changes"])
    out += ["## Commitments by area", ""]
    yield "\n".join(out) + "\n"
    for area in data["areas"]:
        yield from _md_area(area)
    yield "\n".join(_md_methodology(data)) + "\n"


def render_markdown(data: dict[str, Any]) -> str:
    return "".join(iter_markdown(data))


def window_words(data: dict[str, Any], date=str) -> str:
    """ "From 2024-01-01 to 2026-11-28" for a report with --since, else "As of 2026-11-28"."""
    since = data["window"]["since"]
    if since:
        return f"From {date(since)} to {date(data['as_of'])}"
    return f"As of {date(data['as_of'])}"


def period_span(period: dict[str, Any], date=str) -> str:
    """ "from 2023-11-15 until 2024-11-16 (not included)", or "from ... (open)": a period's end
    day belongs to the next period. `date` formats a day for its destination."""
    ends = f"until {date(period['ends'])} (not included)" if period["ends"] else "(open)"
    return f"from {date(period['starts'])} {ends}"


def _md_headline(data) -> list[str]:
    h = data["headline"]
    when = window_words(data)
    period = data["period"]
    scope = " · the latest rating of each party-item, whatever its period (`--period` for one)"
    if period:
        scope = (
            f" · **{md(period['name'])}** period {period_span(period)}"
            f" (ratings made for it, evidence up to {data['as_of']})"
        )
    types = ", ".join(h["covers"])
    lines = [
        f"**{when}**{scope} · {h['commitments']} commitments",
        "",
        f"- **Deliverables compliance** ({types}): **{figure(h)}**",
    ]
    for party, avg in h["parties"].items():
        lines.append(f"  - {md(party)}: {figure(avg)}")
    lines.append(f"- **Assurances kept**: {figure(h['assurances'])}")
    lines.append(
        f"- {h['disputed']} disputed between coders · {h['recalibrated']} recalibrated · "
        f"{h['overdue']} overdue · {h['due_soon']} due within "
        f"{data['methodology']['due_soon_days']} days · {h['stale']} open with no evidence or "
        f"rating in {data['stale']['duration']}"
    )
    return lines + [""]


def _md_distribution(data) -> list[str]:
    dist = data["distribution"]
    used = [r for r in [*RATINGS, "disputed"] if any(r in d for d in dist.values())]
    out = [
        "## Ratings by party",
        "",
        "How many party-items each rating covers (labels as PolitiFact's promise meters use "
        "them). Principles and positions are tracked, not rated.",
        "",
        "| Party | " + " | ".join(md(label(r)) for r in used) + " |",
        "|---|" + "---:|" * len(used),
    ]
    for party, counts in dist.items():
        name = "**all parties**" if party == ALL else md(party)
        out.append(f"| {name} | " + " | ".join(str(counts.get(r, "")) for r in used) + " |")
    return out + [""]


def _md_compliance(data) -> list[str]:
    comp = data["compliance"]
    out = [
        "## Compliance, with coverage",
        "",
        "Average score (+1 kept, 0 partial or in the works, -1 not kept) as a compliance "
        "percentage, (score + 1) / 2 × 100, and, in brackets, how many party-items it covers "
        "of those that could be rated. Not yet rated, unclear and disputed items are left out.",
        "",
    ]
    for group in ("deliverables", "assurances"):
        g = comp["groups"][group]
        if g["by_party"][ALL]["eligible"] == 0:
            continue
        areas = [a for a in comp["areas"] if g["by_area"][a]["eligible"]]
        parties = [p for p in comp["parties"] if g["by_party"][p]["eligible"]]
        out += [f"### {group.capitalize()} ({', '.join(g['types'])})", ""]
        out.append("| Party | " + " | ".join(md(a) for a in areas) + " | **all areas** |")
        out.append("|---|" + "---:|" * (len(areas) + 1))
        for party in [*parties, ALL]:
            by_area = g["by_party_area"].get(party) if party != ALL else g["by_area"]
            cells = [cell_figure(by_area[a]) for a in areas]
            cells.append(cell_figure(g["by_party"][party]))
            name = "**all parties**" if party == ALL else md(party)
            out.append(f"| {name} | " + " | ".join(cells) + " |")
        out.append("")
        by_type = {t: avg for t, avg in g["by_type"].items() if t != ALL and avg["eligible"]}
        if len(by_type) > 1:
            out.append(
                "By type: " + "; ".join(f"{md(t)} {figure(avg)}" for t, avg in by_type.items())
            )
            out.append("")
    return out


def _cell_text(cell: dict[str, Any]) -> str:
    if cell["rating"] == "tracked":
        return "tracked"
    text = md(cell["rating"])
    if cell["score"] is not None:
        text += f" ({cell['score']:+d})" if cell["score"] else " (0)"
    if cell["coder"]:
        text += f" · {md(cell['coder'])}"
        text += {"approved": " · reviewed", "rejected": " · sent back"}.get(
            cell["review"] or "", " · not reviewed"
        )
    if cell["recalibrated"]:
        text += " · recalibrated"
    return text


def _md_grid(data) -> list[str]:
    parties = data["compliance"]["parties"]
    rows = (r for r in data["grid"] if r["type"] in TYPES and TYPES[r["type"]].scored)
    out = [
        "## Commitments by party",
        "",
        "Each cell: the rating that counts, its score, who rated it and whether a reviewer "
        "signed it off.",
        "",
        "| Commitment | Type | " + " | ".join(md(p) for p in parties) + " |",
        "|---|---|" + "---|" * len(parties),
    ]
    heading = len(out)
    for row in rows:
        cells = [_cell_text(row["cells"][p]) if p in row["cells"] else "" for p in parties]
        out.append(
            f"| **{md(row['id'])}** {md(row['title'])} | {md(row['type'])} | "
            + " | ".join(cells)
            + " |"
        )
    return out + [""] if len(out) > heading else []


def _md_agreement(data) -> list[str]:
    a = data["agreement"]
    if not a:
        return []
    kappa = "undefined" if a["kappa"] is None else f"{a['kappa']:.2f}"
    weighted = "undefined" if a["weighted_kappa"] is None else f"{a['weighted_kappa']:.2f}"
    out = [
        "## Agreement between coders",
        "",
        f"{a['items']} party-items double-coded by {md(', '.join(a['coders']))}: "
        f"{a['agreed']} agree ({a['percent_agreement']:.0f}%); Cohen's kappa {kappa}, weighted "
        f"kappa {weighted} (over {a['weighted_items']} scored pairs).",
        "",
    ]
    if a["note"]:
        out += [md(a["note"]) + ".", ""]
    for d in a["disagreements"]:
        ratings = ", ".join(f"{md(c)} {md(r)}" for c, r in d["ratings"].items())
        out.append(f"- **{md(d['commitment'])}** ({md(d['party'])}): {ratings}")
    return out + [""]


def _md_deadlines(data) -> list[str]:
    days = data["methodology"]["due_soon_days"]
    out = ["## Overdue and due soon", ""]
    if not data["overdue"] and not data["due_soon"]:
        return out + [
            f"Nothing open is overdue, and nothing falls due in the next {days} days.",
            "",
        ]
    out += [
        f"- **{md(r['id'])}** {md(r['title'])}: OVERDUE since {r['due']}, {md(r['status'])}"
        for r in data["overdue"]
    ]
    out += [
        f"- **{md(r['id'])}** {md(r['title'])}: due {r['due']}, {md(r['status'])}"
        for r in data["due_soon"]
    ]
    return out + [""]


def _md_stale(data) -> list[str]:
    stale = data["stale"]
    out = [f"## No news in {stale['duration']}", ""]
    if not stale["commitments"]:
        return out + [f"Every open commitment has an event since {stale['cutoff']}.", ""]
    out += [
        f"{len(stale['commitments'])} open commitments have no event since {stale['cutoff']}:",
        "",
    ]
    out += [
        f"- **{md(r['id'])}** {md(r['title'])}: {md(r['status'])}, last event {r['last_update']}"
        + ("" if r["evidence"] else " (no evidence recorded yet)")
        for r in stale["commitments"]
    ]
    return out + [""]


def sources_md(sources: list[dict]) -> str:
    """Sources as Markdown links, each followed by its publisher (when the title is the link's
    text) and class: ' ([Title](url) (Publisher, wire); ...)'."""
    links = []
    for s in sources:
        title = s.get("title")
        about = [s.get("publisher") if title else None, s.get("class")]
        about = [md(x) for x in about if x]
        links.append(
            escape.markdown_link(s.get("url"), title or s.get("publisher") or "source")
            + (f" ({', '.join(about)})" if about else "")
        )
    return f" ({'; '.join(links)})" if links else ""


def _md_changes(changes) -> list[str]:
    out = [f"## What changed since {changes['since']}", "", "### Rating changes", ""]
    for t in changes["transitions"]:
        out.append(f"- **{md(t['id'])}** ({md(t['party'])}) {md(t['from'])} → {md(t['to'])}")
    if not changes["transitions"]:
        out.append("No rating changed.")
    out += ["", "### New evidence", ""]
    for e in changes["evidence"]:
        party = f" ({md(e['party'])})" if e["party"] else ""
        out.append(
            f"- {e['happened_on']} **{md(e['commitment'])}**{party}: {md(e['text'])}"
            f"{sources_md(e['sources'])}"
        )
    if not changes["evidence"]:
        out.append("No new evidence.")
    out += ["", "### Became overdue", ""]
    out += [
        f"- **{md(r['id'])}** {md(r['title'])}: due {r['due']}" for r in changes["became_overdue"]
    ]
    if not changes["became_overdue"]:
        out.append("None.")
    return out + [""]


def rating_words(party: str, r: dict[str, Any], esc: Callable[[Any], str] = str) -> str:
    """'US: **fulfilled** (Promise Kept) (rated by ..., for final, ...)': the rating in bold
    markers, every piece of data put through `esc` (escape.markdown for Markdown) first."""
    text = f"{esc(party)}: **{esc(r['rating'])}**"
    if r["label"] != r["rating"]:
        text += f" ({esc(r['label'])})"
    bits = []
    if r["coder"]:
        bits.append(f"rated by {esc(r['coder'])}")
    if r["period"]:
        bits.append(f"for {esc(r['period'])}")
    if r["confidence"]:
        bits.append(f"{esc(r['confidence'])} confidence")
    bits.append(
        {"approved": "reviewed", "rejected": "sent back"}.get(r["review"] or "", "not reviewed")
        if r["coder"]
        else ""
    )
    if r["recalibrated"]:
        bits.append("recalibrated")
    bits = [b for b in bits if b]
    return text + (f" ({', '.join(bits)})" if bits else "")


def _md_area(area: dict[str, Any]) -> Iterator[str]:
    """Yield an area's Markdown: its heading, then each commitment's text, one at a time."""
    yield f"### {md(area_title(area['area']))}\n\n"
    for c in area["commitments"]:
        yield "\n".join(_md_commitment(c)) + "\n"


def _md_commitment(c: dict[str, Any]) -> list[str]:
    """One commitment of the Markdown report: its heading, status, promise, guideline,
    metric, links, each party's rating and every piece of evidence."""
    out = [f"#### {md(c['id'])}: {md(c['title'])}", ""]
    status = c["status_detail"] and f"split: {c['status_detail']}" or c["status"]
    due = "none"
    if c["due"]:
        due = c["due"] + (" (OVERDUE)" if c["overdue"] else "")
    kind = c["type"] + (f", {c['formality']}" if c["formality"] else "")
    out += [
        f"**Status:** {md(status)} · **Parties:** {md(', '.join(c['parties']))} ({md(kind)})"
        f" · **Due:** {md(due)}",
        "",
    ]
    if c["summary"]:
        out += [md(c["summary"]), ""]
    if c["quote"]:
        by = f" ({md(c['quote_by'])})" if c["quote_by"] else ""
        out += [f"> {md(c['quote'])}{by}{sources_md(c['sources'])}", ""]
    if c["guideline"]:
        out += [f"**Guideline:** {md(c['guideline'])}", ""]
    if c["metric"]:
        out += [f"**Metric:** {md(metric_line(c['metric']))}", ""]
    for link in c["links"]:
        out += [f"**Link:** {md(link['relation'])} {md(link['to'])}", ""]
    for party, r in c["ratings"].items():
        if r["rating"] == "tracked":
            continue
        line = "- " + rating_words(party, r, esc=md)
        if r["rationale"]:
            line += f": {md(r['rationale'])}"
        if r["evidence"]:
            line += " [rests on " + ", ".join(u[:8] for u in r["evidence"]) + "]"
        if r["disputed_between"]:
            line += ": " + "; ".join(
                f"{md(d['coder'])} {md(d['rating'])}" for d in r["disputed_between"]
            )
        out.append(line)
    if any(r["rating"] != "tracked" for r in c["ratings"].values()):
        out.append("")
    if c["evidence"]:
        out += ["Evidence:", ""]
        for e in c["evidence"]:
            party = f" [{md(e['party'])}]" if e["party"] else ""
            stance = "" if e["stance"] == "supports" else f" **{md(e['stance'])}**"
            what = md(e["text"] or f"rated {e['status']}")
            if e["kind"] in ("status", "assessment"):
                period = f" for the {md(e['period'])} period" if e.get("period") else ""
                what = f"rated {md(e['status'])}{period}: " + (md(e["text"]) if e["text"] else "")
            out.append(
                f"- {e['happened_on']} `{e['event'][:8]}`{party}{stance} {what}"
                f"{sources_md(e['sources'])}"
            )
        out.append("")
    else:
        out += ["No evidence recorded yet.", ""]
    return out


def _md_methodology(data) -> list[str]:
    m = data["methodology"]
    out = ["## Methodology", ""]
    out.append("| Type | Ratings | Scored |")
    out.append("|---|---|---|")
    for name, t in m["types"].items():
        ratings = ", ".join(t["ratings"]) if t["ratings"] else "none: evidence only"
        scored = f"yes, {t['group']}" if t["scored"] else "never"
        out.append(f"| `{name}`: {md(t['meaning'])} | {md(ratings)} | {scored} |")
    out += ["", "| Rating | Score | Label | Meaning |", "|---|---:|---|---|"]
    for name, r in m["ratings"].items():
        score = "left out" if r["score"] is None else f"{r['score']:+d}"
        out.append(f"| `{name}` | {score} | {md(r['label'] or '')} | {md(r['meaning'])} |")
    out += [
        "",
        md(m["not_yet_rated"]),
        "",
        md(m["coverage"]) + " " + md(m["groups"]) + f" Percentages are {md(m['percent'])}.",
        "",
        md(m["periods"]),
        "",
        "**Succession.** " + md(m["succession"]),
        "",
        "**Disputes.** " + md(m["disputes"]),
        "",
        f"Overdue: {md(m['overdue'])}. Due soon: within {m['due_soon_days']} days. "
        f"No news: {md(m['stale'])}. As of: {md(m['as_of'])}.",
        "",
    ]
    if data["periods"]:
        out.append(
            "Periods: "
            + "; ".join(
                f"{md(p['meeting'])} {md(p['name'])} {p['starts']} to {p['ends'] or 'open'}"
                for p in data["periods"]
            )
            + "."
        )
        out.append("")
    out += ["---", ""]
    for meeting in data["meetings"]:
        for s in meeting["sources"]:
            bits = [md(s.get("publisher")) if s.get("publisher") else None,
                    f'"{md(s["title"])}"' if s.get("title") else None,
                    escape.markdown_link(s.get("url"), s.get("url"))
                    if s.get("url") else None]  # fmt: skip
            out.append(f"Meeting source: {', '.join(b for b in bits if b)}.")
    out.append("")
    stamp = f"Generated {data['generated_at']} " if data["generated_at"] else "Generated "
    out.append(f"{stamp}by {md(data['generator'])} from `{md(data['database'])}`.")
    return out
