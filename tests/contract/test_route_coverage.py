"""Every API route is closed without a valid token, and every route is in its service's access matrix."""

from __future__ import annotations

import importlib
import re

import pytest

from tests.plugins.services import running

SERVICES = ("matching", "scheduling", "notification", "feedback", "metrics")
OPEN = {("GET", "/health"), ("GET", "/metrics")}
# Routes whose credential is a secret in the URL, not a bearer token (calendar apps and browsers following a report
# link cannot send one): a wrong
# secret is a 404 for everybody, token or not; the service's access matrix still lists them.
SECRET_URL = {"scheduling": {("GET", "/calendar/{secret}.ics")}, "metrics": {("GET", "/reports/{secret}")}}


def routes(service: str) -> set[tuple[str, str]]:
    app = importlib.import_module(f"services.{service}.app").create_app()
    found = {(method.upper(), path) for path, item in app.openapi()["paths"].items() for method in item}
    return found - OPEN


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_is_in_the_access_matrix(service):
    table = importlib.import_module(f"tests.integration.{service}.test_access_matrix").ACCESS
    covered = {(method.upper(), path) for method, path, *_ in table}
    missing = routes(service) - covered
    assert not missing, f"{service}: routes without an access-matrix row: {sorted(missing)}"


@pytest.mark.parametrize("service", SERVICES)
async def test_no_route_answers_without_a_valid_token(service, service_settings):
    module = importlib.import_module(f"services.{service}.app")
    settings_class = next(v for k, v in vars(module).items() if k.endswith("Settings") and isinstance(v, type))
    app = module.create_app(settings_class(**service_settings(service)))
    async with running(app) as http:
        assert (await http.get("/health")).status_code == 200
        for method, path in sorted(SECRET_URL.get(service, set())):
            assert (await http.request(method, re.sub(r"\{[^}]+\}", "x1", path))).status_code == 404
        for method, path in sorted(routes(service) - SECRET_URL.get(service, set())):
            concrete = re.sub(r"\{[^}]+\}", "x1", path)
            anonymous = await http.request(method, concrete)
            assert anonymous.status_code == 401, f"{method} {path} answered {anonymous.status_code} without a token"
            assert anonymous.headers["www-authenticate"] == "Bearer"
            forged = await http.request(method, concrete, headers={"Authorization": "Bearer abc.def.ghi"})
            assert forged.status_code == 401 and "invalid token" in forged.json()["detail"]
