"""A throwaway PostgreSQL cluster for tests and benchmarks: initdb in a folder, pg_ctl on a free port, stopped at the end."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PgCluster:
    def __init__(self, binaries: Path, folder: Path) -> None:
        self.binaries = binaries
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self._names = itertools.count(1)
        self._as_user: list[str] = []
        if os.geteuid() == 0:   # PostgreSQL refuses root: run it as the package's system user
            shutil.chown(folder, "postgres", "postgres")
            self._as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as_user, *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._run(str(self.binaries / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        self.restart_server()

    def restart_server(self, *, stop_first: bool = False) -> None:
        if stop_first:
            self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        # fsync off (a throwaway cluster: its files may go with the machine) but synchronous_commit on: a commit
        # the server acknowledged is in its WAL before the answer, so an immediate stop (a crash) keeps it, as a
        # production server does. Off, the last fraction of a second of acknowledged leases vanished with it.
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
                   " -c synchronous_commit=on -c full_page_writes=off -c max_connections=300")
        self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "log"), "-o", options,
                  "-w", "start")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def new_database(self) -> str:
        import psycopg

        name = f"kiemtra_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"create database {name}")
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        subprocess.run([*self._as_user, str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"],
                       capture_output=True, timeout=120)


if __name__ == "__main__":   # `make cluster-db`: a throwaway cluster for a person to try the cluster with
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.conftest import _postgres_bin

    found = _postgres_bin()
    if found is None:
        sys.exit("PostgreSQL chưa được cài (apt-get install postgresql)")
    folder = Path(sys.argv[1]).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    cluster = PgCluster(found, folder)
    cluster.start()
    print(cluster.new_database())
