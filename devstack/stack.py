"""``make run``: start the real servers and the five services, supervise them, stop them on Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from devstack.keys import ensure_dev_keys
from devstack.mailsink import MailSink
from devstack.natsauth import OBSERVER, prepare
from devstack.servers import Process, port_open, start_nats, start_nx, start_service, wait_healthy
from services.metrics.rebuild import rebuild_if_stale

SERVICES = {"matching": 8001, "scheduling": 8002, "notification": 8003, "feedback": 8004, "metrics": 8005}


@dataclass
class Stack:
    data: Path
    nats_port: int = 4222
    mongo_port: int = 27017
    smtp_port: int = 1025
    service_ports: dict[str, int] = field(default_factory=lambda: dict(SERVICES))
    mongo_url: str | None = field(default_factory=lambda: os.environ.get("MONGODB_URL"))
    database_prefix: str = "mentoring_"
    servers: list[Process] = field(default_factory=list)
    services: dict[str, Process] = field(default_factory=dict)
    mail: MailSink | None = None
    env: dict[str, str] = field(default_factory=dict)
    signing_key: Path | None = None
    nats_urls: dict[str, str] = field(default_factory=dict)  # user -> URL with that user's password
    rebuilt_metrics: bool = False  # the data held a metrics read model of an older schema: rebuilt from the streams

    @property
    def logs(self) -> Path:
        return self.data / "logs"

    def start(self) -> None:
        for name, port in (("NATS", self.nats_port), ("SMTP", self.smtp_port)):
            if port_open(port):
                raise RuntimeError(f"{name} port {port} is already in use on 127.0.0.1: is another `make run` running?")
        # Each service connects as its own NATS user; passwords are generated once per data directory.
        auth = prepare(self.data / "nats-auth")
        nats = start_nats(
            self.data / "nats",
            self.logs / "nats.log",
            port=self.nats_port,
            config=auth.config,
            passwords=auth.passwords,
            default_user=OBSERVER,
        )
        self.nats_urls = nats.urls
        self.servers.append(nats)
        mongo_url = self.mongo_url
        if not mongo_url:
            nx = start_nx(self.data / "mongo", self.logs / "nx-27017.log", port=self.mongo_port)
            self.servers.append(nx)
            mongo_url = nx.url
        self.mail = MailSink(self.data / "mail", port=self.smtp_port).start()
        self.signing_key, public_key = ensure_dev_keys(self.data / "keys")
        self.env = {
            "NATS_URL": nats.url,  # the read-only observer; each service gets its own user's URL
            "MONGODB_URL": mongo_url,
            "NOTIFICATION_SMTP_PORT": str(self.smtp_port),
            "AUTH_PUBLIC_KEY_FILE": str(public_key),
        }
        self.env |= {f"{name.upper()}_DATABASE": f"{self.database_prefix}{name}" for name in self.service_ports}
        self.rebuilt_metrics = asyncio.run(rebuild_if_stale(self.nats_urls["metrics"], mongo_url, self.env["METRICS_DATABASE"]))
        for name in self.service_ports:
            self.start_service(name, wait=False)
        for proc in self.services.values():
            wait_healthy(proc)

    def supervise_once(self) -> list[str]:
        """Restart any service process that died; returns the names restarted."""
        restarted = []
        for name, proc in list(self.services.items()):
            if not proc.alive():
                self.start_service(name)
                restarted.append(name)
        return restarted

    def start_service(self, name: str, *, wait: bool = True) -> Process:
        if name not in self.nats_urls:
            raise RuntimeError(f"no NATS user for {name}: add it to SERVICES")
        env = {**self.env, "NATS_URL": self.nats_urls[name]}
        proc = start_service(name, env, self.logs / f"{name}.log", self.service_ports[name], wait=wait)
        self.services[name] = proc
        return proc

    def stop(self) -> None:
        for proc in self.services.values():
            proc.stop()
        if self.mail:
            self.mail.stop()
        for proc in reversed(self.servers):
            proc.stop()

    def wait_forever(self, on_restart: object) -> None:
        while True:
            time.sleep(1.0)
            for name in self.supervise_once():
                on_restart(name)  # type: ignore[operator]
