"""``intake flows publish|list|show|diff|export|rollback|withdraw`` on a real SQLite file:
what each prints, that a broken file publishes nothing, and one ``error:`` line naming what
exists for an unknown flow or revision."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.flows.library import BUNDLED
from storage import migrate
from storage.crypto import Cipher, generate_key
from storage.database import make_engine
from storage.flowstore import SqlFlowStore
from storage.stores import Storage

GBV_OPTION = "      gbv: Someone who told me about gender-based violence\n"


@pytest.fixture
def storage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Storage]:
    key, index_key = generate_key(), generate_key()
    url = f"sqlite:///{tmp_path / 'intake.sqlite3'}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("INTAKE_KEYS", key)
    monkeypatch.setenv("INTAKE_INDEX_KEY", index_key)
    engine = make_engine(url)
    migrate.upgrade(engine)
    store = Storage.on(engine, Cipher([key], index_key=index_key))
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the bundled flows, configured as INTAKE_FLOWS."""
    target = tmp_path / "flows"
    target.mkdir()
    for path in BUNDLED.glob("*.yaml"):
        shutil.copy(path, target / path.name)
    monkeypatch.setenv("INTAKE_FLOWS", str(target))
    return target


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _remove_gbv(folder: Path) -> None:
    path = folder / "intake.yaml"
    text = path.read_text(encoding="utf-8")
    assert GBV_OPTION in text
    path.write_text(text.replace(GBV_OPTION, ""), encoding="utf-8")


def test_publish_list_diff_show_rollback_and_withdraw(
        storage: Storage, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "flows", "list")
    assert (code, out.split(":")[0]) == (0, "no flows published yet")
    code, out, _ = run(capsys, "flows", "publish", "--by", "amal", "--note", "first")
    assert code == 0 and out.startswith("publication 1: ")
    first = int(out.split("intake r")[1].split(",")[0].split(" ")[0])
    assert run(capsys, "flows", "publish")[1].startswith("nothing changed")
    _remove_gbv(folder)
    code, out, _ = run(capsys, "flows", "list")
    assert f"intake would become r{first + 1}" in out
    code, out, _ = run(capsys, "flows", "diff", "intake", str(first))  # diff, then publish
    assert code == 0 and "+++ intake in the configured files" in out
    assert "-situation:   option gbv: Someone who told me about gender-based violence" in out
    code, out, _ = run(capsys, "flows", "publish", str(folder / "intake.yaml"), "--by", "amal")
    assert (code, out.splitlines()[0].split(" (")[0]) == (0, f"publication 2: intake r{first + 1}")
    code, out, _ = run(capsys, "flows", "list")
    intake = next(line for line in out.splitlines() if line.startswith("intake "))
    assert intake.split()[:2] == ["intake", str(first + 1)] and " amal " in intake
    assert "would become" not in out

    code, out, _ = run(capsys, "flows", "diff", "intake", str(first), str(first + 1))
    removed = [line for line in out.splitlines() if line.startswith("-") and
               not line.startswith("---")]
    assert code == 0 and removed == [
        "-situation:   option gbv: Someone who told me about gender-based violence"]
    code, out, _ = run(capsys, "flows", "show", "intake", "--revision", str(first))
    assert code == 0 and out.startswith(f"intake revision {first}: publication 1, ")
    assert "by amal: first" in out.splitlines()[0]
    assert "situation:   option gbv: Someone who told me about gender-based violence" in out
    code, out, _ = run(capsys, "flows", "show", "intake", "--source")
    assert code == 0 and out.startswith("# The entry flow") and GBV_OPTION not in out

    code, out, _ = run(capsys, "flows", "rollback", "intake", str(first), "--by", "amal")
    assert code == 0 and out.startswith(f"publication 3: intake r{first + 2}")
    code, out, _ = run(capsys, "flows", "withdraw", "intake", str(first + 1))
    assert code == 0 and out.startswith(f"revision {first + 1} of 'intake' withdrawn; 0 open")
    history = {(r.flow_id, r.revision): r for r in SqlFlowStore(storage.context).history()}
    assert history[("intake", first + 1)].withdrawn_at is not None


def test_a_broken_file_publishes_nothing(storage: Storage, folder: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "flows", "publish")[0] == 0
    (folder / "intake.yaml").write_text(
        (folder / "intake.yaml").read_text(encoding="utf-8").replace(
            "    next: where\n", "    next: nowhere\n"), encoding="utf-8")
    code, out, err = run(capsys, "flows", "publish")
    assert code == 1 and out == "" and "nowhere" in err
    assert err.rstrip().endswith("nothing was published.")
    assert SqlFlowStore(storage.context).version() == 1


def test_export_writes_the_current_flows_once(storage: Storage, folder: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "flows", "publish")
    target = tmp_path / "exported"
    code, out, _ = run(capsys, "flows", "export", str(target))
    assert code == 0 and out.startswith("8 flows of publication 1 written to ")
    assert sorted(p.name for p in target.iterdir()) == sorted(p.name for p in
                                                              folder.glob("*.yaml"))
    code, _, err = run(capsys, "flows", "export", str(target))
    assert code == 2
    assert err.strip().splitlines()[-1].startswith(f"error: {target} already has child.yaml, ")


@pytest.mark.parametrize(("argv", "expected"), [
    (["show", "nosuch"], "error: unknown flow 'nosuch' (known: child, child_pathway, gbv, "
                         "gbv_referral, intake, pwsn, urgent_screen, where)"),
    (["show", "pwsn", "--revision", "99"], "error: flow 'pwsn' has no revision 99 (known: "),
    (["diff", "pwsn", "1", "99"], "error: flow 'pwsn' has no revision "),
    (["rollback", "nosuch", "1"], "error: unknown flow 'nosuch' (known: child, "),
    (["withdraw", "pwsn", "99"], "error: flow 'pwsn' has no revision 99 (known: "),
])
def test_an_unknown_flow_or_revision_is_one_error_line_naming_what_exists(
        storage: Storage, folder: Path, capsys: pytest.CaptureFixture[str],
        argv: list[str], expected: str) -> None:
    run(capsys, "flows", "publish")
    code, out, err = run(capsys, "flows", *argv)
    assert (code, out) == (2, "")
    assert err.strip().splitlines()[-1].startswith(expected)


def test_withdrawing_the_current_revision_is_refused(
        storage: Storage, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "flows", "publish")[1]
    current = out.split("pwsn r")[1].split(",")[0].split(" ")[0].rstrip(")")
    code, _, err = run(capsys, "flows", "withdraw", "pwsn", current)
    assert code == 2 and "is the current one: publish a fix or roll back first" in err
