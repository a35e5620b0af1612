"""The installed package carries everything the container needs: built as a wheel without a
single packaging warning and installed outside the source tree (as the Dockerfile does), it
finds its own translations, checks its bundled flows and migrates a fresh database with its
own migrations."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from babel.messages.pofile import read_po

from bot import __version__
from bot.i18n.texts import Texts
from storage.migrate import head

ROOT = Path(__file__).resolve().parents[1]
#: setuptools, pip and wheel report packaging problems as SomethingWarning (BuildBackendWarning,
#: SetuptoolsDeprecationWarning, ...); distutils' "warning: byte-compiling is disabled" is not one.
PACKAGING_WARNING = re.compile(r"\b[A-Z]\w*Warning\b")
#: What the wheel is built from (the Dockerfile copies the same).
BUILT_FROM = ["pyproject.toml", "setup.py", "README.md", "bot", "storage", "locales"]


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def an_arabic_text() -> tuple[str, str]:
    """A message and its Arabic translation, as the source tree's catalog has them."""
    with (ROOT / "locales" / "ar" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="ar")
    for message in catalog:
        if (message.id and isinstance(message.id, str) and isinstance(message.string, str)
                and message.string and not message.context and not message.fuzzy
                and "{" not in message.id):
            return message.id, message.string
    raise AssertionError("the Arabic catalog has no plain translated message")


def test_the_wheel_installed_elsewhere_speaks_arabic_checks_its_flows_and_migrates(
        tmp_path: Path) -> None:
    source, dist = tmp_path / "source", tmp_path / "dist"
    target, work = tmp_path / "site", tmp_path / "work"
    work.mkdir()
    source.mkdir()
    # Built from a copy, so that the build leaves nothing behind in the tree.
    for name in BUILT_FROM:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns(
                "__pycache__", "*.mo"))
        else:
            shutil.copy2(ROOT / name, source / name)
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                 "--verbose", "--wheel-dir", str(dist), str(source)], cwd=tmp_path)
    assert not PACKAGING_WARNING.findall(built), built
    wheel = next(dist.glob("intake-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(f"intake-{__version__}.dist-info/METADATA").decode()
    assert "License-Expression: AGPL-3.0-or-later" in metadata, metadata
    installed = run([sys.executable, "-m", "pip", "install", "--no-deps", "--verbose",
                     "--target", str(target), str(wheel)], cwd=tmp_path)
    assert not PACKAGING_WARNING.findall(installed), installed
    env = {**os.environ, "PYTHONPATH": str(target),
           "DATABASE_URL": f"sqlite:///{work / 'intake.sqlite3'}"}
    for name in [n for n in env if n.startswith("INTAKE_")]:
        del env[name]  # nothing points the installed product at the source tree
    where = run([sys.executable, "-c", "import bot, storage; print(bot.__file__); "
                 "print(storage.__file__)"], cwd=work, env=env).split()
    assert all(path.startswith(str(target)) for path in where), where
    message, arabic = an_arabic_text()
    spoken = run([sys.executable, "-c", "import sys; from bot.i18n.texts import Texts; "
                  "print(Texts().gettext('ar', sys.argv[1]))", message], cwd=work, env=env)
    assert spoken.strip() == arabic.strip(), (message, spoken)
    # each language's review status travels with its catalog (locales/<lang>/review.yaml)
    reviewed = run([sys.executable, "-c", "from bot.i18n.texts import Texts; t = Texts(); "
                    "print(*(lang for lang in ('ar', 'tr', 'ku', 'fr') if t.reviewed(lang)))"],
                   cwd=work, env=env)
    assert reviewed.split() == [lang for lang in ("ar", "tr", "ku", "fr")
                                if Texts().reviewed(lang)] != [], reviewed
    version = run([sys.executable, "-m", "bot", "--version"], cwd=work, env=env)
    assert version.strip() == f"intake {__version__}"
    checked = run([sys.executable, "-m", "bot", "flows", "check"], cwd=work, env=env)
    assert "intake" in checked and "pwsn" in checked, checked
    run([sys.executable, "-m", "bot", "db", "upgrade"], cwd=work, env=env)
    status = run([sys.executable, "-m", "bot", "db", "current"], cwd=work, env=env)
    assert f"revision {head()}, latest {head()} (up to date)" in status, status
