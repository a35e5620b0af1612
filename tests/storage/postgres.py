"""A throwaway PostgreSQL server for the tests, started from the machine's binaries.

Nothing is shared with any system server: ``initdb`` makes a cluster in a fresh temporary
folder, the server listens only on a Unix socket in that folder (``listen_addresses=''``),
trusts local connections, skips fsync (the data dies with the test run anyway), and is
stopped and deleted at the end. PostgreSQL refuses to run as root, so under root the
commands run as the ``postgres`` system user, which owns the folder.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_BINDIR = Path("/usr/lib/postgresql/15/bin")
SERVER_OPTIONS = ("-c listen_addresses='' -c fsync=off -c synchronous_commit=off "
                  "-c full_page_writes=off -c max_connections=50")


class Unavailable(RuntimeError):
    """No PostgreSQL binaries (or no user to run them as) on this machine."""


def find_bindir() -> Path:
    """``INTAKE_PG_BINDIR``, else PostgreSQL 15's Debian location, else the newest other."""
    configured = os.environ.get("INTAKE_PG_BINDIR")
    candidates = [Path(configured)] if configured else [DEFAULT_BINDIR, *sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: _major(p), reverse=True)]
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    raise Unavailable("no PostgreSQL server binaries (initdb, pg_ctl) in "
                      f"{', '.join(map(str, candidates)) or '/usr/lib/postgresql/*/bin'}; "
                      "install the postgresql package or set INTAKE_PG_BINDIR")


def _major(path: Path) -> int:
    name = path.parent.name
    return int(name) if name.isdigit() else 0


def _free_port() -> int:
    # Only names the socket file (no TCP listener); a free TCP port keeps it unique anyway.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresServer:
    bindir: Path
    root: Path
    port: int
    user: str | None  # run the binaries as this system user (when we are root)

    @classmethod
    def start(cls, bindir: Path) -> PostgresServer:
        user = None
        root = Path(tempfile.mkdtemp(prefix="intake-pg-"))
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                shutil.rmtree(root, ignore_errors=True)
                raise Unavailable("running as root and there is no 'postgres' user to run "
                                  "the server as") from None
            os.chown(root, account.pw_uid, account.pw_gid)
            user = "postgres"
        server = cls(bindir, root, _free_port(), user)
        try:
            server._run("initdb", "-D", str(root / "data"), "-U", "postgres", "-A", "trust",
                        "-E", "UTF8", "--no-sync", "--no-instructions")
            server._run("pg_ctl", "-D", str(root / "data"), "-l", str(root / "server.log"),
                        "-w", "-o", f"-k {root} -p {server.port} {SERVER_OPTIONS}", "start")
        except BaseException:
            server.stop()
            raise
        return server

    def _run(self, program: str, *args: str) -> None:
        command: Sequence[str] = [str(self.bindir / program), *args]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False,
                              cwd=self.root)
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip()}"
                               f"\n{tail}")

    def pause(self) -> None:
        """Stop the server but keep its data, as an outage would."""
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        self._run("pg_ctl", "-D", str(self.root / "data"), "-l", str(self.root / "server.log"),
                  "-w", "-o", f"-k {self.root} -p {self.port} {SERVER_OPTIONS}", "start")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.root}&port={self.port}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(host=str(self.root), port=self.port, user="postgres",
                             dbname="postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            if (self.root / "data" / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
