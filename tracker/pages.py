"""Records rendered for people in a terminal: the page `track show` prints and the lines of
`track log`. Every value from the data passes through escape.terminal."""

from __future__ import annotations

import shutil
import textwrap
from typing import Any

import click

from tracker import escape
from tracker.derived import State, split_detail
from tracker.formats import paint, plural, status_colour, use_colour
from tracker.records import Event, Meeting, Metric
from tracker.vocabulary import FIELD_WORDS, SPLIT, label, number

LABEL_WIDTH = 11


def width() -> int:
    return min(shutil.get_terminal_size((100, 24)).columns, 100)


def wrapped(prefix: str, text: str, *, indent: int = LABEL_WIDTH) -> str:
    """Return text wrapped under a label; addresses are never broken across lines."""
    room = max(width() - indent, 30)
    lines: list[str] = []
    for paragraph in escape.terminal(text, lines=True).split("\n"):
        lines += textwrap.wrap(paragraph, room, break_long_words=False, break_on_hyphens=False) or [
            ""
        ]
    return prefix + " " + ("\n" + " " * indent).join(lines)


def heading(name: str) -> str:
    return click.style(f"{name + ':':<{LABEL_WIDTH - 1}}", bold=True) if use_colour() else (
        f"{name + ':':<{LABEL_WIDTH - 1}}"
    )  # fmt: skip


def rating_text(rating: str) -> str:
    """A rating with its reader-facing label where that differs: 'fulfilled (Promise Kept)'."""
    shown = label(rating)
    return rating if shown.lower().replace(" ", "-") == rating else f"{rating} ({shown})"


def what(event: Event) -> str:
    """A short description of what an event did: 'rated fulfilled (US)', 'note', ..."""
    if event.kind in ("status", "assessment"):
        seen = (event.changes or {}).get("status")
        before = f"{seen[0]} -> " if isinstance(seen, list) and seen[0] else ""
        text = f"{'assessed' if event.kind == 'assessment' else 'status'} {before}{event.status}"
    elif event.withdraws_commitment:
        text = "withdraws the commitment"
    elif event.kind == "retraction":
        text = f"retracts {event.about[:8]}"
    elif event.kind == "amendment":
        text = f"amends {event.about[:8]}"
    elif event.kind in ("approval", "rejection"):
        text = f"{'approves' if event.kind == 'approval' else 'sends back'} {event.about[:8]}"
    elif event.kind == "measure":
        text = f"measure = {number(event.value)}"
    else:
        text = event.kind
    if event.period:
        text += f" [{event.period}]"
    if event.retracted:
        text += " (RETRACTED)"
    elif event.amended:
        text += " (AMENDED)"
    return text


def source_line(source: dict[str, Any]) -> str:
    bits = [source.get("title"), source.get("publisher"), source.get("date"), source.get("class")]
    described = ", ".join(b for b in bits if b)
    url = source.get("url")
    note = f" ({source['note']})" if source.get("note") else ""
    if url:
        return f"{described} <{url}>{note}" if described else f"<{url}>{note}"
    return described + note


def change_lines(changes: dict[str, list]) -> list[str]:
    """Return 'field: old -> new' lines for an edit or amendment."""
    out = []
    for name, (old, new) in changes.items():
        if name == "sources" and old and new:
            out.append(f"sources: {_source_changes(old, new)}")
        else:
            out.append(f"{FIELD_WORDS.get(name, name)}: {_short(old)} -> {_short(new)}")
    return out


def _source_changes(old: list[dict], new: list[dict]) -> str:
    """What changed in a list of sources, source by source (matched by address): an address
    replaced ('<a> -> <b>', its title and the rest kept), fields changed, sources removed or
    added; those left as they were are only counted."""
    old_urls = {s.get("url") for s in old}
    new_urls = {s.get("url") for s in new}
    gone = [s for s in old if s.get("url") not in new_urls]
    came = [s for s in new if s.get("url") not in old_urls]
    parts = []
    for before, after in zip(gone, came, strict=False):  # an address fixed, the rest kept
        if {**before, "url": None} == {**after, "url": None}:
            parts.append(f"<{before.get('url')}> -> <{after.get('url')}>")
            gone, came = [s for s in gone if s is not before], [s for s in came if s is not after]
    by_url = {s.get("url"): s for s in old}
    kept = 0
    for after in new:
        before = by_url.get(after.get("url"))
        if before is None or after in came:
            continue
        if before == after:
            kept += 1
        else:
            parts.append(f"{source_line(before)} -> {source_line(after)}")
    parts += [f"removed {source_line(s)}" for s in gone]
    parts += [f"added {source_line(s)}" for s in came]
    if kept:
        parts.append(f"{kept} other{'s' if kept > 1 else ''} unchanged")
    return "; ".join(parts) or "unchanged"


def _short(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return (
            ", ".join(source_line(v) if isinstance(v, dict) else str(v) for v in value) or "(none)"
        )
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def event_block(event: Event) -> str:
    """Return an event as a few lines: its ID, date, what it did, party, author, then its
    text, the values an edit changed, and every source."""
    party = f" [{event.party}]" if event.party else ""
    stance = f" ({event.stance})" if event.stance and event.stance != "supports" else ""
    tags = f" #{' #'.join(event.tags)}" if event.tags else ""
    head = (
        f"{event.uuid[:8]}  {event.happened_on}  {what(event)}{party}{stance}{tags}"
        f"  by {event.author}"
    )
    kind_colour = status_colour(event.status) if event.status else None
    out = [escape.terminal(head) if not kind_colour else paint(escape.terminal(head), kind_colour)]
    pad = " " * 10
    if event.text:
        out.append(wrapped(pad, event.text, indent=11))
    if event.kind in ("edit", "amendment") and event.changes:
        out += [wrapped(pad, line, indent=11) for line in change_lines(event.changes)]
    if event.confidence:
        out.append(wrapped(pad, f"Confidence: {event.confidence}", indent=11))
    if event.evidence:
        out.append(wrapped(pad, "Rests on: " + ", ".join(u[:8] for u in event.evidence), indent=11))
    for source in event.sources:
        out.append(wrapped(pad, "Source: " + source_line(source), indent=11))
    return "\n".join(out)


def commitment_page(
    state: State,
    *,
    events: list[Event],
    meeting: Meeting,
    metric: Metric | None,
    as_of: str | None,
    links_in: list[tuple[str, str, str]],
    period: str | None,
) -> str:
    """Return the page `track show` prints for one commitment, with `events` (those to show,
    in order) as its timeline."""
    from tracker.report import metric_line

    c = state.commitment
    title = escape.terminal(f"{c.id}  {c.title}")
    lines = [click.style(title, bold=True) if use_colour() else title, ""]
    if as_of:
        lines.append(f"{heading('As of')} {as_of} (later events are not shown)")
    if period:
        lines.append(f"{heading('Period')} {period} (ratings made for this period)")
    if state.withdrawn:
        by = next(
            (e for e in reversed(state.events)
             if e.withdraws_commitment and not e.retracted),
            None,
        )  # fmt: skip
        text = "Left out of every list and score."
        if by is not None:
            text = (
                f"on {by.happened_on} by {by.author}" + (f": {by.text}" if by.text else "")
                + f". Left out of every list and score; to restore it: track undo {by.uuid[:8]}"
            )  # fmt: skip
        lines.append(wrapped(heading("Withdrawn"), text))
    status = state.status
    if status == SPLIT:
        status = f"split: {split_detail(state.party_ratings)}"
    elif status:
        status = rating_text(status)
    lines.append(f"{heading('Status')} {paint(status, status_colour(status))}")
    for party, rating in state.party_ratings.items():
        if rating.rating == "tracked":
            continue
        detail = rating_text(rating.rating)
        if rating.coder:
            detail += f", by {rating.coder}"
            detail += f" on {rating.on}" if rating.on else ""
            detail += {"approved": ", reviewed", "rejected": ", sent back"}.get(
                rating.review or "", ", not reviewed"
            )
        if rating.period:
            detail += f" [{rating.period}]"
        if rating.recalibrated:
            detail += ", recalibrated"
        if rating.candidates:
            detail += ": " + "; ".join(f"{coder} {value}" for coder, value, _u in rating.candidates)
        lines.append(f"{heading('  ' + party)} {escape.terminal(detail)}")
    kind = f"{c.type}" + (f", {c.formality}" if c.formality else "")
    if c.personal:
        kind += ", a leader's personal word"
    lines.append(f"{heading('Parties')} {', '.join(c.parties)} ({kind})")
    lines.append(f"{heading('Area')} {escape.terminal(c.area)}")
    lines.append(wrapped(heading("Meeting"), f"{meeting.title}, {meeting.date} ({meeting.slug})"))
    if c.deadline or c.due:
        due = f"due {c.due}" if c.due else "no date"
        words = f'"{c.deadline}", ' if c.deadline else ""
        lines.append(wrapped(heading("Deadline"), f"{words}{due}"))
    if metric is not None:
        from tracker.report import metric_data

        lines.append(wrapped(heading("Metric"), metric_line(metric_data(metric))))
    if c.summary:
        lines.append(wrapped(heading("Summary"), c.summary))
    if c.quote:
        by = f" ({c.quote_by})" if c.quote_by else ""
        lines.append(wrapped(heading("Quote"), f'"{c.quote}"{by}'))
    elif c.quote_by:
        lines.append(wrapped(heading("Stated by"), c.quote_by))
    for source in c.sources:
        lines.append(wrapped(heading("Source"), source_line(source)))
    if c.guideline:
        lines.append(wrapped(heading("Guideline"), c.guideline))
    for link in c.links:
        lines.append(wrapped(heading("Links"), f"{link['relation']} {link['to']}"))
    for other, relation, other_meeting in links_in:
        lines.append(wrapped(heading("Linked"), f"{other} ({other_meeting}) {relation} {c.id}"))
    for name, values in state.conflicts.items():
        lines.append(
            wrapped(
                heading("Conflict"),
                f"{name}: {values[0]!s} / {values[1]!s} (see `track conflicts`)",
            )
        )
    lines += [
        click.style(f"Timeline ({plural(len(events), 'event')}, oldest first)", bold=True)
        if use_colour()
        else f"Timeline ({plural(len(events), 'event')}, oldest first)"
    ]
    lines += [event_block(e) for e in events]
    return "\n".join(lines)


def log_record(event: Event) -> dict[str, Any]:
    """An event as a row of `track log`: short ID, what happened, text with its sources."""
    titles = [s.get("title") or s.get("publisher") or s.get("url") for s in event.sources]
    bracketed = [t if t.startswith("[") and t.endswith("]") else f"[{t}]" for t in titles if t]
    text = " ".join(filter(None, [event.text, *bracketed]))
    return {
        "ref": event.uuid[:8],
        "happened_on": event.happened_on,
        "commitment": event.commitment,
        "what": what(event),
        "party": event.party or "",
        "author": event.author,
        "text": text,
    }
