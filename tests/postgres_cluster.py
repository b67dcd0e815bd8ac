"""A throwaway PostgreSQL cluster for the test suite.

``python -m tests.postgres_cluster CMD...`` runs ``initdb`` in a temporary
folder, starts the server on a free loopback port, runs ``CMD`` with
``DING_TEST_DATABASE_URL`` pointing at it, then stops the server and deletes
the folder, whatever ``CMD`` did. ``initdb`` refuses to run as root, so as root
the server runs as the ``postgres`` (or ``nobody``) user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as() -> list[str]:
    if os.geteuid() != 0:
        return []
    for user in ("postgres", "nobody"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            continue
        return ["runuser", "-u", user, "--"]
    raise RuntimeError("running as root and no unprivileged user to run PostgreSQL as")


@contextlib.contextmanager
def postgres_cluster() -> Iterator[str]:
    """Start a cluster; yield its database URL; stop and delete it."""
    for tool in ("initdb", "pg_ctl"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not on PATH: install the PostgreSQL server")
    prefix = _run_as()
    root = tempfile.mkdtemp(prefix="ding-pg-")
    data = os.path.join(root, "data")
    if prefix:
        user = prefix[2]
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    port = _free_port()
    log = os.path.join(root, "server.log")
    try:
        subprocess.run(
            [
                *prefix,
                "initdb",
                "-D",
                data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        options = f"-h 127.0.0.1 -p {port} -k {root} -F -c max_connections=100 -c fsync=off"
        subprocess.run(
            [*prefix, "pg_ctl", "-D", data, "-l", log, "-o", options, "-w", "start"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        try:
            yield f"postgres://postgres@127.0.0.1:{port}/ding"
        finally:
            subprocess.run(
                [*prefix, "pg_ctl", "-D", data, "-m", "fast", "-w", "stop"],
                check=False,
                stdout=subprocess.DEVNULL,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m tests.postgres_cluster CMD [ARGS...]", file=sys.stderr)  # noqa: T201
        return 2
    with postgres_cluster() as url:
        env = {**os.environ, "DING_TEST_DATABASE_URL": url}
        return subprocess.run(argv, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
