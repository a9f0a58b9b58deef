"""The HTML report: self-contained, with its sections and charts, checked in a real browser."""

import os
import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_site import Chromium, check_layout

SECTIONS = [
    "headline",
    "distribution",
    "compliance",
    "grid",
    "status-by-area",
    "deadlines",
    "stale",
    "changes",
    "timeline",
    "commitments",
    "methodology",
]


class Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.fixture
def html_report(run, seeded, tmp_path) -> Path:
    run("note", "NARC-2", 'Quote "marks" & <angle> brackets', "--on", "2024-09-01")
    target = tmp_path / "report.html"
    run("report", "--format", "html", "--since", "2024-01-01", "-o", str(target))
    return target


def test_html_is_self_contained(html_report):
    text = html_report.read_text(encoding="utf-8")
    parser = Collector()
    parser.feed(text)
    tags = parser.tags
    assert not [t for t, _ in tags if t in ("script", "link", "img", "iframe", "object")]
    for tag, attrs in tags:
        if tag != "a":
            assert not any(
                str(v).startswith(("http:", "https:", "//"))
                for k, v in attrs.items()
                if k in ("src", "href")
            ), (tag, attrs)
    assert "@import" not in text and "url(" not in text
    ids = [a.get("id") for _, a in tags]
    for section in SECTIONS:
        assert section in ids
    svgs = [a for t, a in tags if t == "svg"]
    assert {a["class"] for a in svgs} == {
        "chart status-chart",
        "chart compliance-chart",
        "chart timeline-chart",
    }
    assert all(a.get("role") == "img" for a in svgs)
    # user text is escaped, never markup
    assert "Quote &quot;marks&quot; &amp; &lt;angle&gt; brackets" in text
    assert "<angle>" not in text


def test_charts_have_titles_and_text_labels(html_report):
    text = html_report.read_text(encoding="utf-8")
    for title in (
        "Status of commitments by area",
        "Compliance by party",
        "Timeline of events per commitment",
    ):
        assert f">{title}</title>" in text
    status_chart = text.split('class="chart status-chart"')[1].split("</svg>")[0]
    assert "<title>military: 4 fulfilled</title>" in status_chart
    assert ">fulfilled</text>" in status_chart  # legend in words
    compliance = text.split('class="chart compliance-chart"')[1].split("</svg>")[0]
    assert re.search(r">\d+% \(\d+ of \d+ rated\)</tspan></text>", compliance)
    timeline = text.split('class="chart timeline-chart"')[1].split("</svg>")[0]
    assert ">NARC-1</text>" in timeline and ">2024</text>" in timeline  # years: fit a phone


def find_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            find_chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def png_pixels(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    width, height = struct.unpack(">II", data[16:24])
    chunks, pos = [], 8
    while pos < len(data):
        length = struct.unpack(">I", data[pos : pos + 4])[0]
        kind = data[pos + 4 : pos + 8]
        if kind == b"IDAT":
            chunks.append(data[pos + 8 : pos + 8 + length])
        pos += 12 + length
    return width, height, zlib.decompress(b"".join(chunks))


@pytest.fixture
def chromium():
    if find_chromium() is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run should have installed it")
        pytest.skip("chromium is not installed (apt-get install chromium)")


def test_report_renders_in_a_real_browser(chromium, html_report, tmp_path):
    url = html_report.as_uri()
    dom = run_chromium(tmp_path, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    for section in SECTIONS:
        assert f'id="{section}"' in dom.stdout
    assert dom.stdout.count("<svg") == 3
    assert "Follow-up report: Xi–Biden meeting at the Filoli Estate" in dom.stdout

    shot = tmp_path / "report.png"
    result = run_chromium(
        tmp_path, "--hide-scrollbars", "--window-size=1200,2000", f"--screenshot={shot}", url
    )
    assert result.returncode == 0, result.stderr[-2000:]
    width, height, pixels = png_pixels(shot)
    assert (width, height) == (1200, 2000)
    assert len(set(pixels)) > 50, "the screenshot is blank"


def test_report_fits_a_phone(chromium, html_report, tmp_path):
    shot = tmp_path / "phone.png"
    result = run_chromium(
        tmp_path,
        "--hide-scrollbars",
        "--window-size=390,844",
        f"--screenshot={shot}",
        html_report.as_uri(),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    width, _, pixels = png_pixels(shot)
    assert width == 390 and len(set(pixels)) > 50


@pytest.mark.parametrize("width", [1280, 390])
def test_report_measured_in_the_page(chromium, html_report, tmp_path, width):
    """No horizontal scrolling and no chart text under 11 px, measured inside the page (each
    SVG text's computed size times its on-screen scale)."""
    browser = Chromium(tmp_path / "cdp-profile")
    try:
        tab = browser.tab(width)
        found = check_layout(tab, html_report.as_uri(), tmp_path / f"report-{width}.png")
        assert found["charts"] == 3 and found["svgTexts"] > 50
    finally:
        browser.close()


def test_report_prints_with_sources_and_open_evidence(chromium, html_report, tmp_path):
    browser = Chromium(tmp_path / "cdp-profile")
    try:
        tab = browser.tab(800)
        tab.send("Emulation.setEmulatedMedia", {"media": "print"})
        tab.open(html_report.as_uri())
        shown = tab.evaluate(
            "(() => { const a = document.querySelector('#commitments a[href^=http]');"
            " const items = [...document.querySelectorAll('details ol.events li')];"
            " return [a.href, getComputedStyle(a, '::after').content,"
            " items.length, items.filter(li => li.getClientRects().length).length]; })()"
        )
        assert shown[0] in shown[1]
        assert shown[2] > 0 and shown[2] == shown[3]  # every piece of evidence is printed
    finally:
        browser.close()


def test_titles_and_dates_never_break_inside(html_report):
    text = html_report.read_text(encoding="utf-8")
    assert re.search(r'<span class="date">\d{4}-\d{2}-\d{2}</span>', text)
    assert ".date, .status, .nowrap, .id { white-space: nowrap; }" in text
    assert 'a[href^="http"]::after { content: " <" attr(href) ">"' in text
    assert "min-width" not in text.split("<style>")[1].split("</style>")[0]


def test_a_note_on_the_day_of_a_rating_is_drawn_over_it():
    """The rating's diamond is larger than a note's dot: drawn first, so both show."""
    from tracker.charts import timeline

    row = {"id": "AI-1", "status": "fulfilled", "evidence": [
        {"kind": "note", "happened_on": "2024-05-14", "text": "met"},
        {"kind": "assessment", "happened_on": "2024-05-14", "status": "fulfilled", "text": ""},
    ]}  # fmt: skip
    svg = timeline([row], start="2023-11-15", end="2024-12-31", ident="t")
    rows = svg[svg.index("<title>AI-1") :]  # after the legend
    assert rows.index('href="#t-status"') < rows.index('href="#t-note"')
