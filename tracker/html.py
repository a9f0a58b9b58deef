"""HTML for people: the templates the single-file report (`track report --format html`) and
the static site (`tracker.site`) share, and the report itself.

The page shell, the stylesheet, the headline figures, the rating meters, the tables and the
charts are written once here; the report and the site differ only in where links point (the
report links within itself, the site between pages: see `Links`). Pages read on a phone (no
horizontal scrolling at 390 px, no text under 11 px), on a desktop and on paper (sources
printed with their addresses, evidence never collapsed). There are no scripts and no external
requests. Every value from the data is escaped; only http(s) addresses become links."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from tracker import charts, escape
from tracker.report import (
    area_title,
    figure,
    metric_line,
    period_span,
    rating_words,
    title_of,
    window_words,
)
from tracker.scores import ALL
from tracker.vocabulary import RATINGS, TYPES, label, number, score

# The mark of a page track made: `track site` removes no page of an old build without it.
GENERATOR = "track"

CSS = """
:root { color-scheme: light; --ink: #1a1a1a; --muted: #555; --rule: #d4d4d4; --soft: #f4f4f4;
  --link: #1a5490; --kept: #1b7837; --works: #2166ac; --bad: #b2182b; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  background: #fff; margin: 0 auto; max-width: 62rem; padding: 1rem; overflow-wrap: break-word; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: .5rem 0; }
h2 { font-size: 1.3rem; line-height: 1.3; border-bottom: 2px solid var(--ink);
  padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { font-size: 1.1rem; margin-top: 1.6rem; }
h4 { font-size: 1rem; margin: 0 0 .3rem; }
.meta, .muted { color: var(--muted); }
.date, .status, .nowrap, .id { white-space: nowrap; }
a { color: var(--link); }
a[href^="http"] { overflow-wrap: anywhere; }
a:focus-visible { outline: 3px solid #f0b000; outline-offset: 2px; }
.skip { position: absolute; left: -999rem; }
.skip:focus { left: 1rem; top: .5rem; background: #fff; padding: .3rem .6rem; z-index: 1; }
.site-nav { display: flex; flex-wrap: wrap; gap: .2rem 1rem; align-items: baseline;
  border-bottom: 1px solid var(--rule); padding-bottom: .5rem; margin-bottom: .8rem; }
.site-nav .brand { font-weight: 700; color: var(--ink); text-decoration: none; margin-right: auto; }
.site-nav ul { display: flex; flex-wrap: wrap; gap: .2rem 1rem; list-style: none; margin: 0;
  padding: 0; }
.crumbs { font-size: .92rem; color: var(--muted); margin: 0 0 .3rem; }
[aria-current="page"] { font-weight: 700; color: var(--ink); text-decoration: none; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .6rem;
  margin: 1rem 0; padding: 0; list-style: none; }
.figures li { border: 1px solid var(--rule); border-radius: 6px; padding: .6rem .8rem; }
.figures strong { display: block; font-size: 1.6rem; line-height: 1.2; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .92rem; }
th, td { border-bottom: 1px solid var(--rule); padding: .3rem .55rem; text-align: left;
  vertical-align: top; }
thead th { border-bottom: 2px solid var(--ink); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.scroll th:first-child { position: sticky; left: 0; background: #fff; }
.chart-box { margin: .8rem 0 1.2rem; max-width: 46rem; overflow: hidden; }
svg.chart { display: block; width: 100%; overflow: visible; }
.timeline-box { max-width: none; padding: 0 6.6rem 0 5.6rem; }
.metric-box { padding: 0 .5rem 0 4.2rem; }
.status { display: inline-block; border: 1px solid currentColor; border-radius: 3px;
  padding: 0 .35rem; font-size: .85rem; font-weight: 600; }
.status.fulfilled, .status.maintained { color: var(--kept); }
.status.in-progress, .status.partial, .status.contested { color: var(--works); }
.status.broken, .status.stalled, .status.not-started, .status.violated { color: var(--bad); }
.status.not-yet-rated, .status.unclear, .status.tracked, .status.disputed, .status.split {
  color: #4a4a4a; }
.meter { display: inline-flex; align-items: center; gap: .35rem; white-space: nowrap;
  font-size: .9rem; font-weight: 600; line-height: 1.4; }
.meter .bar { display: inline-flex; gap: 2px; }
.meter .bar i { display: inline-block; width: .75rem; height: .75rem; border: 1px solid #767676;
  background: #fff; }
.meter.kept .bar i { background: var(--kept); border-color: var(--kept); }
.meter.works .bar i:nth-child(-n+2) { background: var(--works); border-color: var(--works); }
.meter.bad .bar i:first-child { background: var(--bad); border-color: var(--bad); }
.meter.kept .label { color: var(--kept); } .meter.works .label { color: var(--works); }
.meter.bad .label { color: var(--bad); } .meter.none .label { color: #4a4a4a; }
.meter.none .bar i { border-style: dashed; }
.meter .party { color: var(--ink); font-weight: 400; }
.meters { display: flex; flex-wrap: wrap; gap: .15rem .9rem; margin: .2rem 0; }
.overdue { color: var(--bad); font-weight: 600; }
details { margin-top: .4rem; } summary { cursor: pointer; color: var(--muted); }
ol.events { padding-left: 1.4rem; margin: .4rem 0; font-size: .95rem; }
ol.events li { margin: .35rem 0; }
.stance { color: var(--bad); }
ul.source-list { padding-left: 1.2rem; font-size: .95rem; } ul.source-list li { margin: .2rem 0; }
.commitment { border-top: 1px solid var(--rule); padding: .8rem 0; }
blockquote { margin: .6rem 0; padding: .2rem 0 .2rem .9rem; border-left: 4px solid var(--rule); }
.items { list-style: none; padding: 0; margin: .5rem 0; }
.items > li { display: grid; grid-template-columns: 13rem 1fr; gap: .2rem 1rem;
  border-top: 1px solid var(--rule); padding: .55rem 0; }
.items .what a { font-weight: 600; }
.items .meta { font-size: .9rem; margin: .1rem 0 0; }
.items .meters { flex-direction: column; gap: .1rem; }
.filters { border: 1px solid var(--rule); border-radius: 6px; padding: .2rem .9rem .6rem;
  margin: 1rem 0; }
.filters summary { font-weight: 700; color: var(--ink); padding: .5rem 0 .1rem; }
.filters dl { margin: 0; } .filters dt { font-weight: 700; margin-top: .4rem; }
.filters dd { margin: 0; } .filters ul { display: flex; flex-wrap: wrap; gap: .15rem .9rem;
  list-style: none; margin: 0; padding: 0; }
.rating-card { border-left: 4px solid var(--rule); padding: .1rem 0 .1rem .8rem; margin: .8rem 0; }
.rating-card p { margin: .25rem 0; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .8rem 0; }
.facts dt { font-weight: 700; } .facts dd { margin: 0; }
footer { margin-top: 2.5rem; border-top: 2px solid var(--ink); font-size: .9rem; }
@media (max-width: 40rem) {
  body { font-size: 15px; padding: .75rem; }
  h1 { font-size: 1.35rem; } h2 { font-size: 1.2rem; }
  .items > li { grid-template-columns: 1fr; }
  .items .meters { flex-direction: row; }
  .facts { grid-template-columns: 1fr; } .facts dd { margin-bottom: .3rem; }
  .wide-only { display: none; }
  th, td { padding: .3rem .3rem; }
  table.grid.few { table-layout: fixed; width: 100%; }
  table.grid.few th[scope="row"] { width: 40%; hyphens: auto; }
  .timeline-box { padding: 0 6.2rem 0 5.2rem; }
}
@media print {
  body { max-width: none; font-size: 10.5pt; padding: 0; }
  a { color: inherit; }
  a[href^="http"]::after { content: " <" attr(href) ">"; font-size: .85em; color: #333;
    overflow-wrap: anywhere; }
  details > summary { list-style: none; }
  details::details-content { content-visibility: visible; display: block; }
  .site-nav, .filters, .skip { display: none; }
  h2, h3 { break-after: avoid; } .chart-box, .rating-card, .items > li { break-inside: avoid; }
  .scroll { overflow: visible; }
  .meter .bar i, .status, svg.chart { print-color-adjust: exact;
    -webkit-print-color-adjust: exact; }
}
"""

_e = escape.html
_ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


# --------------------------------------------------------------------------- links


class Links:
    """Where the report's links point: within the one file (#ID). The site passes its own
    subclass that links between pages; None means "no page for this", shown as text."""

    def commitment(self, cid: str) -> str | None:
        return f"#{cid}"

    def event(self, cid: str, uuid: str) -> str | None:
        return f"#e-{uuid}"

    def area(self, area: str) -> str | None:
        return None

    def party(self, party: str) -> str | None:
        return None

    def meeting(self, slug: str) -> str | None:
        return None

    def type(self, name: str) -> str | None:
        return None

    def rating(self, rating: str) -> str | None:
        return None

    def page(self, name: str) -> str | None:
        """A site page by name: home, methodology, parties, meetings, areas, feed."""
        return None


def link(href: str | None, inner_html: str, **attrs: str) -> str:
    """An <a> for one of our own (relative or #) addresses; the text alone without one."""
    if href is None:
        return inner_html
    extra = "".join(f' {k.rstrip("_").replace("_", "-")}="{_e(v)}"' for k, v in attrs.items())
    return f'<a href="{_e(href)}"{extra}>{inner_html}</a>'


# --------------------------------------------------------------------------- small pieces


def dates_nowrap(escaped: str) -> str:
    """Wrap the ISO dates in already-escaped text so that a line never breaks inside one."""
    return _ISO_DATE.sub(lambda m: f'<span class="date">{m.group()}</span>', escaped)


def text(value: Any) -> str:
    """Escaped text from the data, with its dates kept whole."""
    return dates_nowrap(_e(value))


def date(value: Any) -> str:
    return f'<span class="date">{_e(value)}</span>'


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}%"


def status(rating: str) -> str:
    """A rating as a small badge: the rating's name, never broken at its hyphens."""
    return f'<span class="status {_e(rating)}">{_e(rating)}</span>'


def meter_class(rating: str) -> str:
    found = score(rating)
    return {1: "kept", 0: "works", -1: "bad"}.get(found, "none") if found is not None else "none"


STATE_LABELS = {"tracked": "Tracked, not rated", "disputed": "Disputed", "split": "Split"}


def rating_label(rating: str) -> str:
    """A rating in words for readers: PolitiFact's label where there is one."""
    return STATE_LABELS.get(rating) or label(rating)


def meter(rating: str, *, party: str | None = None) -> str:
    """A rating as a promise meter: three cells filled by its score (one red for not kept, two
    blue for in the works, three green for kept, none for not rated) and its label in words,
    so it reads without colour."""
    words = rating_label(rating)
    who = f'<span class="party">{_e(party)}:</span> ' if party else ""
    return (
        f'<span class="meter {meter_class(rating)}" title="{_e(rating)}">'
        '<span class="bar" aria-hidden="true"><i></i><i></i><i></i></span>'
        f'<span class="label">{who}{_e(words)}</span></span>'
    )


def meters(status_: str, ratings: dict[str, str]) -> str:
    """One meter for a commitment whose parties share a rating; one per party otherwise."""
    if not ratings or len(set(ratings.values())) == 1:
        shown = next(iter(ratings.values())) if ratings else status_
        return f'<span class="meters">{meter(shown)}</span>'
    return (
        '<span class="meters">' + "".join(meter(r, party=p) for p, r in ratings.items()) + "</span>"
    )


def sources(items: list[dict], *, bracket: bool = True) -> str:
    """A list of sources: titles linked (http(s) only), publisher and class after each."""
    if not items:
        return ""
    links = []
    for s in items:
        words = s.get("title") or s.get("publisher") or s.get("url") or "source"
        bits = escape.html_link(s.get("url"), words)
        extra = ", ".join(x for x in (s.get("publisher") if s.get("title") else None,
                                      s.get("date"), s.get("class")) if x)  # fmt: skip
        if extra:
            bits += f' <span class="muted">({text(extra)})</span>'
        if s.get("note"):
            bits += f' <span class="muted">{text(s["note"])}</span>'
        links.append(bits)
    inner = "; ".join(links)
    return f' <span class="sources">({inner})</span>' if bracket else inner


def source_list(items: list[dict]) -> str:
    """Sources as a list, one a line (for a page with room for them)."""
    if not items:
        return ""
    return (
        '<ul class="source-list">'
        + "".join(f"<li>{sources([s], bracket=False)}</li>" for s in items)
        + "</ul>"
    )


def figures(items: Iterable[tuple[Any, str]]) -> str:
    return (
        '<ul class="figures">'
        + "".join(f"<li><strong>{_e(v)}</strong>{_e(words)}</li>" for v, words in items)
        + "</ul>"
    )


def headline_figures(data: dict[str, Any], *, stale: bool = True) -> str:
    h = data["headline"]
    items = [
        (h["commitments"], "commitments tracked"),
        (pct(h["compliance_percent"]),
         f"deliverables compliance ({h['rated']} of {h['eligible']} party-items rated)"),
        (pct(h["assurances"]["compliance_percent"]),
         f"assurances kept ({h['assurances']['rated']} of {h['assurances']['eligible']} rated)"),
        (h["disputed"], "disputed between coders"),
        (h["overdue"], "overdue"),
    ]  # fmt: skip
    if stale:
        items.append(
            (h["stale"], f"open with no evidence or rating in {data['stale']['duration']}")
        )
    return figures(items)


def by_party(data: dict[str, Any], links: Links) -> str:
    items = "".join(
        f"<li>{link(links.party(p), _e(p))}: {text(figure(avg))}</li>"
        for p, avg in data["headline"]["parties"].items()
    )
    return f"<p>Deliverables by party:</p><ul>{items}</ul>" if items else ""


def party_label(party: str) -> str:
    return "All parties" if party == ALL else party


# --------------------------------------------------------------------------- tables


def scroll_open(name: str) -> str:
    """The opening of a box that scrolls a wide table sideways inside the page (never the
    page itself); it can take the keyboard's focus, so it can be scrolled without a mouse."""
    return f'<div class="scroll" tabindex="0" role="region" aria-label="{_e(name)}">'


def distribution_table(dist: dict[str, dict[str, int]], links: Links, *, parties=None) -> str:
    """Ratings as rows (meter and label), parties as columns: narrow enough for a phone."""
    columns = list(dist) if parties is None else [*parties]
    used = [r for r in [*RATINGS, "disputed"] if any(r in dist[p] for p in columns)]
    head = "".join(
        f'<th class="num" scope="col">{link(links.party(p), _e(party_label(p)))}</th>'
        if p != ALL
        else f'<th class="num" scope="col">{_e(party_label(p))}</th>'
        for p in columns
    )
    rows = "".join(
        f'<tr><th scope="row">{link(links.rating(r), meter(r))}</th>'
        + "".join(f'<td class="num">{_e(dist[p].get(r, ""))}</td>' for p in columns)
        + "</tr>"
        for r in used
    )
    return (
        scroll_open("Ratings by party")
        + f'<table class="distribution"><thead><tr><th scope="col">Rating</th>'
        f"{head}</tr></thead><tbody>{rows}</tbody></table></div>"
    )


def _coverage_cell(cell: dict[str, Any]) -> str:
    if cell["eligible"] == 0:
        return '<td class="num">–</td>'
    return (
        f'<td class="num">{pct(cell["compliance_percent"])}<br>'
        f'<span class="muted nowrap">{cell["rated"]} of {cell["eligible"]}</span></td>'
    )


def compliance_tables(comp: dict[str, Any], links: Links, *, parties=None) -> str:
    """Per score group, one table: areas as rows, parties as columns, each cell the compliance
    percentage with how many party-items it covers."""
    parties = comp["parties"] if parties is None else parties
    columns = [*parties, ALL] if len(parties) > 1 else list(parties)
    out = []
    for name, g in comp["groups"].items():
        if all(g["by_party"].get(p, {"eligible": 0})["eligible"] == 0 for p in columns):
            continue
        head = "".join(
            f'<th class="num" scope="col">{link(links.party(p), _e(party_label(p)))}</th>'
            if p != ALL
            else f'<th class="num" scope="col">{_e(party_label(p))}</th>'
            for p in columns
        )
        rows = []
        for area in [*comp["areas"], ALL]:
            cells = []
            for p in columns:
                if p == ALL:
                    cell = g["by_area"][area]
                elif area == ALL:
                    cell = g["by_party"][p]
                else:
                    cell = g["by_party_area"][p][area]
                cells.append(cell)
            if area != ALL and all(c["eligible"] == 0 for c in cells):
                continue
            heading = "All areas" if area == ALL else link(links.area(area), _e(area))
            rows.append(
                f'<tr><th scope="row">{heading}</th>'
                + "".join(_coverage_cell(c) for c in cells)
                + "</tr>"
            )
        out.append(
            f"<h3>{_e(name.capitalize())} ({_e(', '.join(g['types']))})</h3>"
            + scroll_open(f"{name.capitalize()} compliance by area")
            + f'<table class="compliance"><thead><tr><th scope="col">Area</th>'
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        )
    return "".join(out)


def _grid_cell(cell: dict[str, Any]) -> str:
    if cell["rating"] == "tracked":
        return '<td class="muted">tracked</td>'
    value = "" if cell["score"] is None else (f" ({cell['score']:+d})" if cell["score"] else " (0)")
    who = ""
    if cell["coder"]:
        review = {"approved": "reviewed", "rejected": "sent back"}.get(
            cell["review"] or "", "not reviewed"
        )
        who = f'<br><span class="muted">{_e(cell["coder"])}, {review}</span>'
    recal = '<br><span class="muted">recalibrated</span>' if cell["recalibrated"] else ""
    return f"<td>{status(cell['rating'])}{value}{who}{recal}</td>"


def grid_table(rows: list[dict[str, Any]], parties: list[str], links: Links) -> str:
    head = "".join(f'<th scope="col">{link(links.party(p), _e(p))}</th>' for p in parties)
    body = "".join(
        f'<tr><th scope="row">{link(links.commitment(r["id"]), _e(r["id"]), class_="id")} '
        f"{_e(r['title'])}</th>"
        f'<td class="wide-only">{_e(r["type"])}</td>'
        + "".join(_grid_cell(r["cells"][p]) if p in r["cells"] else "<td></td>" for p in parties)
        + "</tr>"
        for r in rows
    )
    return (
        scroll_open("Commitments by party")
        + f'<table class="{"grid few" if len(parties) <= 3 else "grid"}"><thead><tr>'
        '<th scope="col">Commitment</th>'
        f'<th scope="col" class="wide-only">Type</th>{head}</tr></thead><tbody>{body}</tbody>'
        "</table></div>"
    )


# --------------------------------------------------------------------------- evidence


def event_item(
    e: dict[str, Any], *, cid: str | None = None, links: Links | None = None, anchor: bool = True
) -> str:
    """One piece of evidence (or a rating) on a timeline: its date, party, stance, text, every
    source, and its short ID; its element ID (with `anchor`) is the event's uuid, so ratings
    can cite it."""
    party = f" [{_e(e['party'])}]" if e["party"] else ""
    stance = (
        "" if e["stance"] == "supports" else f' <strong class="stance">{_e(e["stance"])}</strong>'
    )
    if e["kind"] in ("status", "assessment"):
        what = f"rated {status(e['status'])}"
        if e.get("period"):
            what += f" for the {_e(e['period'])} period"
        what += f": {text(e['text'])}" if e["text"] else ""
    elif e["kind"] == "measure" and e.get("value") is not None:
        what = f"reading <strong>{_e(number(e['value']))}</strong>" + (
            f": {text(e['text'])}" if e["text"] else ""
        )
    else:
        what = text(e["text"])
    head = ""
    if cid and links is not None:
        head = f"{link(links.commitment(cid), _e(cid), class_='id')}: "
    ident = f' id="e-{_e(e["event"])}"' if anchor else ""
    return (
        f"<li{ident}>{head}{date(e['happened_on'])}{party}{stance} {what}"
        f'{sources(e["sources"])} <span class="muted">({_e(e["event"][:8])})</span></li>'
    )


def evidence_list(evidence: list[dict[str, Any]]) -> str:
    return '<ol class="events">' + "".join(event_item(e) for e in evidence) + "</ol>"


# --------------------------------------------------------------------------- methodology


def _score_text(value: int | None) -> str:
    return "left out" if value is None else f"{value:+d}"


def methodology(data: dict[str, Any], *, level: int = 3) -> str:
    """The method as the report states it: types, ratings, coverage, periods, succession,
    disputes and deadlines, and the meetings' sources."""
    m = data["methodology"]
    h = f"h{level}"
    types = "".join(
        f"<li><code>{_e(name)}</code>: {_e(t['meaning'])} "
        + (_e("Ratings: " + ", ".join(t["ratings"]) + ".") if t["ratings"] else "Never rated.")
        + "</li>"
        for name, t in m["types"].items()
    )
    ratings = "".join(
        f"<li>{meter(name)} <code>{_e(name)}</code> ({_score_text(r['score'])}): "
        f"{_e(r['meaning'])}</li>"
        for name, r in m["ratings"].items()
    )
    meeting_sources = "".join(
        "<li>"
        + _e(", ".join(x for x in (s.get("publisher"), s.get("title")) if x))
        + (" " + escape.html_link(s.get("url"), s.get("url")) if s.get("url") else "")
        + "</li>"
        for meeting in data["meetings"]
        for s in meeting["sources"]
    )
    return (
        f"<{h}>Types</{h}><ul>{types}</ul>"
        f'<{h}>Ratings</{h}><ul class="ratings-list">{ratings}</ul>'
        f"<p>{_e(m['not_yet_rated'])}</p><p>{_e(m['coverage'])} {_e(m['groups'])} "
        f"Percentages are {_e(m['percent'])}.</p><p>{_e(m['periods'])}</p>"
        f"<p><strong>Succession.</strong> {_e(m['succession'])}</p>"
        f"<p><strong>Disputes.</strong> {_e(m['disputes'])}</p>"
        f"<p>Overdue: {_e(m['overdue'])}. Due soon: within {m['due_soon_days']} days. "
        f"No news: {_e(m['stale'])}. As of: {_e(m['as_of'])}.</p>"
        + (f"<p>Meeting sources:</p><ul>{meeting_sources}</ul>" if meeting_sources else "")
    )


def agreement(a: dict[str, Any] | None, links: Links) -> str:
    if not a:
        return ""
    kappa = "undefined" if a["kappa"] is None else f"{a['kappa']:.2f}"
    weighted = "undefined" if a["weighted_kappa"] is None else f"{a['weighted_kappa']:.2f}"
    items = "".join(
        f"<li>{link(links.commitment(d['commitment']), _e(d['commitment']))} "
        f"({_e(d['party'])}): "
        + _e(", ".join(f"{c} {r}" for c, r in d["ratings"].items()))
        + "</li>"
        for d in a["disagreements"]
    )
    return (
        f"<p>{a['items']} party-items double-coded by {_e(', '.join(a['coders']))}: "
        f"{a['agreed']} agree ({a['percent_agreement']:.0f}%); Cohen's kappa {kappa}, "
        f"weighted kappa {weighted}.</p>"
        + (f"<p>{_e(a['note'])}.</p>" if a["note"] else "")
        + (f"<ul>{items}</ul>" if items else "")
    )


# --------------------------------------------------------------------------- the page


def page(
    *,
    title: str,
    body: str,
    css: str | None = None,
    stylesheet: str | None = None,
    description: str | None = None,
    feed: str | None = None,
    header: str = "",
    footer: str = "",
) -> str:
    """A whole HTML document: the stylesheet inline (`css`) or linked (`stylesheet`, a
    relative address), a skip link, the header, <main id="main"> and the footer."""
    head = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="{GENERATOR}">',
        f"<title>{_e(title)}</title>",
    ]
    if description:
        head.append(f'<meta name="description" content="{_e(description)}">')
    if stylesheet:
        head.append(f'<link rel="stylesheet" href="{_e(stylesheet)}">')
    if feed:
        head.append(
            f'<link rel="alternate" type="application/atom+xml" title="New evidence" '
            f'href="{_e(feed)}">'
        )
    if css:
        head.append(f"<style>{css}</style>")
    return (
        "\n".join(head)
        + '</head><body><a class="skip" href="#main">Skip to the content</a>\n'
        + header
        + f'\n<main id="main">\n{body}\n</main>\n'
        + footer
        + "\n</body></html>\n"
    )


# --------------------------------------------------------------------------- the report


def render_html(data: dict[str, Any]) -> str:
    """Return the report as one self-contained HTML document."""
    title = title_of(data)
    links = Links()
    meetings = data["meetings"]
    if len(meetings) == 1:
        intro = text(". ".join(x for x in (meetings[0]["place"], meetings[0]["context"]) if x))
    else:
        intro = "; ".join(f"{_e(m['title'])}, {date(m['date'])}" for m in meetings)
    header = f'<header><h1>{text(title)}</h1><p class="meta">{intro}</p></header>'
    parts = [
        _headline(data, links),
        _distribution(data, links),
        _compliance(data, links),
        _status_by_area(data),
        _grid(data, links),
        _agreement(data, links),
        _deadlines(data, links),
        _stale(data, links),
    ]
    if data["changes"] is not None:
        parts.append(_changes(data["changes"], links))
    parts += [_timeline(data), _commitments(data, links)]
    return page(
        title=title,
        body="\n".join(p for p in parts if p),
        css=CSS,
        header=header,
        footer=_footer(data),
    )


def _headline(data, links: Links) -> str:
    when = window_words(data, lambda day: f"<strong>{date(day)}</strong>")
    period = data["period"]
    scope = " Each figure takes the latest rating of each party-item, whatever its period."
    if period:
        scope = (
            f" The <strong>{_e(period['name'])}</strong> period runs "
            f"{period_span(period, date)}: ratings made for it, on the evidence up to "
            f"{date(data['as_of'])}."
        )
    return (
        f'<section id="headline"><h2>Headline</h2><p>{when}.{scope}</p>'
        + headline_figures(data)
        + by_party(data, links)
        + "</section>"
    )


def _distribution(data, links: Links) -> str:
    return (
        '<section id="distribution"><h2>Ratings by party</h2>'
        "<p>How many party-items each rating covers. Principles and positions are tracked, "
        "not rated.</p>" + distribution_table(data["distribution"], links) + "</section>"
    )


COMPLIANCE_NOTE = (
    "<p>Average score (+1 kept, 0 partial or in the works, −1 not kept) as a percentage, "
    "(score + 1) / 2 × 100, with how many party-items it covers. Not yet rated, unclear "
    "and disputed items are left out; deliverables and assurances are never pooled. Each "
    "party-item counts with its latest rating, whatever compliance period it was made for "
    "(each commitment's page gives the rating of every period).</p>"
)


PERIOD_NOTE = COMPLIANCE_NOTE.split(" Each party-item counts")[0] + "</p>"


def _compliance(data, links: Links) -> str:
    comp = data["compliance"]
    chart = charts.compliance_by_party(comp["groups"]["deliverables"]["by_party"], comp["parties"])
    return (
        '<section id="compliance"><h2>Compliance, with coverage</h2>'
        + chart
        + (COMPLIANCE_NOTE if not data["period"] else PERIOD_NOTE)
        + compliance_tables(comp, links)
        + "</section>"
    )


def status_counts(grid: list[dict[str, Any]]) -> tuple[dict[str, dict[str, int]], list[str]]:
    """({area: {status: count}}, the statuses in use, in chart order)."""
    by_area: dict[str, Counter] = {}
    for row in grid:
        by_area.setdefault(row["area"], Counter())[row["status"]] += 1
    statuses = [s for s in charts.STATUS_COLOURS if any(c[s] for c in by_area.values())]
    return {a: dict(by_area[a]) for a in sorted(by_area)}, statuses


def status_table(by_area: dict[str, dict[str, int]], statuses: list[str], links: Links) -> str:
    head = "".join(f'<th class="num" scope="col">{status(s)}</th>' for s in statuses)
    rows = []
    for area, counts in by_area.items():
        cells = "".join(f'<td class="num">{counts.get(s) or ""}</td>' for s in statuses)
        rows.append(
            f'<tr><th scope="row">{link(links.area(area), _e(area))}</th>{cells}'
            f'<td class="num">{sum(counts.values())}</td></tr>'
        )
    return (
        scroll_open("Status by area")
        + f'<table class="status-table"><thead><tr><th scope="col">Area</th>'
        f'{head}<th class="num" scope="col">Total</th></tr></thead><tbody>{"".join(rows)}'
        "</tbody></table></div>"
    )


def _status_by_area(data) -> str:
    by_area, statuses = status_counts(data["grid"])
    return (
        '<section id="status-by-area"><h2>Status by area</h2>'
        + charts.status_by_area(by_area, statuses)
        + status_table(by_area, statuses, Links())
        + "</section>"
    )


def _grid(data, links: Links) -> str:
    rows = [r for r in data["grid"] if TYPES[r["type"]].scored]
    if not rows:
        return ""
    return (
        '<section id="grid"><h2>Commitments by party</h2><p>The rating that counts, its score, '
        "who rated it and whether a reviewer signed it off.</p>"
        + grid_table(rows, data["compliance"]["parties"], links)
        + "</section>"
    )


def _agreement(data, links: Links) -> str:
    if not data["agreement"]:
        return ""
    return (
        '<section id="agreement"><h2>Agreement between coders</h2>'
        + agreement(data["agreement"], links)
        + "</section>"
    )


def brief_list(rows, links: Links, *, overdue: bool) -> str:
    items = []
    for r in rows:
        due = (
            f'<span class="overdue">overdue since {date(r["due"])}</span>'
            if overdue
            else f"due {date(r['due'])}"
        )
        items.append(
            f"<li>{link(links.commitment(r['id']), _e(r['id']), class_='id')} {_e(r['title'])}: "
            f"{due}, {status(r['status'])}</li>"
        )
    return "<ul>" + "".join(items) + "</ul>"


def _deadlines(data, links: Links) -> str:
    days = data["methodology"]["due_soon_days"]
    body = []
    if data["overdue"]:
        body.append("<h3>Overdue</h3>" + brief_list(data["overdue"], links, overdue=True))
    if data["due_soon"]:
        body.append(
            f"<h3>Due within {days} days</h3>" + brief_list(data["due_soon"], links, overdue=False)
        )
    if not body:
        body.append(
            f"<p>Nothing open is overdue, and nothing falls due in the next {days} days.</p>"
        )
    return '<section id="deadlines"><h2>Overdue and due soon</h2>' + "".join(body) + "</section>"


def _stale(data, links: Links) -> str:
    stale = data["stale"]
    if not stale["commitments"]:
        body = f"<p>Every open commitment has an event since {date(stale['cutoff'])}.</p>"
    else:
        items = "".join(
            f"<li>{link(links.commitment(r['id']), _e(r['id']), class_='id')} {_e(r['title'])}: "
            f"{status(r['status'])}, last event {date(r['last_update'])}"
            + ("" if r["evidence"] else ' <span class="muted">(no evidence yet)</span>')
            + "</li>"
            for r in stale["commitments"]
        )
        body = (
            f"<p>{len(stale['commitments'])} open commitments have no event since "
            f"{date(stale['cutoff'])}.</p><ul>{items}</ul>"
        )
    return f'<section id="stale"><h2>No news in {_e(stale["duration"])}</h2>{body}</section>'


def _changes(changes, links: Links) -> str:
    items = [
        f"<li>{link(links.commitment(t['id']), _e(t['id']), class_='id')} ({_e(t['party'])}) "
        f"{status(t['from'])} → {status(t['to'])}</li>"
        for t in changes["transitions"]
    ]
    # the same events appear again under their commitments: no duplicate element IDs
    notes = [
        event_item(e, cid=e["commitment"], links=links, anchor=False) for e in changes["evidence"]
    ]
    became = [
        f"<li>{link(links.commitment(r['id']), _e(r['id']), class_='id')} {_e(r['title'])}: "
        f"due {date(r['due'])}</li>"
        for r in changes["became_overdue"]
    ]
    return (
        f'<section id="changes"><h2>What changed since {date(changes["since"])}</h2>'
        "<h3>Rating changes</h3>"
        + (f"<ul>{''.join(items)}</ul>" if items else "<p>No rating changed.</p>")
        + "<h3>New evidence</h3>"
        + (f'<ol class="events">{"".join(notes)}</ol>' if notes else "<p>No new evidence.</p>")
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


def commitment_status_line(c: dict[str, Any], links: Links) -> str:
    due = "none"
    if c["due"]:
        due = date(c["due"]) + (' <span class="overdue">OVERDUE</span>' if c["overdue"] else "")
    shown = status(c["status"])
    if c["status_detail"]:
        shown += f" {_e(c['status_detail'])}"
    kind = c["type"] + (f", {c['formality']}" if c["formality"] else "")
    parties = ", ".join(link(links.party(p), _e(p)) for p in c["parties"])
    return f"<p>{shown} · {parties} ({_e(kind)}) · due {due}</p>"


def promise(c: dict[str, Any], *, listed: bool = False) -> str:
    """What was promised: the summary, the quote with who said it, and its sources (inline,
    or `listed` one a line)."""
    out = []
    if c["summary"]:
        out.append(f"<p>{text(c['summary'])}</p>")
    inline = "" if listed else sources(c["sources"])
    if c["quote"]:
        by = f" ({text(c['quote_by'])})" if c["quote_by"] else ""
        out.append(f"<blockquote><p>“{text(c['quote'])}”{by}{inline}</p></blockquote>")
    elif c["sources"] and not listed:
        out.append(f"<p>Source: {sources(c['sources'], bracket=False)}</p>")
    if listed and c["sources"]:
        out.append(f"<p>Sources:</p>{source_list(c['sources'])}")
    return "".join(out)


def _commitments(data, links: Links) -> str:
    out = ['<section id="commitments"><h2>Commitments by area</h2>']
    for area in data["areas"]:
        out.append(f"<h3>{_e(area_title(area['area']))}</h3>")
        for c in area["commitments"]:
            out.append(
                f'<article class="commitment" id="{_e(c["id"])}">'
                f"<h4>{_e(c['id'])}: {_e(c['title'])}</h4>"
                + commitment_status_line(c, links)
                + promise(c)
            )
            if c["guideline"]:
                out.append(f"<p><strong>Guideline:</strong> {text(c['guideline'])}</p>")
            if c["metric"]:
                out.append(f"<p><strong>Metric:</strong> {text(metric_line(c['metric']))}</p>")
            ratings = [
                f"<li>{text(rating_words(p, r)).replace('**', '')}"
                + (f": {text(r['rationale'])}" if r["rationale"] else "")
                + "</li>"
                for p, r in c["ratings"].items()
                if r["rating"] != "tracked"
            ]
            if ratings:
                out.append(f'<ul class="ratings">{"".join(ratings)}</ul>')
            if c["evidence"]:
                out.append(
                    f"<details open><summary>Evidence ({len(c['evidence'])})</summary>"
                    + evidence_list(c["evidence"])
                    + "</details>"
                )
            else:
                out.append('<p class="muted">No evidence recorded yet.</p>')
            out.append("</article>")
    out.append("</section>")
    return "".join(out)


def _footer(data) -> str:
    stamp = f"Generated {_e(data['generated_at'])} " if data["generated_at"] else "Generated "
    return (
        '<footer id="methodology"><h2>Methodology</h2>'
        + methodology(data)
        + f'<p class="muted">{stamp}by {_e(data["generator"])} from '
        f"<code>{_e(data['database'])}</code>.</p></footer>"
    )
