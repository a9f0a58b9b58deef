import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("*.whl")
    return zipfile.ZipFile(built)


def test_wheel_ships_the_seed_files_inside_the_package(wheel):
    names = set(wheel.namelist())
    for seed in (ROOT / "seeds").glob("*.toml"):
        assert f"tracker/bundled/{seed.name}" in names
        assert wheel.read(f"tracker/bundled/{seed.name}") == seed.read_bytes()


def test_wheel_declares_the_track_command_and_runtime_dependencies(wheel):
    (entry_points,) = [n for n in wheel.namelist() if n.endswith("entry_points.txt")]
    assert "track = tracker.cli:cli" in wheel.read(entry_points).decode()
    (metadata,) = [n for n in wheel.namelist() if n.endswith("METADATA")]
    requires = [
        line.split(":", 1)[1].strip().split(">")[0].split(";")[0].strip()
        for line in wheel.read(metadata).decode().splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    ]
    assert sorted(requires) == ["click", "python-dateutil", "sqlite-utils", "tabulate"]
