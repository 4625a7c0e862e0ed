"""The committed NATS config matches the services' declarations, and docker-compose wires it up."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from devstack.natsauth import DEPLOY, ROOT, deploy_files, deploy_grants, password_variable
from devstack.servers import BIN, start_nats
from devstack.stack import SERVICES
from tests.integration.nats_security.conftest import Connect, create_streams

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def compose_passwords() -> dict[str, str]:
    """The default password of each user, as docker-compose would resolve it with no variables set."""
    env = COMPOSE["services"]["nats"]["environment"]
    return {g.user: env[password_variable(g.user)].split(":-", 1)[1].rstrip("}") for g in deploy_grants()}


def test_committed_deploy_files_are_generated_from_the_current_code():
    for path, text in deploy_files().items():
        assert path.read_text() == text, f"{path.relative_to(ROOT)} is stale: run `python -m devstack.natsauth`"


def test_compose_gives_each_service_its_own_user_and_the_server_every_password():
    env = COMPOSE["services"]["nats"]["environment"]
    for grant in deploy_grants():
        variable = password_variable(grant.user)
        assert env[variable] == f"${{{variable}:-dev-{grant.user}-password}}"
    for name in SERVICES:
        url = COMPOSE["services"][name]["environment"]["NATS_URL"]
        assert url == f"nats://{name}:${{{password_variable(name)}:-dev-{name}-password}}@nats:4222"


def test_server_refuses_to_start_when_a_password_is_missing():
    env = {password_variable(user): password for user, password in compose_passwords().items()}
    check = [str(BIN / "nats-server"), "-t", "-c", str(DEPLOY / "nats.conf")]
    assert subprocess.run(check, env=env, capture_output=True).returncode == 0
    del env[password_variable("external")]
    refused = subprocess.run(check, env=env, capture_output=True, text=True)
    assert refused.returncode != 0 and "NATS_EXTERNAL_PASSWORD" in refused.stderr


@pytest.mark.nats_violations_expected
async def test_compose_config_runs_with_the_same_permissions(tmp_path: Path, monkeypatch, connect: Connect):
    passwords = compose_passwords()
    for user, password in passwords.items():
        monkeypatch.setenv(password_variable(user), password)  # nats-server reads them from its environment
    config = shutil.copytree(DEPLOY, tmp_path / "nats-config")
    server_conf = config / "server.conf"  # the container's store_dir (/data) is replaced by the -sd option
    server_conf.write_text("".join(line for line in server_conf.read_text().splitlines(True) if "store_dir" not in line))
    server = start_nats(tmp_path / "data", tmp_path / "nats.log", config=config / "nats.conf", passwords=passwords)
    try:
        await create_streams(server.urls["matching"], inbox="_INBOX.matching")  # declare_streams' rights
        matching = await connect(server.urls["matching"], inbox="_INBOX.matching")
        ack = await matching.nc.jetstream().publish("mentoring.matching.D1.relationship.started.v1", b"{}")
        assert ack.stream == "MATCHING" and matching.errors == []
        external = await connect(server.urls["external"])
        await external.nc.publish("mentoring.matching.D1.relationship.started.v1", b"{}")
        await external.refused("publish", "mentoring.matching.D1.relationship.started.v1")
    finally:
        server.stop()
