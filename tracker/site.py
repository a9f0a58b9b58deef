"""`track site DIR`: the tracker as a static website.

An index of every commitment with its rating as a meter and the headline with its coverage;
pages that filter it by area, party, type and rating (one page per value: no JavaScript); a
page per commitment (what was promised, the guideline, each party's rating per period with
its rationale, coder and review, every piece of evidence with its sources, the metric chart,
related commitments); a scorecard per party; a page per meeting; the methodology; and an Atom
feed of the newest evidence.

Every link is relative and names its `index.html`, so the folder works from disk, from any
web server and from GitHub Pages; no page makes an external request. The same data gives the
same bytes (nothing depends on the clock unless `generated_at` is given, and then only the
index and the feed), and a file is rewritten only when its bytes change, whole (via
`files.atomic_write`). Files a previous build wrote and this one does not (a withdrawn
commitment's page) are removed; nothing else in the folder is touched."""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import html as _html
import json
import os
import re
import stat
from collections import Counter, defaultdict, deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tracker import __version__, charts, escape
from tracker import html as T
from tracker.derived import fold, period_starts
from tracker.errors import TrackError
from tracker.files import FileRefused, atomic_write, protected_files
from tracker.html import GENERATOR
from tracker.report import build_report, figure, metric_line, period_span, rating_record
from tracker.scores import ALL, Item, distribution, grouped
from tracker.store import Store
from tracker.vocabulary import RATINGS, TYPES, natural_key

MANIFEST = ".track-site.json"
FEED_ENTRIES = 50
TIMELINE_LIMIT = 150  # a meeting page draws the timeline of up to this many commitments
TAG = "tag:track-summits,2024:"
_e = escape.html


@dataclasses.dataclass(frozen=True)
class SiteSummary:
    """What a build did: files written (new or changed), left as they were, and removed (a
    previous build's files that this one no longer makes); paths relative to the folder."""

    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]

    @property
    def files(self) -> int:
        return len(self.written) + len(self.unchanged)


# --------------------------------------------------------------------------- addresses


def _slug(text: str, fallback: str) -> str:
    cleaned = re.sub(r"[^a-z0-9~]+", "-", str(text).lower()).strip("-")
    return cleaned if cleaned and cleaned not in (".", "..") else fallback


def _slugs(values: Iterable[str], fallback: str) -> dict[str, str]:
    """{value: folder name} in the order given, unique: a clash gets -2, -3 (decided in
    sorted order, so a name does not depend on the order given)."""
    ordered = list(dict.fromkeys(values))
    found: dict[str, str] = {}
    used: set[str] = set()
    for value in sorted(ordered):
        base = _slug(value, fallback)
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name)
        found[value] = name
    return {value: found[value] for value in ordered}


class Addresses:
    """The folder of every page, decided once per build."""

    def __init__(self, ids, areas, parties, meetings, ratings, types):
        self.commitments = _slugs(ids, "commitment")
        self.areas = _slugs(areas, "area")
        self.parties = _slugs(parties, "party")
        self.meetings = _slugs(meetings, "meeting")
        self.ratings = _slugs(ratings, "rating")
        self.types = _slugs(types, "type")


class SiteLinks(T.Links):
    """Relative links from a page `depth` folders below the site's root."""

    def __init__(self, where: Addresses, depth: int):
        self.where = where
        self.up = "../" * depth

    def _to(self, table: dict[str, str], folder: str, key: str) -> str | None:
        name = table.get(key)
        return None if name is None else f"{self.up}{folder}/{name}/index.html"

    def commitment(self, cid):
        return self._to(self.where.commitments, "commitments", cid)

    def event(self, cid, uuid):
        page = self.commitment(cid)
        return None if page is None else f"{page}#e-{uuid}"

    def area(self, area):
        return self._to(self.where.areas, "areas", area)

    def party(self, party):
        return self._to(self.where.parties, "parties", party)

    def meeting(self, slug):
        return self._to(self.where.meetings, "meetings", slug)

    def type(self, name):
        return self._to(self.where.types, "types", name)

    def rating(self, rating):
        return self._to(self.where.ratings, "ratings", rating)

    def page(self, name):
        if name == "home":
            return f"{self.up}index.html"
        if name == "feed":
            return f"{self.up}feed.xml"
        if name == "style":
            return f"{self.up}style.css"
        return f"{self.up}{name}/index.html"


def commitment_path(where: Addresses, cid: str) -> str:
    return f"commitments/{where.commitments[cid]}/index.html"


# --------------------------------------------------------------------------- writing


class Writer:
    """Writes files under the site's folder, each only when its bytes differ from what is
    there, each whole (atomic_write: a temporary file, flushed to disk, renamed into place);
    remembers what it made for the manifest.

    The writes themselves run on a few threads: flushing ten thousand pages one after the
    other spends most of a build waiting for the disk. `finish` waits for every write and
    raises the first error; a page is only reported written once it is in place."""

    THREADS = 8
    BACKLOG = 256  # pages waiting to be written, at most (bounds the memory they hold)

    def __init__(self, folder: Path, database: Path):
        self.folder = folder
        self.database = database
        self.made: list[str] = []
        self.written: list[str] = []
        self.unchanged: list[str] = []
        self._pool: ThreadPoolExecutor | None = None
        self._pending: deque[Future] = deque()
        self._folders: set[Path] = set()

    def write(self, relative: str, content: str | bytes) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        self.made.append(relative)
        target = self.folder / relative
        if target.parent not in self._folders:
            _refuse_links(self.folder, target.parent)
        if target.is_symlink():
            raise FileRefused(_LINK_REFUSED.format(path=target))
        try:
            if target.stat().st_size == len(data) and target.read_bytes() == data:
                self.unchanged.append(relative)
                return
        except FileNotFoundError:
            pass
        except OSError as error:
            raise FileRefused(f"Cannot read {target}: {error.strerror}.") from None
        if target.parent not in self._folders:
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise FileRefused(f"Cannot create {target.parent}: {error.strerror}.") from None
            self._folders.add(target.parent)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.THREADS, thread_name_prefix="track-site")
        self.written.append(relative)
        self._pending.append(self._pool.submit(self._write, target, data))
        while len(self._pending) > self.BACKLOG:
            self._pending.popleft().result()

    def _write(self, target: Path, data: bytes) -> None:
        with atomic_write(target, database=self.database, binary=True) as handle:
            handle.write(data)

    def finish(self) -> None:
        """Wait for every write; raise the first error."""
        try:
            while self._pending:
                self._pending.popleft().result()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None


def _previous(folder: Path) -> list[str] | None:
    """The files the previous build made (from its manifest), or None if there is none."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = data["files"]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        raise TrackError(
            f"{folder / MANIFEST} is damaged; remove the folder's contents and build again."
        ) from None
    return [f for f in files if isinstance(f, str)]


_LINK_REFUSED = (
    "{path} is a symbolic link; track site writes and removes no file through a link (remove "
    "it and build again)."
)


def _refuse_links(folder: Path, path: Path) -> None:
    """Raise FileRefused if `path`, or a folder between `folder` and it, is a symbolic link
    (a page written or removed through it would land outside the site)."""
    for part in [path, *path.parents]:
        if part == folder or folder not in part.parents:
            return
        if part.is_symlink():
            raise FileRefused(_LINK_REFUSED.format(path=part))


def _inside(folder: Path, relative: str) -> Path | None:
    """The file `relative` names in `folder`, or None if it would fall outside it."""
    parts = Path(relative).parts
    if not parts or Path(relative).is_absolute() or ".." in parts:
        return None
    return folder.joinpath(*parts)


def _made_by_track(folder: Path, relative: str, database: Path) -> Path | None:
    """The page of an old build that `relative` names, if it is one track made: an index.html
    inside the folder, reached through no symbolic link, not the database, and marked with
    the generator's name. Anything else a manifest lists (it may have been edited, and is
    often kept in git) is left alone."""
    target = _inside(folder, relative)
    if (
        target is None
        or target.name != "index.html"
        or relative != target.relative_to(folder).as_posix()
    ):
        return None  # track writes its manifest in canonical form: no "./", "//" or "\\"
    try:
        _refuse_links(folder, target)
        info = target.lstat()
        if not stat.S_ISREG(info.st_mode) or info.st_dev != folder.stat().st_dev:
            return None  # not a plain file, or on another file system mounted inside
        if any(os.path.samefile(target, p) for p in protected_files(database) if p.exists()):
            return None
        with target.open("rb") as handle:
            head = handle.read(1024)
    except (OSError, FileRefused):
        return None
    return target if f'<meta name="generator" content="{GENERATOR}">'.encode() in head else None


def _check_folder(folder: Path) -> list[str]:
    if folder.exists() and not folder.is_dir():
        raise FileRefused(f"Cannot build the site in {folder}: it is not a folder.")
    if not folder.exists():
        try:
            folder.mkdir(parents=True)
        except OSError as error:
            raise FileRefused(f"Cannot create {folder}: {error.strerror}.") from None
        return []
    previous = _previous(folder)
    if previous is None:
        if any(folder.iterdir()):
            raise TrackError(
                f"{folder} is not empty and holds no site made by track; choose a new or "
                "empty folder."
            )
        return []
    return previous


def _remove(folder: Path, stale: Iterable[str], database: Path) -> list[str]:
    removed = []
    for relative in sorted(stale):
        target = _made_by_track(folder, relative, database)
        if target is None:
            continue
        target.unlink()
        removed.append(relative)
        parent = target.parent
        while parent != folder:
            try:
                parent.rmdir()  # only if empty
            except OSError:
                break
            parent = parent.parent
    return removed


# --------------------------------------------------------------------------- data


@dataclasses.dataclass
class Row:
    """What the lists show of one commitment."""

    id: str
    title: str
    meeting: str
    area: str
    type: str
    parties: list[str]
    status: str
    ratings: dict[str, str]
    due: str | None
    overdue: bool
    evidence: int
    last_update: str


def _party_names(meetings: list[dict[str, Any]]) -> dict[str, str]:
    names: dict[str, str] = {}
    for m in meetings:
        for code, name in (m.get("party_names") or {}).items():
            names.setdefault(code, name)
    return names


def _day_time(day: str) -> str:
    return f"{day}T00:00:00Z"


def _utc(stamp: str) -> str:
    """An ISO time as RFC 3339 UTC (a time without an offset is taken as local time)."""
    try:
        moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- the build


def site_title(meetings: list[dict[str, Any]]) -> str:
    """ "Commitment tracker: <first meeting>" (and how many later meetings)."""
    if not meetings:
        return "Commitment tracker"
    if len(meetings) == 1:
        return f"Commitment tracker: {meetings[0]['title']}"
    others = len(meetings) - 1
    return (
        f"Commitment tracker: {meetings[0]['title']} and {others} later "
        f"meeting{'s' if others != 1 else ''}"
    )


def build_site(
    store: Store,
    folder: Path,
    *,
    today: dt.date,
    generated_at: str | None = None,
    title: str | None = None,
    base_url: str | None = None,
    meeting: str | None = None,
) -> SiteSummary:
    """Write the tracker's website into `folder` (created if missing; refused if it holds
    anything but a site track made) and return what was written, left alone and removed.

    Ratings, overdue deadlines and the headline are as of `today`; everything else on a page
    comes from the data, so the same data gives the same bytes. `generated_at` (an ISO time)
    is printed on the index and dates the feed; leave it out for reproducible builds.
    `base_url` (the address the site is published at) makes the feed's links absolute. With
    `meeting`, the site holds that meeting's commitments alone (links to others are text)."""
    folder = Path(folder)
    previous = _check_folder(folder)
    if meeting is not None:
        meeting = store.meeting(meeting).slug
    site = _Site(
        store, folder, today=today, generated_at=generated_at, title=title, meeting=meeting
    )
    site.base_url = base_url.rstrip("/") + "/" if base_url else None
    try:
        site.build()
    finally:
        site.out.finish()
    made = sorted(site.out.made)
    manifest = json.dumps({"generator": "track site", "files": made}, indent=1) + "\n"
    removed = _remove(folder, set(previous) - set(made) - {MANIFEST}, store.path)
    site.out.write(MANIFEST, manifest)
    site.out.finish()
    written = tuple(f for f in site.out.written if f != MANIFEST)
    unchanged = tuple(f for f in site.out.unchanged if f != MANIFEST)
    return SiteSummary(written=written, unchanged=unchanged, removed=tuple(removed))


class _Site:
    def __init__(self, store: Store, folder: Path, *, today, generated_at, title, meeting=None):
        self.store = store
        self.today = today
        self.generated_at = generated_at
        self.out = Writer(folder, store.path)
        self.base_url: str | None = None
        self.data = build_report(store, today=today, stream=True, meeting=meeting)
        self.data["grid"] = list(self.data["grid"])  # read several times here
        meetings = self.data["meetings"]
        self.meetings = {m["slug"]: m for m in meetings}
        self.brand = title or "Commitment tracker"
        self.title = title or site_title(meetings)
        self.names = _party_names(meetings)
        self.parties = self.data["compliance"]["parties"]
        self.commitments = {
            k: c for k, c in store.commitments().items() if meeting is None or c.meeting == meeting
        }
        grid = self.data["grid"]
        used_ratings = {cell["rating"] for r in grid for cell in r["cells"].values()}
        self.rating_order = [r for r in [*RATINGS, "disputed", "tracked"] if r in used_ratings]
        self.where = Addresses(
            ids=[r["id"] for r in grid],
            areas=self.data["compliance"]["areas"],
            parties=self.parties,
            meetings=list(self.meetings),
            ratings=self.rating_order,
            types=[t for t in TYPES if any(r["type"] == t for r in grid)],
        )
        self.links_in: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for other in self.commitments.values():
            for item in other.links:
                self.links_in[item["to"]].append((other.id, item["relation"], other.meeting))
        self.period_starts = period_starts(store.conn)
        self.periods: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for p in self.data["periods"]:
            self.periods[p["meeting"]].append(p)
        self.rows: list[Row] = []
        self.latest = ""  # the newest evidence or rating in the data
        self.feed: list[tuple[tuple, dict[str, Any]]] = []
        sizes = Counter(c.meeting for c in self.commitments.values())
        self.drawn = {m for m, n in sizes.items() if n <= TIMELINE_LIMIT}
        self.timelines: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._counts: list | None = None
        self._items: dict[tuple[str, str], str] = {}  # list items, by (ID, depth prefix)

    # ------------------------------------------------------------------ shell

    def page(self, path: str, *, title: str, body: str, crumbs=(), description=None) -> None:
        depth = path.count("/")
        links = SiteLinks(self.where, depth)
        nav_items = [
            ("Commitments", links.page("home"), "home"),
            ("Parties", links.page("parties"), "parties"),
            ("Meetings", links.page("meetings"), "meetings"),
            ("Areas", links.page("areas"), "areas"),
            ("Methodology", links.page("methodology"), "methodology"),
            ("Feed", links.page("feed"), "feed"),
        ]
        section = path.split("/")[0] if "/" in path else "home"
        section = "home" if section in ("commitments", "types", "ratings") else section
        items = "".join(
            "<li>"
            + T.link(href, _e(name), **({"aria_current": "page"} if key == section else {}))
            + "</li>"
            for name, href, key in nav_items
        )
        header = (
            f'<header><nav class="site-nav" aria-label="Site">'
            f'<a class="brand" href="{_e(links.page("home"))}">{_e(self.brand)}</a>'
            f"<ul>{items}</ul></nav>"
        )
        if crumbs:
            trail = " › ".join(
                T.link(href, _e(words)) if href else _e(words) for words, href in crumbs
            )
            header += f'<p class="crumbs">{trail}</p>'
        header += "</header>"
        # Only the index says how current the data is (and when it was built): a date on
        # every page would rewrite every page whenever one piece of evidence is added.
        when = ""
        if path == "index.html":
            when = (
                f" Evidence up to {T.date(self.latest or 'none')}; deadlines as of "
                f"{T.date(self.today.isoformat())}."
            )
            if self.generated_at:
                when += f" Generated {_e(self.generated_at)}."
        footer = (
            '<footer><p class="muted">'
            f"Made with track {_e(__version__)}: every rating cites its evidence, every piece "
            f"of evidence its sources.{when} "
            f"{T.link(links.page('methodology'), 'How ratings are made')} · "
            f"{T.link(links.page('feed'), 'Atom feed of new evidence')}</p></footer>"
        )
        document = T.page(
            title=f"{title} · {self.title}" if path != "index.html" else self.title,
            body=body,
            stylesheet=links.page("style"),
            description=description,
            feed=links.page("feed"),
            header=header,
            footer=footer,
        )
        self.out.write(path, document)

    def links(self, path: str) -> SiteLinks:
        return SiteLinks(self.where, path.count("/"))

    # ------------------------------------------------------------------ build

    def build(self) -> None:
        self.out.write("style.css", SITE_CSS)
        self.out.write(".nojekyll", "")
        for area in self.data["areas"]:
            self._area_batch(list(area["commitments"]))
        self.rows.sort(key=lambda r: natural_key(r.id))
        self._index()
        self._filters()
        self._parties()
        self._meetings()
        self._areas_page()
        self._methodology()
        self._feed()

    def _area_batch(self, entries: list[dict[str, Any]]) -> None:
        """Write the pages of one area's commitments (their states are in memory only while
        this area is written). Each commitment's events are read once and folded once per
        compliance period of its meeting, for its ratings per period."""
        by_period: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        wanted = {
            self.commitments[e["id"]].uid: (
                e["id"],
                [p["name"] for p in self.periods[e["meeting"]]],
            )
            for e in entries
            if e["id"] in self.commitments and self.periods.get(e["meeting"])
        }
        if wanted:
            today = self.today.isoformat()
            for uid, events in self.store.events_of(list(wanted)).items():
                cid, names = wanted[uid]
                for name in names:
                    state = fold(events, as_of=today, period=name, periods=self.period_starts)
                    by_period[cid][name] = {
                        party: rating_record(r, state) for party, r in state.party_ratings.items()
                    }
        for c in entries:
            self._commitment(c, by_period.get(c["id"], {}))

    def _remember(self, c: dict[str, Any]) -> None:
        self.rows.append(
            Row(
                id=c["id"],
                title=c["title"],
                meeting=c["meeting"],
                area=self.commitments[c["id"]].area if c["id"] in self.commitments else "",
                type=c["type"],
                parties=list(c["parties"]),
                status=c["status"],
                ratings={p: r["rating"] for p, r in c["ratings"].items()},
                due=c["due"],
                overdue=c["overdue"],
                evidence=c["evidence_count"],
                last_update=c["last_update"],
            )
        )
        for e in c["evidence"]:
            self.latest = max(self.latest, e["happened_on"])
            key = (e["happened_on"], e["event"])
            item = (key, {**e, "commitment": c["id"], "title": c["title"]})
            if len(self.feed) < FEED_ENTRIES:
                heapq.heappush(self.feed, item)
            elif key > self.feed[0][0]:
                heapq.heapreplace(self.feed, item)
        if c["meeting"] in self.drawn:
            self.timelines[c["meeting"]].append(
                {
                    "id": c["id"],
                    "status": c["status"],
                    "evidence": [
                        {
                            "happened_on": e["happened_on"],
                            "kind": e["kind"],
                            "status": e["status"],
                            "text": (e["text"] or "")[:160],
                        }
                        for e in c["evidence"]
                    ],
                }
            )

    # ------------------------------------------------------------------ commitment pages

    def _commitment(self, c: dict[str, Any], periods: dict[str, dict[str, Any]]) -> None:
        self._remember(c)
        path = commitment_path(self.where, c["id"])
        links = self.links(path)
        area = self.commitments[c["id"]].area if c["id"] in self.commitments else ""
        meeting = self.meetings.get(c["meeting"], {"title": c["meeting"], "date": ""})
        body = [f"<h1>{_e(c['id'])}: {_e(c['title'])}</h1>"]
        rated = {p: r for p, r in c["ratings"].items() if r["rating"] != "tracked"}
        if rated:
            body.append(
                '<div class="meters">'
                + "".join(T.meter(r["rating"], party=p) for p, r in rated.items())
                + "</div>"
            )
        else:
            body.append(f"<p>{T.status('tracked')} {_e(RATING_NOTE['tracked'])}</p>")
        body.append(self._facts(c, links, area, meeting))
        body.append(
            "<h2>What was promised</h2>" + (T.promise(c, listed=True) or "<p>No summary.</p>")
        )
        if c["guideline"]:
            body.append(
                "<h2>Guideline</h2><p>What earns each rating, written before rating:</p>"
                f"<p>{T.text(c['guideline'])}</p>"
            )
        if rated:
            body.append(self._ratings(c, periods, links))
        if c["metric"]:
            readings = [
                (e["happened_on"], e["value"])
                for e in c["evidence"]
                if e["kind"] == "measure" and e["value"] is not None
            ]
            end = max([c["last_update"], c["metric"]["baseline_on"], *(d for d, _ in readings)])
            caption = ""
            if c["metric"].get("target") is not None:
                caption = (
                    '<p class="muted">Dashed: the target. Dotted: the straight path from the '
                    "baseline to the target.</p>"
                )
            body.append(
                f"<h2>Metric</h2><p>{T.text(metric_line(c['metric']))}</p>"
                + charts.metric_chart(c["metric"], readings, end=end)
                + caption
            )
        body.append(self._evidence(c))
        related = self._related(c, links)
        if related:
            body.append(related)
        crumbs = [("Commitments", links.page("home"))]
        if area:
            crumbs.append((area, links.area(area)))
        crumbs.append((c["id"], None))
        summary = c["summary"] or c["title"]
        self.page(
            path,
            title=f"{c['id']}: {c['title']}",
            body="\n".join(body),
            crumbs=crumbs,
            description=summary[:300],
        )

    def _facts(self, c, links: SiteLinks, area: str, meeting: dict[str, Any]) -> str:
        facts = [
            (
                "Made at",
                T.link(links.meeting(c["meeting"]), _e(meeting["title"]))
                + (f", {T.date(meeting['date'])}" if meeting.get("date") else ""),
            ),
            ("Area", T.link(links.area(area), _e(area))),
            (
                "Type",
                T.link(links.type(c["type"]), _e(c["type"]))
                + (f", {_e(c['formality'])}" if c["formality"] else "")
                + (", a leader's personal word" if c["personal"] else ""),
            ),
            (
                "Parties",
                ", ".join(T.link(links.party(p), _e(self._party_name(p))) for p in c["parties"]),
            ),
        ]
        if c["status_detail"]:
            facts.append(("Status", f"split: {_e(c['status_detail'])}"))
        if c["deadline"] or c["due"]:
            due = T.date(c["due"]) if c["due"] else "no date"
            words = f"“{_e(c['deadline'])}”, " if c["deadline"] else ""
            overdue = ' <strong class="overdue">overdue</strong>' if c["overdue"] else ""
            facts.append(("Deadline", f"{words}due {due}{overdue}"))
        facts.append(
            (
                "Evidence",
                f"{c['evidence_count']} piece{'s' if c['evidence_count'] != 1 else ''}; "
                f"last activity (evidence or rating) {T.date(c['last_update'])}",
            )
        )
        return (
            '<dl class="facts">'
            + "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in facts)
            + "</dl>"
        )

    def _party_name(self, code: str) -> str:
        name = self.names.get(code)
        return f"{name} ({code})" if name and name != code else code

    def _rating_card(self, party: str, r: dict[str, Any], *, period: str | None = None) -> str:
        bits = []
        if r["coder"]:
            bits.append(f"rated by {_e(r['coder'])}")
        if r.get("rated_on"):
            bits.append(f"on {T.date(r['rated_on'])}")
        if period is None and r.get("period"):
            bits.append(f"for the {_e(r['period'])} period")
        if r["confidence"]:
            bits.append(f"{_e(r['confidence'])} confidence")
        if r["coder"]:
            bits.append(
                {"approved": "reviewed", "rejected": "sent back by a reviewer"}.get(
                    r["review"] or "", "not yet reviewed"
                )
            )
        if r["recalibrated"]:
            bits.append("recalibrated")
        out = [f'<div class="rating-card"><p>{T.meter(r["rating"], party=party)}</p>']
        if bits:
            out.append(f'<p class="muted">{", ".join(bits)}</p>')
        if r["rating"] in RATING_NOTE:
            out.append(f'<p class="muted">{_e(RATING_NOTE[r["rating"]])}</p>')
        if r["disputed_between"]:
            out.append(
                "<p>Coders disagree: "
                + "; ".join(
                    f"{_e(d['coder'])} {T.status(d['rating'])}" for d in r["disputed_between"]
                )
                + "</p>"
            )
        if r["rationale"]:
            out.append(f"<p>{T.text(r['rationale'])}</p>")
        if r["evidence"]:
            cited = ", ".join(f'<a href="#e-{_e(u)}">{_e(u[:8])}</a>' for u in r["evidence"])
            out.append(f"<p>Rests on: {cited}</p>")
        out.append("</div>")
        return "".join(out)

    def _ratings(self, c, periods: dict[str, dict[str, Any]], links: SiteLinks) -> str:
        out = [
            "<h2>Ratings</h2><h3>The ratings that count now</h3>"
            "<p>For each party, the latest rating made for it (or for the whole commitment).</p>"
        ]
        for party, r in c["ratings"].items():
            out.append(self._rating_card(party, r))
        for p in self.periods.get(c["meeting"], []):
            found = periods.get(p["name"], {})
            out.append(
                f"<h3>{_e(p['name'].capitalize())} period "
                f'<span class="muted">({period_span(p, T.date)})</span></h3>'
            )
            if p.get("description"):
                out.append(f'<p class="muted">{T.text(p["description"])}</p>')
            for party in c["parties"]:
                r = found.get(party)
                if r is None or r["rating"] == "not-yet-rated" and not r["coder"]:
                    out.append(
                        f'<div class="rating-card"><p>{T.meter("not-yet-rated", party=party)}</p>'
                        '<p class="muted">No rating made for this period.</p></div>'
                    )
                else:
                    out.append(self._rating_card(party, r, period=p["name"]))
        return "".join(out)

    def _evidence(self, c) -> str:
        if not c["evidence"]:
            return "<h2>Evidence</h2><p>No evidence recorded yet.</p>"
        return (
            f'<h2>Evidence and ratings <span class="muted">({len(c["evidence"])}, oldest '
            "first)</span></h2>"
            "<p>Each piece of evidence with its date, the party it concerns, whether it supports "
            "the commitment or disputes it, and every source; ratings appear where they were "
            "made.</p>" + T.evidence_list(c["evidence"])
        )

    def _related(self, c, links: SiteLinks) -> str:
        items = []
        for item in c["links"]:
            target = item["to"]
            meeting = self.commitments[target].meeting if target in self.commitments else None
            where = f" ({_e(self.meetings[meeting]['title'])})" if meeting in self.meetings else ""
            items.append(
                f"<li>This {_e(item['relation'])} "
                f"{T.link(links.commitment(target), _e(target), class_='id')}{where}</li>"
            )
        for other, relation, meeting in sorted(
            self.links_in.get(c["id"].partition("~")[0], []), key=lambda x: natural_key(x[0])
        ):
            where = f" ({_e(self.meetings[meeting]['title'])})" if meeting in self.meetings else ""
            items.append(
                f"<li>{T.link(links.commitment(other), _e(other), class_='id')}{where} "
                f"{_e(relation)} this commitment</li>"
            )
        if not items:
            return ""
        return f"<h2>Related commitments</h2><ul>{''.join(items)}</ul>"

    # ------------------------------------------------------------------ lists

    def _item(self, row: Row, links: SiteLinks, *, party: str | None = None) -> str:
        if party is None:
            key = (row.id, links.up)
            found = self._items.get(key)
            if found is None:
                found = self._items[key] = self._render_item(row, links, party=None)
            return found
        return self._render_item(row, links, party=party)

    def _render_item(self, row: Row, links: SiteLinks, *, party: str | None) -> str:
        if party is not None:
            shown = T.meters(row.ratings.get(party, row.status), {party: row.ratings[party]})
        else:
            shown = T.meters(row.status, {p: r for p, r in row.ratings.items()})
        meeting = self.meetings.get(row.meeting, {}).get("title", row.meeting)
        meta = [_e(meeting), _e(row.area), _e(row.type), _e(", ".join(row.parties))]
        if row.due:
            due = f"due {T.date(row.due)}"
            if row.overdue:
                due = f'<strong class="overdue">overdue since {T.date(row.due)}</strong>'
            meta.append(due)
        meta.append(
            f"{row.evidence} piece{'s' if row.evidence != 1 else ''} of evidence, last activity "
            f"{T.date(row.last_update)}"
        )
        name = f'<span class="id">{_e(row.id)}</span> {_e(row.title)}'
        return (
            f'<li><div>{shown}</div><div class="what">{T.link(links.commitment(row.id), name)}'
            f'<p class="meta">{" · ".join(meta)}</p></div></li>'
        )

    def _list(self, rows: list[Row], links: SiteLinks, *, party=None, by_area=False) -> str:
        if not rows:
            return "<p>No commitments.</p>"
        if not by_area:
            return (
                '<ul class="items">'
                + "".join(self._item(r, links, party=party) for r in rows)
                + "</ul>"
            )
        out = []
        for area in sorted({r.area for r in rows}):
            mine = [r for r in rows if r.area == area]
            out.append(
                f"<h3>{T.link(links.area(area), _e(area))} "
                f'<span class="muted">({len(mine)})</span></h3>'
                '<ul class="items">'
                + "".join(self._item(r, links, party=party) for r in mine)
                + "</ul>"
            )
        return "".join(out)

    def _filters(self) -> None:
        rows = self.rows
        for area, name in self.where.areas.items():
            mine = [r for r in rows if r.area == area]
            path = f"areas/{name}/index.html"
            links = self.links(path)
            comp = self.data["compliance"]["groups"]["deliverables"]
            cells = "".join(
                f"<li>{T.link(links.party(p), _e(p))}: "
                f"{T.text(figure(comp['by_party_area'][p][area]))}</li>"
                for p in self.parties
                if comp["by_party_area"][p][area]["eligible"]
            )
            intro = (
                f"<p>{len(mine)} commitment{'s' if len(mine) != 1 else ''} in this area.</p>"
                + (
                    f"<p>Deliverables compliance in {_e(area)}:</p><ul>{cells}</ul>"
                    if cells
                    else ""
                )
            )
            self._filter_page(path, f"Area: {area}", intro, mine, ("area", area))
        for type_, name in self.where.types.items():
            mine = [r for r in rows if r.type == type_]
            path = f"types/{name}/index.html"
            intro = f"<p>{_e(TYPES[type_].meaning)}</p>"
            self._filter_page(path, f"Type: {type_}", intro, mine, ("type", type_))
        for rating, name in self.where.ratings.items():
            mine = [r for r in rows if rating in r.ratings.values()]
            path = f"ratings/{name}/index.html"
            meaning = RATINGS[rating].meaning if rating in RATINGS else RATING_NOTE.get(rating, "")
            intro = (
                f"<p>{T.meter(rating)} <code>{_e(rating)}</code>: {_e(meaning)}</p>"
                f"<p>Commitments with at least one party rated {_e(T.rating_label(rating))} "
                f"({len(mine)}).</p>"
            )
            self._filter_page(
                path, f"Rating: {T.rating_label(rating)}", intro, mine, ("rating", rating)
            )
        self._listing_page(
            "types/index.html",
            "Types of commitment",
            [
                (
                    self.links("types/index.html").type(t),
                    t,
                    Counter(r.type for r in rows)[t],
                    TYPES[t].meaning,
                )
                for t in self.where.types
            ],
        )
        counts = Counter(v for r in rows for v in set(r.ratings.values()))
        self._listing_page(
            "ratings/index.html",
            "Ratings",
            [
                (
                    self.links("ratings/index.html").rating(k),
                    T.rating_label(k),
                    counts[k],
                    RATINGS[k].meaning if k in RATINGS else RATING_NOTE.get(k, ""),
                )
                for k in self.where.ratings
            ],
        )

    def _listing_page(self, path: str, title: str, entries) -> None:
        items = "".join(
            f'<li>{T.link(href, _e(words))} <span class="muted">({n})</span>'
            + (f": {_e(note)}" if note else "")
            + "</li>"
            for href, words, n, note in entries
        )
        links = self.links(path)
        self.page(
            path,
            title=title,
            body=f"<h1>{_e(title)}</h1><ul>{items}</ul>",
            crumbs=[("Commitments", links.page("home")), (title, None)],
        )

    def _filter_page(self, path, title, intro, rows, current) -> None:
        links = self.links(path)
        body = (
            f"<h1>{_e(title)}</h1>{intro}"
            + self._filter_nav(links, current)
            + f'<h2>Commitments <span class="muted">({len(rows)})</span></h2>'
            + self._list(rows, links)
        )
        self.page(
            path,
            title=title,
            body=body,
            crumbs=[("Commitments", links.page("home")), (title, None)],
        )

    def _filter_counts(self) -> list[tuple[str, str, list[tuple[str, str, int]]]]:
        """(heading, kind, [(value, words, commitments)]) for the filters, counted once."""
        if self._counts is None:
            areas, parties, types, ratings = Counter(), Counter(), Counter(), Counter()
            for r in self.rows:
                areas[r.area] += 1
                types[r.type] += 1
                parties.update(set(r.parties))
                ratings.update(set(r.ratings.values()))
            self._counts = [
                ("Area", "area", [(a, a, areas[a]) for a in self.where.areas]),
                ("Party", "party", [(p, p, parties[p]) for p in self.where.parties]),
                ("Type", "type", [(t, t, types[t]) for t in self.where.types]),
                (
                    "Rating",
                    "rating",
                    [(k, T.rating_label(k), ratings[k]) for k in self.where.ratings],
                ),
            ]
        return self._counts

    def _filter_nav(self, links: SiteLinks, current=None) -> str:
        # Open on the index; folded on a filter page (one tap away), so that on a phone the
        # list it filters comes first. No script: <details> opens by itself.
        state = "" if current else " open"
        out = ['<nav class="filters" aria-label="Filter the commitments">'
               f"<details{state}><summary>Filter the commitments</summary><dl>"]  # fmt: skip
        for heading, kind, values in self._filter_counts():
            items = []
            for key, words, n in values:
                href = getattr(links, kind)(key)
                attrs = {"aria_current": "page"} if current == (kind, key) else {}
                items.append(
                    f'<li>{T.link(href, _e(words), **attrs)} <span class="muted">({n})</span></li>'
                )
            out.append(f"<dt>{heading}</dt><dd><ul>{''.join(items)}</ul></dd>")
        all_attrs = {"aria_current": "page"} if current is None else {}
        out.append(
            f"<dt>All</dt><dd><ul><li>{T.link(links.page('home'), 'Every commitment', **all_attrs)}"
            f' <span class="muted">({len(self.rows)})</span></li></ul></dd></dl></details></nav>'
        )
        return "".join(out)

    # ------------------------------------------------------------------ index

    def _index(self) -> None:
        path = "index.html"
        links = self.links(path)
        data = self.data
        meetings = list(self.meetings.values())
        intro = "; ".join(
            f"{T.link(links.meeting(m['slug']), _e(m['title']))}, {T.date(m['date'])}"
            for m in meetings
        )
        comp = data["compliance"]
        by_area, statuses = T.status_counts(data["grid"])
        body = [
            f"<h1>{T.text(self.title)}</h1>",
            f'<p class="meta">{intro}</p>' if intro else "",
            "<p>Whether the commitments made at these meetings are kept: each commitment with "
            "its rating as a meter (how many of three cells are filled, and in words), and for "
            "each its evidence and sources. Not yet rated means nobody has researched it yet, "
            "not that it was broken.</p>",
            '<p class="jump"><a href="#commitments">Skip to the list of every commitment</a></p>',
            '<section id="headline"><h2>Headline</h2>',
            T.headline_figures(data, stale=False),
            T.by_party(data, links),
            charts.compliance_by_party(comp["groups"]["deliverables"]["by_party"], comp["parties"])
            if comp["parties"]
            else "",
            T.COMPLIANCE_NOTE,
            charts.status_by_area(by_area, statuses) if by_area else "",
            "</section>",
            self._filter_nav(links),
            f'<section id="commitments"><h2>Every commitment <span class="muted">'
            f"({len(self.rows)})</span></h2>",
            self._list(self.rows, links, by_area=True),
            "</section>",
        ]
        self.page(path, title=self.title, body="\n".join(b for b in body if b))

    # ------------------------------------------------------------------ parties

    def _parties(self) -> None:
        data = self.data
        comp = data["compliance"]
        dist = data["distribution"]
        overview = []
        for party, name in self.where.parties.items():
            path = f"parties/{name}/index.html"
            links = self.links(path)
            mine = [r for r in self.rows if party in r.parties]
            deliver = comp["groups"]["deliverables"]
            assure = comp["groups"]["assurances"]
            counts = [(T.rating_label(r), r, n) for r, n in dist.get(party, {}).items() if n]
            areas = [
                (a, deliver["by_party_area"][party][a], False)
                for a in comp["areas"]
                if deliver["by_party_area"][party][a]["eligible"]
            ]
            body = [
                f"<h1>Scorecard: {_e(self._party_name(party))}</h1>",
                T.figures(
                    [
                        (len(mine), "commitments this party made or shares"),
                        (
                            T.pct(deliver["by_party"][party]["compliance_percent"]),
                            f"deliverables compliance ({deliver['by_party'][party]['rated']} of "
                            f"{deliver['by_party'][party]['eligible']} rated)",
                        ),
                        (
                            T.pct(assure["by_party"][party]["compliance_percent"]),
                            f"assurances kept ({assure['by_party'][party]['rated']} of "
                            f"{assure['by_party'][party]['eligible']} rated)",
                        ),
                        (sum(r.overdue for r in mine), "overdue"),
                    ]  # fmt: skip
                ),
                "<h2>Ratings</h2><p>How many of this party's rated items each rating covers "
                "(principles and positions are tracked, not rated).</p>",
                charts.count_bars(
                    counts,
                    title=f"Ratings of {party}",
                    cls="distribution-chart",
                    ident="distribution-chart",
                    unit="party-items",
                )  # fmt: skip
                if counts
                else "<p>No rated items.</p>",
                T.distribution_table({party: dist.get(party, {})}, links, parties=[party])
                if counts
                else "",
                "<h2>Compliance by area, with coverage</h2>",
                charts.compliance_bars(
                    [*areas, ("All areas", deliver["by_party"][party], True)],
                    title=f"Deliverables compliance of {party} by area",
                    cls="compliance-chart",
                    ident="area-chart",
                )
                if areas
                else "",
                T.COMPLIANCE_NOTE,
                T.compliance_tables(comp, links, parties=[party]),
                f'<h2>Commitments <span class="muted">({len(mine)})</span></h2>'
                f"<p>Each with {_e(party)}'s rating.</p>",
                self._list(mine, links, party=party),
            ]
            self.page(
                path,
                title=f"Scorecard: {self._party_name(party)}",
                body="\n".join(b for b in body if b),
                crumbs=[("Parties", links.page("parties")), (party, None)],
            )
            overview.append(party)
        path = "parties/index.html"
        links = self.links(path)
        items = "".join(
            f"<li>{T.link(links.party(p), _e(self._party_name(p)))}: deliverables "
            f"{T.text(figure(comp['groups']['deliverables']['by_party'][p]))}</li>"
            for p in overview
        )
        body = (
            f"<h1>Parties</h1><ul>{items}</ul>"
            + (
                charts.compliance_by_party(
                    comp["groups"]["deliverables"]["by_party"], comp["parties"]
                )
                if comp["parties"]
                else ""
            )
            + "<h2>Ratings by party</h2>"
            + T.distribution_table(dist, links)
        )
        self.page(path, title="Parties", body=body, crumbs=[("Parties", None)])

    # ------------------------------------------------------------------ meetings

    def _meetings(self) -> None:
        items_all = []
        for slug, name in self.where.meetings.items():
            m = self.meetings[slug]
            path = f"meetings/{name}/index.html"
            links = self.links(path)
            mine = [r for r in self.rows if r.meeting == slug]
            parties = [p for p in self.parties if any(p in r.parties for r in mine)]
            items = [
                Item(r.id, p, r.area, r.type, rating)
                for r in mine
                for p, rating in r.ratings.items()
            ]
            averages = {
                k: v.as_dict()
                for k, v in grouped(items, by="party", keys=parties, group="deliverables").items()
            }
            body = [f"<h1>{_e(m['title'])}</h1>"]
            facts = [("Date", T.date(m["date"]))]
            if m.get("place"):
                facts.append(("Place", _e(m["place"])))
            facts.append(
                (
                    "Parties",
                    ", ".join(
                        T.link(links.party(p), _e(self._party_name(p))) for p in m["parties"]
                    ),
                )
            )
            body.append(
                '<dl class="facts">'
                + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
                + "</dl>"
            )
            if m.get("context"):
                body.append(f"<p>{T.text(m['context'])}</p>")
            if m.get("sources"):
                body.append(f"<h2>Sources</h2>{T.source_list(m['sources'])}")
            periods = self.periods.get(slug, [])
            if periods:
                body.append(
                    "<h2>Compliance periods</h2><ul>"
                    + "".join(
                        f"<li><strong>{_e(p['name'])}</strong>: {T.date(p['starts'])} to "
                        f"{T.date(p['ends']) if p['ends'] else 'open'}"
                        + (f". {T.text(p['description'])}" if p.get("description") else "")
                        + "</li>"
                        for p in periods
                    )
                    + "</ul>"
                )
            if parties and averages[ALL]["eligible"]:
                body.append(
                    "<h2>Compliance, with coverage</h2>"
                    + charts.compliance_by_party(averages, parties, title="Deliverables compliance")
                    + T.COMPLIANCE_NOTE
                )
            dist = distribution(items, parties)
            if any(dist.get(ALL, {}).values()):
                body.append("<h2>Ratings by party</h2>" + T.distribution_table(dist, links))
            if slug in self.drawn and self.timelines.get(slug):
                rows = sorted(self.timelines[slug], key=lambda r: natural_key(r["id"]))
                body.append(
                    "<h2>Timeline</h2>"
                    + charts.timeline(rows, start=m["date"], end=max(self.latest, m["date"]))
                )
            body.append(
                f'<h2>Commitments <span class="muted">({len(mine)})</span></h2>'
                + self._list(mine, links)
            )
            self.page(
                path,
                title=m["title"],
                body="\n".join(body),
                crumbs=[("Meetings", links.page("meetings")), (m["title"], None)],
                description=(m.get("context") or m["title"])[:300],
            )
            items_all.append((slug, len(mine)))
        path = "meetings/index.html"
        links = self.links(path)
        body = (
            "<h1>Meetings</h1><ul>"
            + "".join(
                f"<li>{T.link(links.meeting(slug), _e(self.meetings[slug]['title']))}, "
                f"{T.date(self.meetings[slug]['date'])} "
                f'<span class="muted">({n} commitments)</span></li>'
                for slug, n in items_all
            )
            + "</ul>"
        )
        self.page(path, title="Meetings", body=body, crumbs=[("Meetings", None)])

    def _areas_page(self) -> None:
        path = "areas/index.html"
        links = self.links(path)
        comp = self.data["compliance"]
        by_area, statuses = T.status_counts(self.data["grid"])
        body = (
            "<h1>Areas</h1>"
            + (charts.status_by_area(by_area, statuses) if by_area else "")
            + T.status_table(by_area, statuses, links)
            + "<h2>Compliance by area, with coverage</h2>"
            + T.COMPLIANCE_NOTE
            + T.compliance_tables(comp, links)
        )
        self.page(path, title="Areas", body=body, crumbs=[("Areas", None)])

    def _methodology(self) -> None:
        path = "methodology/index.html"
        links = self.links(path)
        data = self.data
        body = (
            "<h1>Methodology</h1>"
            "<p>How commitments are rated, how the figures are computed and what they cover. "
            "The method follows the G7/G20 Research Group's compliance reports, with "
            "PolitiFact's lesson that an unresearched promise is not a broken one.</p>"
            "<h2>The meters</h2><p>A meter fills one cell (red) for a rating that scores −1, "
            "two (blue) for 0 and three (green) for +1; a rating that is never averaged (not "
            "yet rated, unclear, disputed) fills none. The words beside it say the rating, so "
            "the meter reads without colour.</p>"
            + T.methodology(data, level=2)
            + (
                "<h2>Agreement between coders</h2>" + T.agreement(data["agreement"], links)
                if data["agreement"]
                else ""
            )
        )
        self.page(path, title="Methodology", body=body, crumbs=[("Methodology", None)])

    # ------------------------------------------------------------------ feed

    def _feed(self) -> None:
        entries = sorted(self.feed, reverse=True)
        uuids = [e["event"] for _, e in entries]
        recorded: dict[str, str] = {}
        if uuids:
            marks = ", ".join("?" * len(uuids))
            for uuid, stamp in self.store.conn.execute(
                f"SELECT uuid, recorded_at FROM events WHERE uuid IN ({marks})", uuids
            ):
                recorded[uuid] = stamp
            for about, stamp in self.store.conn.execute(
                "SELECT about, max(recorded_at) FROM events WHERE kind = 'amendment' "
                f"AND about IN ({marks}) GROUP BY about",
                uuids,
            ):
                recorded[about] = max(recorded.get(about, ""), stamp)
        base = self.base_url or ""
        links = SiteLinks(self.where, 0)
        first = next(iter(self.meetings), "tracker")
        feed_id = f"{base}feed.xml" if base else f"{TAG}feed/{first}"
        items = []
        newest = ""
        for _, e in entries:
            updated = max(_day_time(e["happened_on"]), _utc(recorded.get(e["event"], "")) or "")
            newest = max(newest, updated)
            items.append(self._entry(e, links, base, updated))
        if self.generated_at:
            newest = _utc(self.generated_at)
        xml = [
            '<?xml version="1.0" encoding="utf-8"?>',
            '<feed xmlns="http://www.w3.org/2005/Atom">',
            f"<title>New evidence: {_e(self.title)}</title>",
            "<subtitle>The newest evidence and ratings on the commitments tracked, each with "
            "its sources.</subtitle>",
            f"<id>{_e(feed_id)}</id>",
            f'<link rel="alternate" type="text/html" href="{_e(base)}index.html"/>',
        ]
        if base:
            xml.append(f'<link rel="self" type="application/atom+xml" href="{_e(base)}feed.xml"/>')
        xml += [
            f"<updated>{newest or _day_time(self.latest or '2000-01-01')}</updated>",
            "<author><name>track</name></author>",
            f'<generator version="{_e(__version__)}">track</generator>',
            *items,
            "</feed>",
        ]
        self.out.write("feed.xml", "\n".join(xml) + "\n")

    def _entry(self, e: dict[str, Any], links: SiteLinks, base: str, updated: str) -> str:
        party = f" ({e['party']})" if e["party"] else ""
        if e["kind"] in ("status", "assessment"):
            what = f"rated {T.rating_label(e['status'])}"
            if e.get("period"):
                what += f" for the {e['period']} period"
        elif e["kind"] == "measure":
            what = f"reading {e['value']:g}" if e["value"] is not None else "reading"
        else:
            what = e["text"] or "note"
        headline = escape.terminal(" ".join(f"{e['commitment']}{party}: {what}".split()))
        if len(headline) > 140:
            headline = headline[:139] + "…"
        href = f"{base}{links.event(e['commitment'], e['event'])}"
        content = (
            f"<p><strong>{_e(e['commitment'])}: {_e(e['title'])}</strong></p>"
            f"<p>{_e(e['happened_on'])}{_e(party)}"
            + ("" if e["stance"] == "supports" else f" <strong>{_e(e['stance'])}</strong>")
            + f": {_e(e['text'] or what)}</p>"
            + (f"<p>Sources: {T.sources(e['sources'], bracket=False)}</p>" if e["sources"] else "")
        )
        return (
            "<entry>"
            f"<id>{TAG}event/{_e(e['event'])}</id>"
            f"<title>{_e(headline)}</title>"
            f'<link rel="alternate" type="text/html" href="{_e(href)}"/>'
            f"<published>{_day_time(e['happened_on'])}</published>"
            f"<updated>{updated}</updated>"
            f"<author><name>{_e(e['author'])}</name></author>"
            f'<category term="{_e(e["kind"])}"/>'
            f'<content type="html">{_html.escape(content, quote=False)}</content>'
            "</entry>"
        )


RATING_NOTE = {
    "tracked": "A principle or position: its evidence is tracked; it is never rated.",
    "disputed": "Two coders disagree and no reviewer has settled it; left out of averages.",
    "split": "The parties are rated differently.",
}


SITE_CSS = T.CSS.lstrip()
