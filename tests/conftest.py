import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import cli
from tracker.store import create_database


@pytest.fixture(autouse=True)
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point TRACK_DB at a file in tmp_path, so no test can touch a real user's database."""
    path = tmp_path / "track.db"
    monkeypatch.setenv("TRACK_DB", str(path))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    monkeypatch.setenv("TRACK_CODER", "tester")
    for name in ("NO_COLOR", "FORCE_COLOR", "PAGER", "EDITOR", "VISUAL"):
        monkeypatch.delenv(name, raising=False)
    return path


FIXTURES = Path(__file__).parent / "fixtures"
# A frozen copy of the Woodside data of track 0.1 (28 commitments, 11 events), so tests do not
# move when the bundled record is updated.
TEST_SEEDS = [FIXTURES / "woodside.toml", FIXTURES / "woodside-evidence.toml"]


@pytest.fixture
def seeded(db_path: Path) -> Path:
    """A database holding the test copy of the Woodside 2023 data (see TEST_SEEDS)."""
    store, _ = create_database(db_path, seed_files=TEST_SEEDS)
    store.close()
    return db_path


@pytest.fixture
def overdue_ai2(seeded: Path, run) -> str:
    """The bundled data plus AI-2, a joint commitment due 2024-06-30 and not fulfilled."""
    run(
        "add",
        "AI-2",
        "--title",
        "Second round",
        "--area",
        "ai",
        "--party",
        "US",
        "--party",
        "CN",
        "--due",
        "2024-06-30",
    )
    return "AI-2"


@pytest.fixture
def run():
    """Invoke the CLI; by default assert success and return the click Result."""
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True, input: str | None = None, env: dict | None = None):
        result = runner.invoke(
            cli, list(args), input=input, env=env, prog_name="track", catch_exceptions=False
        )
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return invoke


def dump(path: Path) -> str:
    """Return a full SQL dump of the database, read without changing it."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def plant(path: Path, *, text: str, url: str, title: str) -> None:
    """Write a note with hostile values straight into the events table of AI-1, as a
    database from another tool or an older version could hold them (run `rebuild` after)."""
    import json

    conn = sqlite3.connect(path)
    uid = conn.execute("SELECT uid FROM commitments WHERE id = 'AI-1'").fetchone()[0]
    conn.execute(
        "INSERT INTO events (uuid, commitment, commitment_uid, kind, happened_on, recorded_at, "
        "author, device, counter, text, sources, tags) VALUES "
        "('55555555-5555-4555-8555-555555555555', 'AI-1', ?, 'note', '2024-05-01', "
        "'2024-05-01T00:00:00Z', ?, 'x', 99, ?, ?, '[\"t\"]')",
        [uid, title, text, json.dumps([{"url": url, "title": title}])],
    )
    conn.commit()
    conn.close()


def assert_one_line_error(result, *fragments: str, code: int | None = None) -> None:
    """The command failed with a single `Error: ...` line naming every fragment, no traceback."""
    assert result.exit_code != 0
    if code is not None:
        assert result.exit_code == code
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in result.output
