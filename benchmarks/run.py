"""Time `track` as users run it (whole processes) against the floors Python and SQLite set,
and against Taskwarrior on the same data; write benchmarks/RESULTS.md.

    pip install . && python benchmarks/run.py [--sizes bundled,10k,100k] [--runs 5]

Each command runs once to warm the file cache, then --runs times; the table gives the median,
min and max wall time and the peak resident memory (from the OS, via wait4). Databases and
Taskwarrior data are built once in --workdir and reused.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


SCRATCH = Path(os.environ.get("TMPDIR", "/tmp"))
SIZES = {"bundled": None, "10k": (10_000, 10), "100k": (100_000, 10)}
PY = sys.executable
TRACK = str(Path(sys.executable).parent / "track")
STATUS_FLOOR = """
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
rows = c.execute('''SELECT c.id, c.area, c.title, c.parties, c.status, c.last_event_on,
    c.evidence_count, c.due FROM commitments c''').fetchall()
sys.stdout.write("\\n".join("  ".join(map(str, r)) for r in rows))
"""


@dataclass
class Timing:
    label: str
    command: list[str]
    times: list[float] = field(default_factory=list)
    peak_kb: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.times)


TIME = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)


def run_once(command: list[str], env: dict, scratch: Path) -> tuple[float, int]:
    """Run a command; return (wall seconds, peak resident kilobytes).

    The peak comes from GNU time when it is installed: a child forked from this (large)
    process would otherwise report this process's memory as its own."""
    report = scratch / "peak.txt"
    wrapped = [TIME, "-f", "%M", "-o", str(report), *command] if TIME else command
    start = time.perf_counter()
    proc = subprocess.Popen(wrapped, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    error = proc.stderr.read().decode()
    proc.stderr.close()
    if code != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {error[-500:]}")
    peak = int(report.read_text().split()[-1]) if TIME else usage.ru_maxrss
    return elapsed, peak


def measure(label: str, command: list[str], *, runs: int, env: dict, before=None) -> Timing:
    timing = Timing(label, command)
    for i in range(runs + 1):  # the first run warms caches and is not counted
        if before:
            before(i)
        elapsed, peak = run_once(command if not callable(command) else command(i), env, SCRATCH)
        if i:
            timing.times.append(elapsed)
            timing.peak_kb = max(timing.peak_kb, peak)
    print(
        f"  {label:<48} {timing.median * 1000:8.1f} ms  {timing.peak_kb / 1024:7.1f} MB",
        file=sys.stderr,
    )
    return timing


def build_size(name: str, workdir: Path) -> tuple[Path, Path | None, int]:
    """Return (database, taskwarrior data folder or None, number of events)."""
    db = workdir / f"{name}.db"
    tw = workdir / f"{name}-task"
    if not db.exists():
        print(f"building {name} ...", file=sys.stderr)
        if SIZES[name] is None:
            subprocess.run([TRACK, "--db", str(db), "init"], check=True, capture_output=True)
            tasks = None
        else:
            commitments, events = SIZES[name]
            tasks_file = workdir / f"{name}-tasks.json"
            subprocess.run(
                [
                    PY,
                    str(HERE / "make_db.py"),
                    "--commitments",
                    str(commitments),
                    "--events-per",
                    str(events),
                    "--taskwarrior",
                    str(tasks_file),
                    str(db),
                ],
                check=True,
            )  # in a child process, so this one stays small
            tasks = True
        if tasks is not None and shutil.which("task"):
            tw.mkdir(exist_ok=True)
            env = {**os.environ, "TASKRC": str(taskrc(tw))}
            subprocess.run(
                ["task", "import", str(workdir / f"{name}-tasks.json")],
                env=env,
                check=True,
                capture_output=True,
            )
    events = sqlite3.connect(db).execute("SELECT count(*) FROM events").fetchone()[0]
    return db, (tw if tw.exists() else None), events


def taskrc(folder: Path) -> Path:
    rc = folder / "taskrc"
    if not rc.exists():
        rc.write_text(f"data.location={folder}\nconfirmation=off\nverbose=nothing\nhooks=off\n")
    return rc


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    task = (
        subprocess.run(["task", "--version"], capture_output=True, text=True).stdout.strip()
        if shutil.which("task")
        else "not installed"
    )
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB; {platform.platform()}; "
        f"Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}; "
        f"Taskwarrior {task}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="bundled,10k,100k")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/track-bench"))
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "TRACK_DB"}
    env["HOME"] = str(args.workdir)
    results: dict[str, dict[str, Timing]] = {}
    sizes_info: dict[str, tuple[int, int]] = {}
    runs = args.runs

    floors = {
        "python -c pass": [PY, "-c", "pass"],
        "python -c 'import click'": [PY, "-c", "import click"],
        "python -c 'import click, tabulate, sqlite3'": [
            PY,
            "-c",
            "import click, tabulate, sqlite3",
        ],
    }
    print("floors", file=sys.stderr)
    results["floors"] = {k: measure(k, v, runs=runs, env=env) for k, v in floors.items()}
    results["floors"]["track --help"] = measure(
        "track --help", [TRACK, "--help"], runs=runs, env=env
    )

    for name in args.sizes.split(","):
        db, tw, events = build_size(name, args.workdir)
        sizes_info[name] = (events, db.stat().st_size)
        print(f"{name}: {events} events", file=sys.stderr)
        results[name] = bench_size(name, db, tw, runs=runs, env=env, workdir=args.workdir)

    args.out.write_text(render(results, sizes_info, runs), encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)


def bench_size(
    name: str, db: Path, tw: Path | None, *, runs: int, env: dict, workdir: Path
) -> dict[str, Timing]:
    """Time every command on one database (and Taskwarrior on the same data)."""

    def t(*args: str) -> list[str]:
        return [TRACK, "--db", str(db), *args]

    conn = sqlite3.connect(db)
    ids = [r[0] for r in conn.execute("SELECT id FROM commitments ORDER BY rowid LIMIT 2 OFFSET 1")]
    area = conn.execute("SELECT area FROM commitments LIMIT 1").fetchone()[0]
    conn.close()
    statuses = ["in-progress", "stalled", "partial", "unclear"]
    r: dict[str, Timing] = {}

    def time_(label: str, command, **kwargs) -> None:
        r[label] = measure(label, command, runs=kwargs.pop("runs", runs), env=env, **kwargs)

    time_("sqlite floor (status query)", [PY, "-c", STATUS_FLOOR, str(db)])
    time_("track status", t("status"))
    time_("track status --area X", t("status", "--area", area))
    time_("track show ID", t("show", ids[0]))
    time_("track note ID", t("note", ids[0], "benchmark note", "--on", "2024-01-01"))
    time_(
        "track set ID",
        lambda i: t("set", ids[1], statuses[i % len(statuses)], "--on", "2024-01-02"),
    )
    time_(
        "track report",
        t("report", "-o", str(workdir / "r.md")),
        runs=runs if name != "100k" else max(3, runs // 2),
    )
    if name == "100k":
        export = workdir / "100k.jsonl"
        if not export.exists():
            subprocess.run(
                t("export", "-f", "jsonl", "-o", str(export)),
                check=True,
                capture_output=True,
                env=env,
            )
        target = workdir / "import.db"

        def fresh(_i: int) -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            subprocess.run(
                [TRACK, "--db", str(target), "init", "--empty"],
                check=True,
                capture_output=True,
                env=env,
            )

        time_(
            "track import (jsonl export)",
            [TRACK, "--db", str(target), "import", str(export)],
            runs=max(2, runs // 2),
            before=fresh,
        )
    if tw is not None:
        tenv = {**env, "TASKRC": str(taskrc(tw))}
        for label, command in (
            ("task list", ["task", "list"]),
            ("task N info", ["task", "5", "info"]),
            ("task N annotate", ["task", "5", "annotate", "benchmark note"]),
            ("task summary", ["task", "summary"]),
        ):
            r[label] = measure(label, command, runs=runs, env=tenv)
    return r


def render(
    results: dict[str, dict[str, Timing]], sizes: dict[str, tuple[int, int]], runs: int
) -> str:
    floors = results["floors"]
    click_ = floors["python -c 'import click'"].median
    imports = floors["python -c 'import click, tabulate, sqlite3'"].median
    out = [
        "# Benchmark results",
        "",
        f"Measured {dt.date.today().isoformat()} on {machine()}.",
        "",
        f"Whole processes, wall time: median of {runs} runs after one warm-up run (fewer for "
        "the slowest commands, as marked n), min and max, and peak resident memory from the "
        "OS. Generated by `python benchmarks/run.py`; the data comes from "
        "`benchmarks/make_db.py` (several meetings, 12 areas, parties, due dates, statuses, "
        "metrics, evidence with sources) and is given to Taskwarrior as one task per "
        "commitment with one annotation per event.",
        "",
        "## Floors",
        "",
        "| Command | Median | Min | Max | Peak memory |",
        "|---|---:|---:|---:|---:|",
    ]
    out += [row(k, v) for k, v in floors.items()]
    for name, r in results.items():
        if name == "floors":
            continue
        events, size = sizes[name]
        out += [
            "",
            f"## {name}: {events:,} events, database {size / 2**20:.1f} MiB "
            f"({size / max(events, 1):.0f} bytes per event)",
            "",
            "| Command | Median | Min | Max | Peak memory | n |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        out += [row(k, v, n=True) for k, v in r.items()]
    out += ["", "## Targets", "", "| Target | Measured | Result |", "|---|---|---|"]
    help_ = floors["track --help"].median
    out.append(target("`track --help` ≤ 1.5× `import click`", help_ / click_, 1.5))
    if "bundled" in results:
        b = results["bundled"]
        out.append(
            target(
                "bundled `status` ≤ 1.5× `import click, tabulate, sqlite3`",
                b["track status"].median / imports,
                1.5,
            )
        )
        out.append(
            target(
                "bundled `note` ≤ 2× `import click, tabulate, sqlite3`",
                b["track note ID"].median / imports,
                2,
            )
        )
    if "10k" in results and "task list" in results["10k"]:
        k = results["10k"]
        for mine, theirs in (
            ("track status", "task list"),
            ("track show ID", "task N info"),
            ("track note ID", "task N annotate"),
        ):
            out.append(
                target(
                    f"10k `{mine[6:]}` ≤ 0.5× `{theirs}`", k[mine].median / k[theirs].median, 0.5
                )
            )
        out.append(seconds("10k `report` < 2 s", k["track report"].median, 2))
    if "100k" in results and "bundled" in results:
        h, b = results["100k"], results["bundled"]
        for cmd in ("track show ID", "track note ID", "track set ID"):
            out.append(
                target(f"100k `{cmd[6:]}` ≤ 1.5× bundled", h[cmd].median / b[cmd].median, 1.5)
            )
        out.append(seconds("100k `status --area X` < 2 s", h["track status --area X"].median, 2))
        out.append(seconds("100k `report` < 15 s", h["track report"].median, 15))
        out.append(
            f"| 100k `report` peak memory < 500 MB | {h['track report'].peak_kb / 1024:.0f}"
            f" MB | {'pass' if h['track report'].peak_kb < 500 * 1024 else 'FAIL'} |"
        )
        if "track import (jsonl export)" in h:
            out.append(
                seconds(
                    "100k (1M events) `import` < 60 s", h["track import (jsonl export)"].median, 60
                )
            )
    return "\n".join(out) + "\n"


def row(label: str, t: Timing, *, n: bool = False) -> str:
    cells = [
        f"`{label}`",
        f"{t.median * 1000:.0f} ms",
        f"{min(t.times) * 1000:.0f} ms",
        f"{max(t.times) * 1000:.0f} ms",
        f"{t.peak_kb / 1024:.0f} MB",
    ]
    if n:
        cells.append(str(len(t.times)))
    return "| " + " | ".join(cells) + " |"


def target(label: str, ratio: float, limit: float) -> str:
    return f"| {label} | {ratio:.2f}× | {'pass' if ratio <= limit else 'FAIL'} |"


def seconds(label: str, value: float, limit: float) -> str:
    return f"| {label} | {value:.2f} s | {'pass' if value < limit else 'FAIL'} |"


if __name__ == "__main__":
    main()
