"""The PostgreSQL the tests use: $YC_TEST_POSTGRES, else the machine's on 127.0.0.1:5432, else a private cluster."""

from __future__ import annotations

import atexit
import functools
import glob
import os
import pwd
import re
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from demo.ports import free_port

ENV = "YC_TEST_POSTGRES"
MACHINE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SERVICE_USER = "yc-postgres"  # made when running as root and there is no `postgres` user
STEP_TIMEOUT = 60


@dataclass
class PrivateCluster:
    """A PostgreSQL cluster this process started in a temporary directory, and how to stop it."""

    root: Path
    pg_ctl: str
    runner: list[str]

    @property
    def data(self) -> Path:
        """The cluster's data directory."""
        return self.root / "data"


private_clusters: dict[str, PrivateCluster] = {}


@functools.cache
def postgres_url() -> str:
    """The SQLAlchemy URL of this test run's PostgreSQL, chosen (and started if need be) once per process."""
    return choose_url()


def choose_url(machine_url: str = MACHINE_URL) -> str:
    """$YC_TEST_POSTGRES if set, else ``machine_url`` if it answers, else a freshly started private cluster."""
    return os.environ.get(ENV) or (machine_url if answers(machine_url) else start_private_cluster())


def answers(url: str) -> bool:
    """Whether ``url`` accepts a connection on which ``SELECT 1`` works."""
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT 1")).scalar() == 1
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def start_private_cluster() -> str:
    """Start a private trust-auth cluster with a database ``test``; return its URL (stopped at exit)."""
    bindir = pg_bindir()
    user = unprivileged_user()
    runner = ["runuser", "-u", user, "--"] if user else []
    root = Path(tempfile.mkdtemp(prefix="yc-postgres-"))
    cluster = PrivateCluster(root, str(bindir / "pg_ctl"), runner)
    try:
        if user:
            shutil.chown(root, user, user)
        port = free_port()
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/test"
        run([*runner, str(bindir / "initdb"), "-D", str(cluster.data), "-U", "postgres", "--auth=trust",
             "--no-sync", "--no-locale", "--encoding=UTF8"], "initdb", root)
        start(cluster, port)
        create_test_database(url)
    except BaseException:
        stop(cluster)
        raise
    private_clusters[url] = cluster
    atexit.register(stop_private_cluster, url)
    return url


def stop_private_cluster(url: str) -> None:
    """Stop the private cluster at ``url`` and delete its files; nothing if it is already gone."""
    cluster = private_clusters.pop(url, None)
    if cluster is not None:
        stop(cluster)


def pg_bindir() -> Path:
    """The directory of ``initdb`` (and ``pg_ctl``): from PATH, else the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which("initdb")
    candidates = [found] if found else sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version_key)
    if not candidates:
        raise RuntimeError("no PostgreSQL server programs (initdb) on PATH or in /usr/lib/postgresql/*/bin; "
                           "run scripts/bootstrap.sh or set YC_TEST_POSTGRES")
    bindir = Path(os.path.realpath(candidates[-1])).parent
    if not (bindir / "pg_ctl").exists():
        raise RuntimeError(f"{bindir} has initdb but no pg_ctl")
    return bindir


def version_key(path: str) -> list[int]:
    """Sort key putting /usr/lib/postgresql/9.6 before /usr/lib/postgresql/15."""
    return [int(n) for n in re.findall(r"\d+", path)]


def unprivileged_user() -> str | None:
    """The unprivileged user to run PostgreSQL as when we are root (initdb refuses root), made if need be."""
    if os.geteuid() != 0:
        return None
    user = "postgres" if user_exists("postgres") else SERVICE_USER
    if not user_exists(user):
        result = subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user],
                                capture_output=True, text=True, check=False, timeout=STEP_TIMEOUT)
        if result.returncode != 0 and not user_exists(user):  # another process may have made it meanwhile
            raise RuntimeError(f"useradd {user} failed ({result.returncode}): {result.stderr.strip()}")
    return user


def user_exists(name: str) -> bool:
    """Whether the system has a user called ``name``."""
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def run(command: list[str], step: str, cwd: Path) -> None:
    """Run one step of the cluster's setup; raise with its output if it fails."""
    result = subprocess.run(command, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            check=False, timeout=STEP_TIMEOUT)
    if result.returncode != 0:
        raise RuntimeError(f"private PostgreSQL: {step} failed ({result.returncode}): "
                           f"{(result.stderr or result.stdout).strip()}\ncommand: {shlex.join(command)}")


def start(cluster: PrivateCluster, port: int) -> None:
    """Start the cluster on 127.0.0.1:``port`` with its socket in its own directory; wait until it is up."""
    options = shlex.join(["-k", str(cluster.root), "-p", str(port), "-c", "listen_addresses=127.0.0.1",
                          "-c", "fsync=off"])
    log = cluster.root / "server.log"
    try:
        run([*cluster.runner, cluster.pg_ctl, "-D", str(cluster.data), "-l", str(log), "-o", options, "-w", "start"],
            "pg_ctl start", cluster.root)
    except RuntimeError as error:
        server_log = log.read_text(errors="replace") if log.exists() else "(no server log)"
        raise RuntimeError(f"{error}\nserver log:\n{server_log}") from None


def create_test_database(url: str) -> None:
    """Create the database ``test`` the URL names, connecting to the cluster's ``postgres`` database."""
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE test"))
    finally:
        admin.dispose()


def stop(cluster: PrivateCluster) -> None:
    """Stop the cluster at once (its data is throw-away) and delete its directory."""
    if (cluster.data / "postmaster.pid").exists():
        subprocess.run([*cluster.runner, cluster.pg_ctl, "-D", str(cluster.data), "-m", "immediate", "-w", "stop"],
                       cwd=cluster.root, stdin=subprocess.DEVNULL, capture_output=True, check=False,
                       timeout=STEP_TIMEOUT)
    shutil.rmtree(cluster.root, ignore_errors=True)
