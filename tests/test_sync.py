"""One record for a team, shared through git: real bare repositories and clones in tmp_path,
the CLI run as analysts would. They end identical; conflicts are shown, then settled."""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import TEST_SEEDS, assert_one_line_error, dump

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def shared(tmp_path) -> Path:
    bare = tmp_path / "shared.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    return bare


def desk(run, tmp_path: Path, name: str):
    """A function running track for one analyst, with their own database and name."""
    db = tmp_path / f"{name}.db"

    def track(*args, ok=True, input=None):
        return run("--db", str(db), *args, ok=ok, input=input, env={"TRACK_CODER": name})

    track.db = db
    return track


def first_desk(run, tmp_path, shared):
    ann = desk(run, tmp_path, "ann")
    ann("init", *[f"--seed={p}" for p in TEST_SEEDS])
    ann("remote", "add", str(shared))
    ann("sync")
    return ann


def same(*desks) -> None:
    exports = {d("export").stdout for d in desks}
    statuses = {d("status", "-f", "json").stdout for d in desks}
    assert len(exports) == 1 and len(statuses) == 1


def commits(folder: Path) -> int:
    out = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=folder, capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    return int(out)


def test_a_team_ends_identical_with_conflicts_shown_then_settled(run, tmp_path, shared):
    ann = first_desk(run, tmp_path, shared)
    ben = desk(run, tmp_path, "ben")
    assert "Cloned" in ben("clone", str(shared)).stderr
    same(ann, ben)
    # both work offline on the same things
    ann("set", "MIL-5", "fulfilled", "--on", "2024-06-01", "--reason", "met")
    ben("set", "MIL-5", "partial", "--on", "2024-06-01", "--reason", "met once")
    ann("edit", "AI-1", "--title", "Talks on AI risk")
    ben("edit", "AI-1", "--title", "Government AI talks")
    ann("add", "NEW-1", "--title", "Ann's new one", "--area", "x", "--party", "US")
    ben("add", "NEW-1", "--title", "Ben's new one", "--area", "x", "--party", "US")
    ben("note", "NEW-1", "About Ben's", "--on", "2024-01-01")
    ann("sync")
    result = ben("sync")
    assert "3 conflicts to settle" in result.stderr or "conflicts to settle" in result.stderr
    ann("sync")
    same(ann, ben)
    listed = ann("conflicts", "-f", "json").stdout
    kinds = {(c["id"], c["kind"]) for c in json.loads(listed)}
    assert {("MIL-5", "rating"), ("AI-1", "field"), ("NEW-1", "id")} <= kinds
    assert "disputed" in ann("status", "--area", "military").stdout
    twins = [r["id"] for r in json.loads(ann("status", "-f", "json").stdout)
             if r["id"].startswith("NEW-1~")]  # fmt: skip
    assert len(twins) == 2
    # Ben's note stayed on Ben's commitment
    bens = next(
        t
        for t in twins
        if json.loads(ann("show", t, "-f", "json").stdout)["commitment"]["title"] == "Ben's new one"
    )
    assert any(
        e["text"] == "About Ben's"
        for e in json.loads(ann("show", bens, "-f", "json").stdout)["events"]
    )
    # settled by later changes that saw both, and a rename
    ann("set", "MIL-5", "partial", "--on", "2024-06-01", "--reason", "agreed with Ben")
    ann("edit", "AI-1", "--title", "Government talks on AI risk")
    ann("rename", bens, "NEW-2")
    ann("sync")
    ben("sync")
    same(ann, ben)
    assert ben("conflicts").stderr == "No conflicts.\n"
    assert (
        json.loads(ben("show", "NEW-2", "-f", "json").stdout)["commitment"]["title"]
        == "Ben's new one"
    )


def test_an_up_to_date_sync_makes_no_commit(run, tmp_path, shared):
    ann = first_desk(run, tmp_path, shared)
    folder = Path(str(ann.db) + ".repo")
    before = commits(folder)
    assert ann("sync").stderr == "Already up to date.\n"
    assert commits(folder) == before
    ann("note", "AI-1", "new", "--on", "2024-05-14")
    assert ann("sync").stderr.startswith("Sent 1 event")
    assert commits(folder) == before + 1


def test_the_repository_layout(run, tmp_path, shared):
    ann = first_desk(run, tmp_path, shared)
    folder = Path(str(ann.db) + ".repo")
    assert (folder / ".gitattributes").read_text() == (
        "events/**/*.jsonl merge=union\nmeetings/*.jsonl merge=union\n"
    )
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.jsonl"))
    assert files[0].startswith("events/2023-11/") and any(f.startswith("meetings/") for f in files)
    assert not list(folder.rglob("*.db"))  # the database is never committed
    for path in folder.rglob("*.jsonl"):
        for line in path.read_text().splitlines():
            json.loads(line)


def test_two_clones_syncing_at_once_both_get_through(run, tmp_path, shared):
    ann = first_desk(run, tmp_path, shared)
    ben = desk(run, tmp_path, "ben")
    ben("clone", str(shared))
    ann("note", "AI-1", "ann's", "--on", "2024-05-14")
    ben("note", "AI-1", "ben's", "--on", "2024-05-15")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    barrier = threading.Barrier(2)
    results = {}

    def go(name, db):
        barrier.wait()
        results[name] = subprocess.run([sys.executable, "-m", "tracker", "--db", str(db), "sync"],
                                       env={**env, "TRACK_CODER": name}, capture_output=True,
                                       text=True, timeout=120)  # fmt: skip

    threads = [threading.Thread(target=go, args=(n, d.db)) for n, d in (("ann", ann), ("ben", ben))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.returncode == 0 for r in results.values()), results
    ann("sync")
    ben("sync")
    same(ann, ben)
    texts = {e["text"] for e in json.loads(ann("log", "AI-1", "-f", "json").stdout)}
    assert {"ann's", "ben's"} <= texts


def test_an_interrupted_sync_is_finished_by_the_next(run, tmp_path, shared):
    """Killed between commit and push: the commit is pushed by the next sync."""
    from tracker import sync
    from tracker.store import Store

    ann = first_desk(run, tmp_path, shared)
    ben = desk(run, tmp_path, "ben")
    ben("clone", str(shared))
    ann("note", "AI-1", "written, committed, never pushed", "--on", "2024-05-14")
    store = Store.open(ann.db)
    folder = sync.repository(store)
    assert sync.write_new(store, folder)[0] == 1
    sync.git(folder, *sync._identity(folder, "ann"), "add", "--", "events", "meetings")
    sync.git(folder, *sync._identity(folder, "ann"), "commit", "-q", "-m", "interrupted")
    store.close()  # ... and the process is killed here, before the push
    ben("sync")
    assert "never pushed" not in ben("log", "AI-1").stdout
    ann("sync")
    ben("sync")
    assert "never pushed" in ben("log", "AI-1").stdout
    same(ann, ben)


def test_a_malformed_line_stops_the_sync_and_nothing_is_loaded_or_pushed(run, tmp_path, shared):
    ann = first_desk(run, tmp_path, shared)
    ben = desk(run, tmp_path, "ben")
    ben("clone", str(shared))
    ben("note", "AI-1", "a good line", "--on", "2024-05-14")
    ben("sync")
    clone = Path(str(ben.db) + ".repo")
    target = next(clone.glob("events/*/*.jsonl"))
    with target.open("a", encoding="utf-8") as out:
        out.write('{"uuid": "not-a-uuid", "kind": "note"}\n')
    subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@x", "commit", "-qam", "bad"],
                   cwd=clone, check=True)  # fmt: skip
    subprocess.run(["git", "push", "-q", "origin", "HEAD:main"], cwd=clone, check=True)
    ann("note", "AI-1", "ann's unsent note", "--on", "2024-05-16")
    before = dump(ann.db)
    result = ann("sync", ok=False)
    line_count = len(target.read_text().splitlines())
    assert_one_line_error(result, f"{target.relative_to(clone).as_posix()}:{line_count}",
                          "Nothing was loaded and nothing was pushed", code=1)  # fmt: skip
    # nothing loaded from it: not even the good line that came with it
    assert "a good line" not in ann("log", "AI-1").stdout
    assert dump(ann.db).replace("\n", "").count("ann's unsent note") == before.replace(
        "\n", ""
    ).count("ann's unsent note")
    remote_log = subprocess.run(["git", "log", "--all", "-p"], cwd=shared, capture_output=True,
                                text=True, check=True).stdout  # fmt: skip
    assert "ann's unsent note" not in remote_log


def test_sync_errors_are_one_line_and_lose_nothing(run, tmp_path, shared, monkeypatch):
    ann = desk(run, tmp_path, "ann")
    ann("init", *[f"--seed={p}" for p in TEST_SEEDS])
    assert_one_line_error(ann("sync", ok=False), "shares with no repository yet", code=1)
    ann("remote", "add", str(shared))
    ann("note", "AI-1", "kept while offline", "--on", "2024-05-14")
    subprocess.run(["mv", str(shared), str(shared) + ".away"], check=True)
    result = ann("sync", ok=False)
    assert_one_line_error(result, code=1)
    assert "kept while offline" in ann("log", "AI-1").stdout
    subprocess.run(["mv", str(shared) + ".away", str(shared)], check=True)
    assert ann("sync").stderr.startswith("Sent ")
    monkeypatch.setenv("PATH", "/nonexistent")
    assert_one_line_error(ann("sync", ok=False), "git is not installed", code=1)


def test_rebuild_from_the_repository(run, tmp_path, shared):
    ann = first_desk(run, tmp_path, shared)
    ann("note", "AI-1", "synced", "--on", "2024-05-14")
    ann("sync")
    before = ann("export").stdout
    result = ann("rebuild", "--from-repository")
    assert "The old database is kept as" in result.stderr
    assert ann("export").stdout == before
    ann("note", "AI-1", "not yet synced", "--on", "2024-05-15")
    assert_one_line_error(ann("rebuild", "--from-repository", ok=False), "not in the shared "
                          "repository yet", code=1)  # fmt: skip


def test_clone_refuses_an_existing_database(run, tmp_path, shared):
    ann = first_desk(run, tmp_path, shared)
    before = dump(ann.db)
    assert_one_line_error(ann("clone", str(shared), ok=False), "already exists", code=1)
    assert dump(ann.db) == before


def test_a_link_committed_to_the_shared_repository_is_refused_and_nothing_lost(
    run, tmp_path, shared
):
    """Someone commits a link where my events go: no sync writes through it, and my event
    stays unsynced until it really is in the repository."""
    ann = first_desk(run, tmp_path, shared)
    ben = desk(run, tmp_path, "ben")
    ben("clone", str(shared))
    victim = tmp_path / "outside.txt"
    # Ben (or anyone with push rights) commits a link named like Ann's next event file
    ann("note", "AI-1", "Mine, to share", "--on", "2024-05-14")
    device = json.loads(ann("log", "-n", "1", "-f", "json").stdout)[0]["device"]
    mallory = tmp_path / "mallory"
    subprocess.run(["git", "clone", "-q", "-b", "main", str(shared), str(mallory)], check=True)
    month = __import__("datetime").date.today().strftime("%Y-%m")
    link = mallory / "events" / month / f"{device}.jsonl"
    (mallory / "events" / "2099-01").parent.mkdir(parents=True, exist_ok=True)
    (mallory / "events" / "2099-01").symlink_to(tmp_path, target_is_directory=True)
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(victim)
    git = ["git", "-C", str(mallory), "-c", "user.name=m", "-c", "user.email=m@example.org"]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "link"], check=True)
    subprocess.run([*git, "push", "-q", "origin", "HEAD:main"], check=True)
    for _ in range(2):
        result = ann("sync", ok=False)
        assert_one_line_error(result, "is a symbolic link")
        assert not victim.exists()
    result = ben("sync", ok=False)  # a clone checks the link out as a plain file
    assert_one_line_error(result, "is a symbolic link")
    # once the link is removed, everything arrives: nothing was lost
    subprocess.run([*git, "rm", "-q", str(link), str(mallory / "events" / "2099-01")], check=True)
    subprocess.run([*git, "commit", "-qm", "unlink"], check=True)
    subprocess.run([*git, "push", "-q", "origin", "HEAD:main"], check=True)
    ann("sync")
    ben("sync")
    assert "Mine, to share" in ben("log", "AI-1").stdout
    assert not victim.exists()
    same(ann, ben)
    shown = ann("remote").stdout
    assert f"Shared repository: {shared}\n" in shown and "Not yet synced:    0 events" in shown
