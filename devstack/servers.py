"""Start and stop the real servers (nats-server, nx-27017, service processes) on loopback ports.

Used by ``make run`` and by the test fixtures, so both run exactly the same way.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]  # the checkout: services run from it, not from an install
LOOPBACK = "127.0.0.1"


# Listening ports come from below the kernel's ephemeral range (Linux: 32768-60999): a port the kernel handed out
# with bind(0) can be taken by any outgoing connection before the server binds it, which happened in the e2e stack.
LISTEN_PORTS = range(20_000, 32_000)
_picked: set[int] = set()


def free_port() -> int:
    """A loopback port nobody listens on, outside the ephemeral range, not handed out before by this process."""
    for _ in range(200):
        port = random.choice(LISTEN_PORTS)
        if port in _picked:
            continue
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((LOOPBACK, port))
            except OSError:
                continue
        _picked.add(port)
        return port
    raise RuntimeError(f"no free loopback port in {LISTEN_PORTS.start}-{LISTEN_PORTS.stop - 1}")


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((LOOPBACK, port)) == 0


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    url: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)  # nats-server: one URL (with credentials) per user

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        if self.alive():
            self.popen.terminate()
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)

    def kill(self) -> None:
        self.popen.kill()
        self.popen.wait(5)

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


def _spawn(name: str, cmd: list[str], log: Path, env: dict[str, str] | None = None) -> Process:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:  # the child keeps its own handle; ours closes now
        popen = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    return Process(name, popen, log)


def wait_until(ready: object, proc: Process, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited with {proc.popen.returncode} before {what}:\n{proc.tail()}")
        try:
            if ready():  # type: ignore[operator]
                return
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.1)
    proc.stop()
    raise TimeoutError(f"{proc.name} not {what} after {timeout}s:\n{proc.tail()}")


def nats_url(port: int, user: str | None = None, password: str | None = None) -> str:
    """``nats://user:password@127.0.0.1:port`` (passwords are URL-safe), or without credentials."""
    return f"nats://{user}:{password}@{LOOPBACK}:{port}" if user else f"nats://{LOOPBACK}:{port}"


def start_nats(
    data_dir: Path,
    log: Path,
    port: int = 0,
    config: Path | None = None,
    *,
    passwords: Mapping[str, str] | None = None,
    default_user: str | None = None,
) -> Process:
    """nats-server with JetStream persisted under ``data_dir``; waits for JetStream to be healthy.

    With ``config`` (users and permissions, see ``devstack.natsauth``), ``urls`` holds each user's URL
    and ``url`` is the one of ``default_user``.
    """
    port = port or free_port()
    monitor = free_port()
    cmd = [str(BIN / "nats-server"), "-js", "-sd", str(data_dir), "-a", LOOPBACK, "-p", str(port), "-m", str(monitor)]
    if config:
        cmd += ["-c", str(config)]
    proc = _spawn("nats-server", cmd, log)
    proc.urls = {user: nats_url(port, user, password) for user, password in (passwords or {}).items()}
    proc.url = proc.urls[default_user] if default_user else nats_url(port)
    health = f"http://{LOOPBACK}:{monitor}/healthz?js-enabled-only=true"
    wait_until(lambda: httpx.get(health, timeout=1).status_code == 200, proc, 20, "healthy")
    return proc


def start_nx(data_dir: Path, log: Path, port: int = 0) -> Process:
    """nx-27017, always with ``--data-dir`` so each logical database is its own SQLite file."""
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        str(BIN / "nx-27017"),
        "--data-dir",
        str(data_dir),
        "--host",
        LOOPBACK,
        "-p",
        str(port),
        "--log-file",
        str(log.with_suffix(".server.log")),
        "--pid-file",
        str(data_dir / "nx-27017.pid"),
    ]
    proc = _spawn("nx-27017", cmd, log)
    proc.url = f"mongodb://{LOOPBACK}:{port}"
    wait_until(lambda: port_open(port), proc, 20, "listening")
    return proc


def start_service(name: str, env: dict[str, str], log: Path, port: int = 0, *, wait: bool = True) -> Process:
    """``python -m services.<name>`` as its own process; waits for ``/health`` to answer 200."""
    port = port or free_port()
    prefix = name.upper()
    env = {**env, f"{prefix}_HTTP_PORT": str(port), "PYTHONPATH": str(ROOT)}
    proc = _spawn(name, [sys.executable, "-m", f"services.{name}"], log, env)
    proc.url = f"http://{LOOPBACK}:{port}"
    if wait:
        wait_healthy(proc)
    return proc


def wait_healthy(proc: Process, timeout: float = 45) -> None:
    wait_until(lambda: httpx.get(f"{proc.url}/health", timeout=2).status_code == 200, proc, timeout, "healthy")
