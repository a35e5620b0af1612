"""The installed package carries everything the container needs: built as a wheel and
installed outside the source tree (as the Dockerfile does), it checks its bundled flows and
migrates a fresh database with its own migrations."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from storage.migrate import head

ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_wheel_installed_elsewhere_checks_its_flows_and_migrates_a_database(
        tmp_path: Path) -> None:
    dist, target, work = tmp_path / "dist", tmp_path / "site", tmp_path / "work"
    work.mkdir()
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "--wheel-dir", str(dist), str(ROOT)], cwd=tmp_path)
    wheel = next(dist.glob("intake-*.whl"))
    run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target",
         str(target), str(wheel)], cwd=tmp_path)
    env = {**os.environ, "PYTHONPATH": str(target),
           "DATABASE_URL": f"sqlite:///{work / 'intake.sqlite3'}",
           "INTAKE_LOCALES": str(ROOT / "locales")}  # the image copies locales/ beside
    for name in [n for n in env if n.startswith("INTAKE_") and n != "INTAKE_LOCALES"]:
        del env[name]
    where = run([sys.executable, "-c", "import bot, storage; print(bot.__file__); "
                 "print(storage.__file__)"], cwd=work, env=env).split()
    assert all(path.startswith(str(target)) for path in where), where
    checked = run([sys.executable, "-m", "bot", "flows", "check"], cwd=work, env=env)
    assert "intake" in checked and "pwsn" in checked, checked
    run([sys.executable, "-m", "bot", "db", "upgrade"], cwd=work, env=env)
    status = run([sys.executable, "-m", "bot", "db", "current"], cwd=work, env=env)
    assert f"revision {head()}, latest {head()} (up to date)" in status, status
