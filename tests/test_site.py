"""`track site`: the static website, built from a real database into tmp_path, then checked as
files (structure, links, escaping, byte-identical and minimal rebuilds, filters, the feed) and
in a real headless Chromium at 1280 and 390 px (measured from inside the page: no horizontal
scrolling, no chart text under 11 px; the links and filters followed; printed with sources;
an axe-core accessibility check), with screenshots written to tmp_path."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import plant
from tracker.errors import TrackError
from tracker.site import MANIFEST, build_site
from tracker.store import Store

TODAY = dt.date(2026, 11, 28)
ATOM = "{http://www.w3.org/2005/Atom}"


# --------------------------------------------------------------------------- helpers


class Parsed(HTMLParser):
    """Every start tag with its attributes, and the text inside <ul class="items"> lists."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if "id" in attrs:
            self.ids.add(attrs["id"])


def parse(path: Path) -> Parsed:
    parser = Parsed()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def listed(path: Path) -> set[str]:
    """The commitment IDs a page lists (the links inside its <ul class="items"> lists)."""
    text = path.read_text(encoding="utf-8")
    found = set()
    for block in re.findall(r'<ul class="items">(.*?)</ul>', text, re.S):
        found |= set(re.findall(r'<span class="id">([^<]+)</span>', block))
    return found


def build(db: Path, folder: Path, **options):
    store = Store.open(db)
    try:
        return build_site(store, folder, today=TODAY, generated_at=None, **options)
    finally:
        store.close()


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture
def site(seeded: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "site"
    build(seeded, folder)
    return folder


# --------------------------------------------------------------------------- structure


def test_site_has_a_page_for_everything(site, seeded):
    store = Store.open(seeded)
    rows = store.status_rows(as_of=TODAY)
    store.close()
    for page in (
        "index.html", "style.css", "feed.xml", "methodology/index.html", "parties/index.html",
        "parties/us/index.html", "parties/cn/index.html", "meetings/index.html",
        "meetings/woodside-2023/index.html", "areas/index.html", "areas/military/index.html",
        "types/action/index.html", "ratings/fulfilled/index.html", ".nojekyll", MANIFEST,
    ):  # fmt: skip
        assert (site / page).is_file(), page
    for row in rows:
        assert (site / "commitments" / row.id.lower() / "index.html").is_file(), row.id
    narc = (site / "commitments/narc-1/index.html").read_text(encoding="utf-8")
    assert "<h1>NARC-1: " in narc
    for part in ("What was promised", "Ratings", "Evidence and ratings"):
        assert f"<h2>{part}" in narc
    for page in site.rglob("*.html"):
        tags = parse(page).tags
        assert [t for t, _ in tags].count("h1") == 1, page
        assert ("html", {"lang": "en"}) in tags
        assert not [t for t, _ in tags if t in ("script", "img", "iframe", "object", "embed")]


def test_every_link_resolves_and_no_request_leaves_the_site(site):
    assert len(list(site.rglob("*.html"))) > 40
    assert_links_resolve(site)


def test_a_site_of_one_meeting_holds_its_commitments_alone(db_path, tmp_path, run):
    run("init")  # the bundled record: four meetings, linked to one another
    folder = tmp_path / "busan"
    build(db_path, folder, meeting="busan-2025")
    pages = {p.name for p in (folder / "commitments").iterdir()}
    assert pages and all(name.startswith("busan-") for name in pages)
    assert (
        "<title>Commitment tracker: Trump–Xi meeting in Busan<"
        in (folder / "index.html").read_text()
    )
    assert_links_resolve(folder)  # links to other meetings' commitments are text
    assert "NARC-4" in (folder / "commitments" / "busan-2" / "index.html").read_text()


def assert_links_resolve(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    ids = {page: parse(page).ids for page in pages}
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "@import" not in text and "url(" not in text
        for tag, attrs in parse(page).tags:
            for key in ("href", "src"):
                value = attrs.get(key)
                if value is None:
                    continue
                if tag == "a" and value.startswith(("http://", "https://")):
                    continue  # a source, followed by the reader, never loaded by the page
                parts = urlsplit(value)
                assert not parts.scheme and not parts.netloc, (page, value)
                assert not value.startswith("/"), (page, value)  # relative only
                target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
                assert target.is_file(), (page, value)
                assert target.name in ("index.html", "style.css", "feed.xml"), value
                if parts.fragment:
                    assert parts.fragment in ids.get(target, parse(target).ids), (page, value)


def test_filter_pages_list_the_right_commitments(site, seeded):
    store = Store.open(seeded)
    rows = store.status_rows(as_of=TODAY)
    store.close()
    assert listed(site / "index.html") == {r.id for r in rows}
    for area in {r.area for r in rows}:
        page = site / "areas" / re.sub(r"[^a-z0-9~]+", "-", area) / "index.html"
        assert listed(page) == {r.id for r in rows if r.area == area}, area
    for party in ("US", "CN"):
        page = site / "parties" / party.lower() / "index.html"
        assert listed(page) == {r.id for r in rows if party in r.parties}, party
    for type_ in {r.type for r in rows}:
        page = site / "types" / type_ / "index.html"
        assert listed(page) == {r.id for r in rows if r.type == type_}, type_
    ratings = {rating for r in rows for rating in r.party_statuses.values()}
    for rating in ratings:
        page = site / "ratings" / rating / "index.html"
        wanted = {r.id for r in rows if rating in r.party_statuses.values()}
        assert listed(page) == wanted, rating
    index = (site / "index.html").read_text(encoding="utf-8")
    assert index.count('href="areas/') >= len({r.area for r in rows})
    assert 'href="ratings/fulfilled/index.html"' in index


def test_rebuilds_are_byte_identical(seeded, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    summary = build(seeded, first)
    assert summary.written and not summary.unchanged and not summary.removed
    build(seeded, second)
    assert files_of(first) == files_of(second)
    again = build(seeded, first)
    assert again.written == () and len(again.unchanged) == len(summary.written)


def test_one_new_note_rewrites_only_the_pages_it_changes(seeded, tmp_path, run):
    folder = tmp_path / "site"
    build(seeded, folder)
    old = time.time() - 3600
    for path in folder.rglob("*"):
        os.utime(path, (old, old))
    run("note", "NARC-1", "Working group met again in Beijing", "--on", "2024-03-01",
        "--source", "https://example.org/wg")  # fmt: skip
    summary = build(seeded, folder)
    written = set(summary.written)
    touched = {
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and p.stat().st_mtime > old + 1
    }
    assert touched == written  # the same pages: the manifest did not change either
    assert "commitments/narc-1/index.html" in written
    assert "feed.xml" in written
    mentioning = {
        str(p.relative_to(folder))
        for p in folder.rglob("*.html")
        if "commitments/narc-1/index.html" in p.read_text(encoding="utf-8")
    }
    assert written <= mentioning | {"commitments/narc-1/index.html", "feed.xml"}, (
        written - mentioning
    )
    assert len(written) < len(summary.unchanged) / 2
    assert "commitments/mil-1/index.html" in summary.unchanged
    assert "methodology/index.html" in summary.unchanged


def test_withdrawn_commitment_page_is_removed_and_nothing_else(seeded, tmp_path, run):
    folder = tmp_path / "site"
    build(seeded, folder)
    (folder / "CNAME").write_text("tracker.example.org\n")  # a file of the publisher's own
    run("withdraw", "AI-1", "--reason", "Added twice")
    summary = build(seeded, folder)
    assert "commitments/ai-1/index.html" in summary.removed
    assert not (folder / "commitments" / "ai-1").exists()
    assert (folder / "CNAME").read_text() == "tracker.example.org\n"
    assert "AI-1" not in listed(folder / "index.html")


def test_an_edited_manifest_removes_nothing_track_did_not_make(seeded, tmp_path):
    """The manifest may be edited (it is often kept in git): a rebuild removes only the
    pages of an old build, never a file of the publisher's, the database, or anything
    reached through a link."""
    folder = tmp_path / "site"
    build(seeded, folder)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "index.html").write_text('<meta name="generator" content="track">precious')
    (folder / "CNAME").write_text("tracker.example.org\n")
    (folder / "elsewhere").symlink_to(outside)
    db_link = folder / "index-db"
    db_link.mkdir()
    (db_link / "index.html").hardlink_to(seeded)
    manifest = folder / ".track-site.json"
    data = json.loads(manifest.read_text())
    data["files"] += ["CNAME", "elsewhere/index.html", "index-db/index.html", "../outside/x",
                      str(outside / "index.html"), "./index.html", "areas/./ai/index.html",
                      "areas//ai/index.html"]  # fmt: skip
    manifest.write_text(json.dumps(data))
    before = seeded.read_bytes()
    summary = build(seeded, folder)
    assert summary.removed == ()
    assert (folder / "index.html").exists() and (folder / "areas" / "ai" / "index.html").exists()
    assert (folder / "CNAME").exists()
    assert (outside / "index.html").read_text().endswith("precious")
    assert seeded.read_bytes() == before


def test_never_writes_through_a_link_in_the_folder(seeded, tmp_path):
    folder = tmp_path / "site"
    build(seeded, folder)
    victim = tmp_path / "victim.txt"
    victim.write_text("mine")
    page = folder / "methodology" / "index.html"
    page.unlink()
    page.symlink_to(victim)
    with pytest.raises(TrackError, match="is a symbolic link"):
        build(seeded, folder)
    assert victim.read_text() == "mine"
    page.unlink()
    shutil.rmtree(folder / "commitments")
    (folder / "commitments").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(TrackError, match="is a symbolic link"):
        build(seeded, folder)
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_refuses_a_folder_it_did_not_make(seeded, tmp_path):
    folder = tmp_path / "home"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(TrackError, match="not empty"):
        build(seeded, folder)
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    with pytest.raises(TrackError, match="not a folder"):
        build(seeded, folder / "notes.txt")


# --------------------------------------------------------------------------- escaping


HOSTILE = "<script>alert('x')</script> & \"quotes\" <img src=x onerror=alert(1)>"


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:x", "data:text/html,<b>",
            "vbscript:x", "//evil.example/x", "file:///etc/passwd"],
)  # fmt: skip
def test_hostile_data_never_becomes_markup_or_a_link(seeded, tmp_path, run, url):
    run("edit", "AI-1", "--title", HOSTILE, "--area", "../../<b>evil</b>", "--summary", HOSTILE)
    plant(seeded, text=HOSTILE + "\x1b]0;PWNED\x07\u202e\n# heading", url=url, title=HOSTILE)
    store = Store.open(seeded)
    store.rebuild()
    store.close()
    folder = tmp_path / "site"
    build(seeded, folder)
    for path in [*folder.rglob("*.html"), folder / "feed.xml"]:
        text = path.read_text(encoding="utf-8")
        assert "<script" not in text and "<img" not in text, path
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text, path
        hrefs = re.findall(r'href="([^"]*)"', text)
        assert not [h for h in hrefs if h.strip().lower().startswith(("javascript", "data", "vb"))]
        assert not [h for h in hrefs if h.startswith(("//", "file:"))]
    page = (folder / "commitments/ai-1/index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    # the area's folder name is made safe; the page stays inside the site
    assert all(folder in p.resolve().parents for p in folder.rglob("*"))
    assert (folder / "areas" / "b-evil-b" / "index.html").is_file()
    # the feed stays well-formed XML with the hostile text as text
    feed = ET.parse(folder / "feed.xml").getroot()
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert any("<script>" in (t or "") for t in titles)


# --------------------------------------------------------------------------- feed


def test_feed_is_atom_with_the_newest_evidence(site, seeded):
    root = ET.parse(site / "feed.xml").getroot()
    assert root.tag == f"{ATOM}feed"
    entries = list(root.iter(f"{ATOM}entry"))
    store = Store.open(seeded)
    kinds = ("note", "measure", "status", "assessment")
    events = store.events(kinds=kinds, newest_first=True)
    store.close()
    assert len(entries) == min(50, len(events))
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("tag:track-summits,2024:event/") for i in ids)
    newest = [e.uuid for e in events if e.happened_on == events[0].happened_on]
    assert ids[0].rsplit("/", 1)[1] in newest
    stamp = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
    for tag in ("updated", "published"):
        assert all(stamp.match(e.findtext(f"{ATOM}{tag}")) for e in entries)
    assert stamp.match(root.findtext(f"{ATOM}updated"))
    assert root.findtext(f"{ATOM}updated") == max(e.findtext(f"{ATOM}updated") for e in entries)
    published = [e.findtext(f"{ATOM}published") for e in entries]
    assert published == sorted(published, reverse=True)
    for entry in entries:
        href = entry.find(f"{ATOM}link").get("href")
        page, _, anchor = href.partition("#")
        assert anchor in parse(site / page).ids, href


def test_generated_at_shows_on_the_index_and_dates_the_feed(seeded, tmp_path):
    folder = tmp_path / "site"
    store = Store.open(seeded)
    summary = build_site(
        store, folder, today=TODAY, generated_at="2026-11-28T12:00:00+00:00",
        base_url="https://tracker.example.org/",
    )  # fmt: skip
    store.close()
    assert summary.files > 40
    assert "Generated 2026-11-28T12:00:00+00:00" in (folder / "index.html").read_text()
    assert "Generated" not in (folder / "methodology/index.html").read_text()
    root = ET.parse(folder / "feed.xml").getroot()
    assert root.findtext(f"{ATOM}updated") == "2026-11-28T12:00:00Z"
    links = [e.find(f"{ATOM}link").get("href") for e in root.iter(f"{ATOM}entry")]
    assert all(h.startswith("https://tracker.example.org/commitments/") for h in links)


# --------------------------------------------------------------------------- a real browser


def find_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Chromium:
    """Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe:
    JSON messages ended by NUL on file descriptors 3 and 4), so no extra package is needed."""

    def __init__(self, profile: Path):
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def remap():  # runs in the child: the pipe ends become its fds 3 and 4
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [find_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--remote-debugging-pipe",
             "--hide-scrollbars", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=remap, close_fds=False,
        )  # fmt: skip
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next = 0
        self.events: list[dict] = []

    def _message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            if time.time() > deadline:
                raise TimeoutError("chromium did not answer")
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, session: str | None = None):
        self._next += 1
        message = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.time() + 60
        while True:
            reply = self._message(deadline)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def wait_for(self, name: str, session: str, timeout: float = 30) -> dict:
        deadline = time.time() + timeout
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == name and event.get("sessionId") == session:
                    return self.events.pop(i)
            self.events.append(self._message(deadline))

    def tab(self, width: int, height: int = 900) -> Tab:
        return Tab(self, width, height)

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError, TimeoutError):
            self.send("Browser.close")
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self._to_chrome)
        os.close(self._from_chrome)


class Tab:
    def __init__(self, browser: Chromium, width: int, height: int):
        self.browser = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        self.send("Page.enable")
        self.width = width
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
        )

    def send(self, method: str, params: dict | None = None):
        return self.browser.send(method, params, session=self.session)

    def open(self, url: str) -> None:
        self.browser.events.clear()
        self.send("Page.navigate", {"url": url})
        self.browser.wait_for("Page.loadEventFired", self.session)

    def evaluate(self, expression: str, *, wait: bool = False):
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": wait},
        )
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def click(self, selector: str) -> None:
        self.browser.events.clear()
        self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")
        self.browser.wait_for("Page.loadEventFired", self.session)

    def screenshot(self, path: Path, *, height: int = 3000) -> None:
        full = self.evaluate("document.documentElement.scrollHeight")
        clip = {"x": 0, "y": 0, "width": self.width, "height": min(full, height), "scale": 1}
        data = self.send(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True, "clip": clip},
        )["data"]
        path.write_bytes(base64.b64decode(data))


MEASURE = """(() => {
  const root = document.documentElement;
  let svgMin = null, svgWorst = null, svgTexts = 0, textMin = null, textWorst = null;
  for (const t of document.querySelectorAll('svg text')) {
    if (!t.getClientRects().length) continue;
    svgTexts++;
    const m = t.getScreenCTM();
    const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
    if (svgMin === null || px < svgMin) { svgMin = px; svgWorst = t.textContent; }
  }
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const node = walk.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || !el || el.closest('svg')) continue;
    if (!el.getClientRects().length) continue;
    const px = parseFloat(getComputedStyle(el).fontSize);
    if (textMin === null || px < textMin) { textMin = px; textWorst = node.textContent.trim(); }
  }
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
          charts: document.querySelectorAll('svg.chart').length,
          svgTexts, svgMin, svgWorst, textMin, textWorst};
})()"""


def axe_source() -> str | None:
    """axe-core's axe.min.js: $AXE_CORE (the file or its package folder), else a node_modules
    folder here or installed globally. None when it is not installed."""
    candidates = []
    given = os.environ.get("AXE_CORE")
    if given:
        candidates += [Path(given), Path(given) / "axe.min.js"]
    for base in (Path.cwd(), Path(__file__).parent.parent, Path("/usr/local/lib"),
                 Path("/usr/lib"), Path.home() / ".npm-global/lib"):  # fmt: skip
        candidates.append(base / "node_modules" / "axe-core" / "axe.min.js")
    for path in candidates:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return None


AXE_RUN = """axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
  id: v.id, impact: v.impact, help: v.help,
  nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))})))"""


@pytest.fixture
def browser(tmp_path):
    if find_chromium() is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run should have installed it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    chromium = Chromium(tmp_path / "profile")
    yield chromium
    chromium.close()


PAGES = [
    "index.html",
    "commitments/narc-1/index.html",
    "commitments/trav-1/index.html",
    "parties/us/index.html",
    "meetings/woodside-2023/index.html",
    "areas/index.html",
    "areas/military/index.html",
    "ratings/fulfilled/index.html",
    "methodology/index.html",
]


def check_layout(tab: Tab, url: str, shot: Path) -> dict:
    tab.open(url)
    found = tab.evaluate(MEASURE)
    assert found["scrollWidth"] <= found["clientWidth"], (url, tab.width, found)
    if found["svgTexts"]:
        assert found["svgMin"] >= 11, (url, tab.width, found)
    assert found["textMin"] >= 11, (url, tab.width, found)
    tab.screenshot(shot)
    assert shot.stat().st_size > 5_000
    return found


@pytest.mark.parametrize("width", [1280, 390])
def test_pages_fit_the_screen_and_charts_stay_legible(browser, site, tmp_path, width):
    tab = browser.tab(width)
    charts = 0
    for page in PAGES:
        name = page.replace("/index.html", "").replace("/", "-").replace(".html", "")
        found = check_layout(tab, (site / page).as_uri(), tmp_path / f"{name}-{width}.png")
        charts += found["charts"]
    assert charts >= 6


def test_links_and_filters_work_in_the_browser(browser, site):
    tab = browser.tab(390)
    tab.open((site / "index.html").as_uri())
    tab.click('.filters a[href="areas/military/index.html"]')
    assert tab.evaluate("location.href").endswith("/areas/military/index.html")
    assert tab.evaluate("document.querySelector('h1').textContent") == "Area: military"
    shown = tab.evaluate(
        "[...document.querySelectorAll('ul.items .id')].map(e => e.textContent).join(' ')"
    )
    assert shown == "MIL-1 MIL-2 MIL-3 MIL-4 MIL-5"
    tab.click('ul.items a[href="../../commitments/mil-1/index.html"]')
    assert tab.evaluate("document.querySelector('h1').textContent").startswith("MIL-1: ")
    tab.click('.crumbs a[href="../../index.html"]')
    assert tab.evaluate("document.querySelectorAll('ul.items > li').length") > 20
    tab.click('.filters a[href="ratings/fulfilled/index.html"]')
    assert "Promise Kept" in tab.evaluate("document.querySelector('h1').textContent")


def test_pages_print_with_their_sources(browser, site):
    tab = browser.tab(800)
    tab.send("Emulation.setEmulatedMedia", {"media": "print"})
    tab.open((site / "commitments/narc-1/index.html").as_uri())
    after = tab.evaluate(
        "(() => { const a = document.querySelector('ol.events a[href^=\"http\"]');"
        " return [a.href, getComputedStyle(a, '::after').content]; })()"
    )
    assert after[0] in after[1] and after[1].startswith('" <')
    hidden = tab.evaluate(
        "[...document.querySelectorAll('ol.events li')].filter(li => !li.getClientRects().length)"
        ".length"
    )
    assert hidden == 0
    assert tab.evaluate("getComputedStyle(document.querySelector('.site-nav')).display") == "none"


def test_no_serious_accessibility_findings(browser, site, tmp_path):
    source = axe_source()
    if source is None:
        pytest.skip(
            "axe-core is not installed: npm install axe-core, then set AXE_CORE to its folder"
        )
    found = []
    for width in (1280, 390):
        tab = browser.tab(width)
        for page in PAGES:
            tab.open((site / page).as_uri())
            tab.evaluate(source)
            for v in tab.evaluate(AXE_RUN, wait=True):
                if v["impact"] in ("serious", "critical"):
                    found.append((width, page, v["id"], v["help"], v["nodes"]))
    (tmp_path / "axe.json").write_text(json.dumps(found, indent=1))
    assert found == []
