"""The Markdown follow-up report: counts, what is overdue or quiet, what changed, and every
commitment with its latest evidence."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from tracker import __version__
from tracker.dates import Duration
from tracker.model import STATUSES, Commitment, Event, StatusRow
from tracker.store import Store

DEFAULT_STALE = Duration(90, "days")


@dataclass(frozen=True)
class Transition:
    """A status change: whose (commitment, optionally one party), from what, to what, and why."""

    event: Event
    before: str

    @property
    def label(self) -> str:
        party = f" ({self.event.party})" if self.event.party else ""
        return f"**{self.event.commitment}**{party}"


def transitions(store: Store, *, since: dt.date) -> list[Transition]:
    """Return every status change dated on or after `since`, oldest first."""
    overall: dict[str, str] = {}
    own: dict[tuple[str, str], str] = {}
    found = []
    for event in store.events(newest_first=False):
        if event.status is None:
            continue
        if event.party is None:
            before = overall.get(event.commitment, "")
            overall[event.commitment] = event.status
        else:
            key = (event.commitment, event.party)
            before = own.get(key, overall.get(event.commitment, ""))
            own[key] = event.status
        if event.kind == "status" and event.happened_on >= since.isoformat():
            found.append(Transition(event, before))
    return found


def render_markdown(
    store: Store,
    *,
    today: dt.date,
    since: dt.date | None = None,
    stale: Duration = DEFAULT_STALE,
    generated_at: str | None = None,
) -> str:
    """Return the follow-up report as a Markdown document."""
    rows = store.status_rows(today=today)
    meetings = store.meetings()
    evidence = store.latest_evidence()
    out: list[str] = []
    if len(meetings) == 1:
        m = meetings[0]
        out.append(f"# Follow-up report: {m.title}, {m.date}")
        out.append("")
        out.append(f"{m.place or ''}{'. ' if m.place else ''}{m.context or ''}".strip())
    else:
        out.append(f"# Follow-up report: {len(meetings)} meetings")
        out.append("")
        out += [f"- {m.title}, {m.date} (`{m.slug}`)" for m in meetings]
    out += ["", f"As of **{today.isoformat()}**: {len(rows)} commitments tracked.", ""]

    out += _summary(rows)
    out += _overdue(rows)
    out += _stale(rows, cutoff=stale.before(today), stale=stale)
    if since is not None:
        out += _changes(store, rows, since=since, today=today)
    out += _areas(rows, evidence, store.commitments())
    out += _footer(meetings, store, generated_at)
    return "\n".join(out).rstrip() + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _source(event: Event) -> str:
    if event.source_url:
        return f" ([{_cell(event.source_title or 'source')}]({event.source_url}))"
    if event.source_title:
        return f" ({event.source_title})"
    return ""


def _summary(rows: list[StatusRow]) -> list[str]:
    counts = Counter(r.status for r in rows)
    used = [s for s in STATUSES if counts[s]]
    out = ["## Summary", "", "| Status | Commitments |", "|---|---:|"]
    out += [f"| {s} | {counts[s]} |" for s in used]
    out += [f"| **total** | **{len(rows)}** |", "", "### By area", ""]
    out.append("| Area | " + " | ".join(used) + " | total |")
    out.append("|---|" + "---:|" * (len(used) + 1))
    by_area: dict[str, Counter] = {}
    for r in rows:
        by_area.setdefault(r.area, Counter())[r.status] += 1
    for area in sorted(by_area):
        cells = [str(by_area[area][s] or "") for s in used]
        out.append(f"| {area} | " + " | ".join(cells) + f" | {sum(by_area[area].values())} |")
    return out + [""]


def _overdue(rows: list[StatusRow]) -> list[str]:
    overdue = [r for r in rows if r.overdue]
    out = ["## Overdue", ""]
    if not overdue:
        return out + [
            "Nothing is overdue: no due date has passed without the commitment being fulfilled.",
            "",
        ]
    out += [f"- **{r.id}** {r.title}: due {r.due}, status {r.status}" for r in overdue]
    return out + [""]


def _stale(rows: list[StatusRow], *, cutoff: dt.date, stale: Duration) -> list[str]:
    quiet = [r for r in rows if r.last_update < cutoff.isoformat()]
    out = [f"## No news in {stale}", ""]
    if not quiet:
        return out + [f"Every commitment has an event since {cutoff.isoformat()}.", ""]
    out.append(f"{len(quiet)} commitments have no event since {cutoff.isoformat()}:")
    out.append("")
    out += [
        f"- **{r.id}** {r.title}: {r.status}, last event {r.last_update}"
        + ("" if r.evidence else " (no evidence recorded yet)")
        for r in quiet
    ]
    return out + [""]


def _changes(store: Store, rows: list[StatusRow], *, since: dt.date, today: dt.date) -> list[str]:
    out = [f"## What changed since {since.isoformat()}", "", "### Status changes", ""]
    changes = transitions(store, since=since)
    if changes:
        for t in changes:
            e = t.event
            reason = f": {e.text}" if e.text else ""
            out.append(f"- {e.happened_on} {t.label} {t.before} → {e.status}{reason}{_source(e)}")
    else:
        out.append("No status changed.")
    out += ["", "### New evidence", ""]
    notes = [e for e in store.events(since=since, newest_first=False) if e.kind == "note"]
    if notes:
        for e in notes:
            party = f" ({e.party})" if e.party else ""
            out.append(f"- {e.happened_on} **{e.commitment}**{party}: {e.text}{_source(e)}")
    else:
        out.append("No new notes.")
    became = [r for r in rows if r.overdue and since.isoformat() <= r.due < today.isoformat()]
    out += ["", "### Became overdue", ""]
    out += [f"- **{r.id}** {r.title}: due {r.due}" for r in became] or ["None."]
    return out + [""]


def _area_title(area: str) -> str:
    return area.upper() if len(area) <= 2 else area.capitalize()


def _areas(
    rows: list[StatusRow], evidence: dict[str, Event], commitments: dict[str, Commitment]
) -> list[str]:
    out = ["## Commitments by area", ""]
    areas = sorted({r.area for r in rows})
    for area in areas:
        out += [f"### {_area_title(area)}", ""]
        for r in (r for r in rows if r.area == area):
            commitment = commitments[r.id]
            due = f"{r.due}{' (overdue)' if r.overdue else ''}" if r.due else "none"
            out.append(f"#### {r.id}: {r.title}")
            out.append("")
            out.append(
                f"**Status:** {r.status} · **Parties:** {', '.join(r.parties)} ({r.kind}) "
                f"· **Due:** {due}"
            )
            out.append("")
            if commitment.summary:
                out += [commitment.summary, ""]
            latest = evidence.get(r.id)
            if latest:
                text = latest.text or f"status set to {latest.status}"
                out += [f"Latest evidence, {latest.happened_on}: {text}{_source(latest)}", ""]
            else:
                out += ["No evidence recorded yet.", ""]
    return out


def _footer(meetings, store: Store, generated_at: str | None) -> list[str]:
    out = ["---", ""]
    for m in meetings:
        for s in m.sources:
            bits = [
                s.get("publisher"),
                f'"{s["title"]}"' if s.get("title") else None,
                s.get("author"),
                s.get("url"),
            ]
            out.append(f"Meeting source: {', '.join(b for b in bits if b)}.")
    stamp = f"Generated {generated_at} " if generated_at else "Generated "
    out.append("")
    out.append(f"{stamp}by track {__version__} from `{store.path}`.")
    return out
