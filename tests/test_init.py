import sqlite3
from pathlib import Path

import pytest

from conftest import assert_one_line_error, dump
from tracker import migrations
from tracker.cli import cli
from tracker.seeds import bundled_paths

MINI_SEED = """
[meeting]
slug = "bali-2022"
title = "Xi–Biden meeting in Bali"
date = 2022-11-14
place = "Bali, Indonesia"
parties = ["US", "CN"]

[[commitments]]
id = "BALI22-1"
area = "dialogue"
title = "Senior officials keep up communication"
parties = ["US", "CN"]
due = 2023-12-31
"""


def test_first_command_creates_the_database_with_the_bundled_data(run, db_path):
    assert not db_path.exists()
    result = run("status")
    assert db_path.exists()
    assert result.stderr.startswith(f"Created {db_path} with ")
    assert result.stderr.strip().endswith("of evidence and ratings from the bundled data.")
    assert "NARC-1" in result.stdout
    # the second command finds the database and says nothing on stderr
    assert run("status").stderr == ""


def test_bundled_seed_files_ship_inside_the_package():
    paths = bundled_paths()
    assert paths[0].name == "woodside-2023.toml"
    assert all(p.is_file() for p in paths)


def test_path_prints_the_database_in_use_without_creating_it(run, db_path):
    assert run("path").stdout == f"{db_path}\n"
    assert not db_path.exists()


def test_db_option_wins_over_the_environment(run, tmp_path):
    other = tmp_path / "other.db"
    assert run("--db", str(other), "path").stdout == f"{other}\n"


def test_default_path_is_in_the_app_folder(run, monkeypatch, tmp_path):
    monkeypatch.delenv("TRACK_DB")
    out = Path(run("path").stdout.strip())
    assert out.name == "track.db"
    assert str(out).startswith(str(tmp_path / "home"))
    run("status")
    assert out.exists()


@pytest.mark.parametrize("xdg", ["", "relative/dir"])
def test_an_invalid_xdg_config_home_is_ignored(run, monkeypatch, tmp_path, xdg):
    monkeypatch.delenv("TRACK_DB")
    monkeypatch.setenv("XDG_CONFIG_HOME", xdg)
    assert run("path").stdout == f"{tmp_path / 'home' / '.config' / 'track' / 'track.db'}\n"


def test_init_empty(run, db_path):
    result = run("init", "--empty")
    assert "an empty tracker" in result.stderr
    result = run("status")
    assert result.stdout.strip().endswith("0 commitments")


def test_init_with_own_seed_file(run, db_path, tmp_path):
    seed = tmp_path / "bali.toml"
    seed.write_text(MINI_SEED, encoding="utf-8")
    result = run("init", "--seed", str(seed))
    assert "with 1 meeting, 1 commitment and 0 events of evidence and ratings from bali.toml" in (
        result.stderr
    )
    assert "BALI22-1" in run("status").stdout
    assert "NARC-1" not in run("status").stdout


def test_init_refuses_an_existing_database(run, seeded):
    run("note", "NARC-1", "keep me", "--on", "2024-02-01")
    before = dump(seeded)
    result = run("init", ok=False)
    assert_one_line_error(result, "already exists (28 commitments)", "--force", code=1)
    assert dump(seeded) == before


def test_init_force_keeps_the_old_file_as_a_backup(run, seeded, tmp_path):
    run("note", "NARC-1", "keep me", "--on", "2024-02-01")
    result = run("init", "--force", "--empty")
    backups = list(tmp_path.glob("track.db.*.bak"))
    assert len(backups) == 1
    assert f"Kept the old database (28 commitments) as {backups[0]}" in result.stderr
    old = sqlite3.connect(backups[0])
    assert old.execute("select count(*) from events where text = 'keep me'").fetchone() == (1,)
    assert run("status").stdout.strip().endswith("0 commitments")


def test_init_force_with_a_bad_seed_changes_nothing(run, seeded, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[meeting\n", encoding="utf-8")
    before = dump(seeded)
    result = run("init", "--force", "--seed", str(bad), ok=False)
    assert_one_line_error(result, "bad.toml is not valid TOML")
    assert dump(seeded) == before
    assert not list(tmp_path.glob("*.bak"))


def test_init_empty_and_seed_together_is_a_usage_error(run, tmp_path):
    result = run("init", "--empty", "--seed", "x.toml", ok=False)
    assert_one_line_error(result, "--empty or --seed", code=2)


@pytest.mark.parametrize(
    "content,message",
    [
        ("[meeting]\nslug = 'x'\n", "[meeting]: field 'title' is missing"),
        (MINI_SEED.replace('"BALI22-1"', '"bali one"'), "commitments[0] (bali one): field 'id'"),
        (
            MINI_SEED.replace('["US", "CN"]\ndue', '["US", "RU"]\ndue'),
            "RU is not a party of meeting bali-2022 (US, CN)",
        ),  # fmt: skip
        (MINI_SEED.replace("due = 2023-12-31", "due = 'soon'"), "field 'due': must be a date"),
        (MINI_SEED + "colour = 'red'\n", "(BALI22-1): unknown field 'colour'"),
        (
            MINI_SEED + "[[events]]\ncommitment = 'BALI22-1'\non = 2023-01-01\n",
            "events[0] (BALI22-1): field 'text' is missing",
        ),
        ("", "no [meeting], [[commitments]], [[events]] or [[assessments]] found"),
        ("a = " + "[" * 5000 + "]" * 5000, "nested too deeply"),
    ],
)
def test_bad_seed_files_name_the_record_and_field(run, tmp_path, db_path, content, message):
    seed = tmp_path / "seed.toml"
    seed.write_text(content, encoding="utf-8")
    result = run("init", "--seed", str(seed), ok=False)
    assert_one_line_error(result, message, code=1)
    assert not db_path.exists()


def test_missing_seed_file(run, tmp_path, db_path):
    result = run("init", "--seed", str(tmp_path / "nope.toml"), ok=False)
    assert_one_line_error(result, "does not exist")
    assert not db_path.exists()


def test_not_an_sqlite_file_is_left_byte_for_byte(run, tmp_path):
    target = tmp_path / "notes.txt"
    original = b"These are my notes, not a database.\n" * 50
    target.write_bytes(original)
    for args in (["status"], ["note", "NARC-1", "x"], ["init", "--force"]):
        result = run("--db", str(target), *args, ok=False)
        assert_one_line_error(result, "is not an SQLite database", code=1)
        assert target.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_db_on_a_folder_or_missing_parent(run, tmp_path):
    assert_one_line_error(run("--db", str(tmp_path), "status", ok=False), "is a folder")
    missing = tmp_path / "no" / "such" / "track.db"
    result = run("--db", str(missing), "status", ok=False)
    assert_one_line_error(result, "does not exist")
    assert not missing.parent.exists()


def test_database_from_a_newer_track_is_refused_untouched(run, seeded):
    conn = sqlite3.connect(seeded)
    conn.execute(
        "insert into _sqlite_migrations (migration_set, name, applied_at) "
        "values ('track', 'm999_from_the_future', '2030-01-01')"
    )
    conn.commit()
    conn.close()
    before = dump(seeded)
    result = run("status", ok=False)
    assert_one_line_error(result, "newer version of track", "m999_from_the_future")
    assert dump(seeded) == before


def test_schema_is_migrated_with_wal_and_a_marker(run, seeded):
    conn = sqlite3.connect(seeded)
    assert conn.execute("pragma journal_mode").fetchone() == ("wal",)
    assert conn.execute("pragma application_id").fetchone() == (migrations.APPLICATION_ID,)
    names = [r[0] for r in conn.execute("select name from _sqlite_migrations")]
    assert names == migrations.NAMES
    assert names[0] == "m001_initial"
    fks = conn.execute("pragma foreign_key_list(commitments)").fetchall()
    assert any(fk[2] == "meetings" for fk in fks)


def test_events_cannot_be_updated_or_deleted(seeded):
    conn = sqlite3.connect(seeded)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("update events set text = 'rewritten'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("delete from events")


def test_version_and_help(run):
    assert run("--version").stdout.startswith("track, version ")
    assert "Track whether the commitments" in run("--help").stdout
    assert cli.name == "track"
