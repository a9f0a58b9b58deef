"""Where one `track` command spends its time: start-up, imports, the store, the query, the
rendering, the output, in CPU time (which the machine's load barely moves) and wall time.

    python benchmarks/phases.py --db /tmp/track-bench/10k.db status
    python benchmarks/phases.py --repeat 5 --db /tmp/track-bench/10k.db show NARC-1

(--repeat N, first, runs the command N times in fresh processes and gives medians.)

Run it with the bytecode cache on (no PYTHONDONTWRITEBYTECODE), as run.py does, unless the
cost of compiling is what you are after. It wraps a few library functions by name; one that
no longer exists is left out of the table.
"""

from __future__ import annotations

import io
import statistics
import subprocess
import sys
import time

START_CPU = time.process_time()  # what the interpreter and site spent before this line

PHASES = [
    # (module, attribute path, label)
    ("tracker.store", "Store.open", "Store.open (connect, schema and migration check)"),
    ("tracker.store", "Store.status_rows", "Store.status_rows (SQL and row objects)"),
    ("tracker.store", "Store._facts_now", "  of which _facts_now (every party rating)"),
    ("tracker.store", "Store.state", "Store.state (one commitment's fold)"),
    ("tracker.store", "Store.commitments", "Store.commitments (every commitment)"),
    ("tracker.store", "Store.add_note", "Store.add_note"),
    ("tracker.store", "Store.rate", "Store.rate"),
    ("tracker.store", "Store.codings", "Store.codings (folds every commitment)"),
    ("tracker.store", "Store.add_records", "Store.add_records (checks, writes, refresh)"),
    ("tracker.derived", "refresh", "derived.refresh"),
    ("tracker.derived", "read_events", "derived.read_events (rows to Event objects)"),
    ("tracker.derived", "fold", "derived.fold"),
    ("tracker.identity", "coder", "identity.coder (git config in a subprocess)"),
    ("tracker.cli", "render", "formats.render (cells, escaping, layout)"),
    ("tracker.cli", "emit", "formats.emit (stdout)"),
    ("tracker.cli", "_links_in", "cli._links_in (every commitment, for links)"),
    ("tracker.report", "build_report", "report.build_report"),
]


def main() -> None:
    # by hand, so that every other argument (--help too) goes to track
    rest, repeat, child = sys.argv[1:], 1, False
    while rest and rest[0] in ("--repeat", "--child"):
        if rest[0] == "--child":
            child, rest = True, rest[1:]
        else:
            repeat, rest = int(rest[1]), rest[2:]
    if child:
        for label, cpu, wall in measure(rest):
            print(f"{label}\t{cpu}\t{wall}", file=sys.stderr)
        return
    runs: list[list[tuple[str, float, float]]] = []
    for _ in range(repeat):
        done = subprocess.run([sys.executable, __file__, "--child", *rest],
                              capture_output=True, text=True)  # fmt: skip
        rows = [line.split("\t") for line in done.stderr.splitlines() if line.count("\t") == 2]
        if not rows:
            sys.exit(f"the command failed: {done.stderr[-500:]}")
        runs.append([(label, float(cpu), float(wall)) for label, cpu, wall in rows])
    title = f"phase (median of {len(runs)} run{'s' * (len(runs) > 1)})"
    print(f"{title:<58} {'cpu':>11} {'wall':>11}", file=sys.stderr)
    for label, _cpu, _wall in runs[0]:
        cpu = statistics.median(r[1] for run in runs for r in run if r[0] == label)
        wall = statistics.median(r[2] for run in runs for r in run if r[0] == label)
        shown = f"{wall * 1000:8.1f} ms" if wall >= 0 else f"{'':>11}"
        print(f"{label:<58} {cpu * 1000:8.1f} ms {shown}", file=sys.stderr)


def measure(argv: list[str]) -> list[tuple[str, float, float]]:
    import importlib

    spent: dict[str, list[float]] = {}
    cpu0, wall0 = time.process_time(), time.perf_counter()
    import tracker.cli as cli

    cpu1, wall1 = time.process_time(), time.perf_counter()
    spent["import tracker.cli (click, formats, vocabulary)"] = [cpu1 - cpu0, wall1 - wall0]
    import tracker.store  # noqa: F401  (imported by commands that open the database)

    cpu2, wall2 = time.process_time(), time.perf_counter()
    spent["import tracker.store (sqlite3, derived, records, ...)"] = [cpu2 - cpu1, wall2 - wall1]
    for module_name, path, label in PHASES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        owner_name, _, attribute = path.rpartition(".")
        owner = getattr(module, owner_name) if owner_name else module
        original = owner.__dict__.get(attribute) if owner_name else getattr(module, attribute, None)
        if original is None:
            continue
        setattr(owner, attribute, _timed(label, original, spent))
    sys.argv = ["track", *argv]
    out, sys.stdout = sys.stdout, io.StringIO()  # keep the command's output off the terminal
    code = 0
    try:
        cli.cli()
    except SystemExit as stop:
        code = stop.code
    finally:
        sys.stdout = out
    cpu9, wall9 = time.process_time(), time.perf_counter()
    rows = [
        (f"exit status {code}", 0.0, -1.0),
        ("start-up before main (interpreter, site, script)", START_CPU, -1.0),
    ]
    rows += [(label, cpu, wall) for label, (cpu, wall) in spent.items()]
    rows.append(("total after start-up", cpu9 - cpu0, wall9 - wall0))
    return rows


def _timed(label: str, function, spent: dict[str, list[float]]):
    is_class_method = isinstance(function, classmethod)
    inner = function.__func__ if is_class_method else function
    depth = [0]

    def wrapper(*args, **kwargs):
        depth[0] += 1
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            depth[0] -= 1
            if depth[0] == 0:  # count recursion once
                total = spent.setdefault(label, [0.0, 0.0])
                total[0] += time.process_time() - cpu
                total[1] += time.perf_counter() - wall

    wrapper.__wrapped__ = inner
    return classmethod(wrapper) if is_class_method else wrapper


if __name__ == "__main__":
    main()
