"""Schemathesis against each service's own OpenAPI document: no 5xx, and every response as documented.

Each service runs in-process (schemathesis's ASGI transport runs its lifespan, so the broker and store are the real
nats-server and nx-27017), called as a district coordinator. Every operation is fuzzed with positive and negative
data; operations that address a record are fuzzed once more against a record seeded in the caller's district (as
whoever takes part in it), so the requests reach past the "unknown id" branch; reads are also made as a state admin;
bodies no generator is likely to produce (tests/plugins/fuzz.py) are sent to every operation that takes a body.

Hypothesis is derandomized (CI sees the same examples every run) and does not shrink: a failure is reported as the
first generated example that failed, and the run stays bounded (shrinking against a live app can take minutes).
Every failing run of a service is collected and reported together: service, operation, input (curl) and response.
"""

from __future__ import annotations

import importlib
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (  # type: ignore[attr-defined]  # resolved lazily from the check registry
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup
from schemathesis.python import asgi

from devstack.servers import Process
from tests.plugins.fuzz import DISTRICT, HOSTILE_BODIES, SEEDERS

SERVICES = ["matching", "scheduling", "notification", "feedback", "metrics"]
# Schemathesis runs all 14 of its checks by default (including stateful ones such as use_after_free and
# ignored_auth); CI gates on these four: no server error, and status code, content type and body as documented.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 30  # per operation and generation mode
SEEDED_EXAMPLES = 15
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
ROOT = Path(__file__).resolve().parents[2]
PROJECT_FRAMES = (f'"{ROOT / "services"}/', f'"{ROOT / "shared"}/')  # as traceback quotes file names
MAX_LINE = 400


@dataclass
class Target:
    service: str
    schema: Any
    headers: dict[str, str]  # the district's coordinator
    admin_headers: dict[str, str]
    seeds: dict[str, str]
    seeded_headers: dict[str, str]  # whoever takes part in the seeded records


def settings_class(service: str) -> type[Any]:
    module = importlib.import_module(f"services.{service}.settings")
    return next(v for k, v in vars(module).items() if k.endswith("Settings") and k != "ServiceSettings")


@pytest.fixture
def target(
    request: pytest.FixtureRequest,
    service_settings: Callable[..., dict[str, Any]],
    nats_server: Process,
    auth: Callable[..., dict[str, str]],
) -> Iterator[Target]:
    service: str = request.param
    app = importlib.import_module(f"services.{service}.app").create_app(settings_class(service)(**service_settings(service)))
    headers = auth("district_coordinator", DISTRICT)
    try:
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)  # starts the app's lifespan, kept until shutdown
        with asgi.get_client(app) as http:
            http.headers.update(headers)
            seeds = SEEDERS[service](http, nats_server.url)
        seeded_headers = auth(seeds.caller[0], DISTRICT, seeds.caller[1]) if seeds.caller else headers
        yield Target(service, schema, headers, auth("state_admin"), seeds.values, seeded_headers)
    finally:
        asgi.shutdown_lifespans()


def fuzz(
    operation: Any,
    mode: GenerationMode,
    headers: dict[str, str],
    examples: int,
    overrides: dict[str, str] | None = None,
    **fixed: Any,
) -> None:
    """Generate up to ``examples`` cases of ``operation``, send each, and run the selected checks on the response.

    ``fixed`` path/query values are never generated; ``overrides`` replace the body fields of the same name.
    """

    @given(case=operation.as_strategy(mode, headers=headers, **fixed))
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        if overrides and isinstance(case.body, dict):
            case.body.update({key: overrides[key] for key in case.body.keys() & overrides.keys()})
        case.call_and_validate(checks=CHECKS)

    run()


def seeded_parameters(operation: Any, seeds: dict[str, str]) -> dict[str, dict[str, str]] | None:
    """Fixed path (and query) values naming the seeded record, when every path parameter has one.

    Operations with a body qualify too: the body's fields named like a seed get its value (e.g. ``district``).
    """
    path = {p.name: seeds[p.name] for p in operation.path_parameters if p.name in seeds}
    query = {p.name: seeds[p.name] for p in operation.query if p.name in seeds}
    if len(path) < len(list(operation.path_parameters)) or not (path or query or list(operation.body)):
        return None
    return {"path_parameters": path, "query": query}


def describe(exc: BaseException) -> str:
    """A schemathesis failure as it reports it (response, curl); an app exception as its project frames and curl."""
    if isinstance(exc, FailureGroup):
        text = str(exc)
    else:  # the app raised: the ASGI transport re-raises it (with the curl note) instead of returning the 500
        parts = traceback.format_exception(exc)
        text = "".join(p for p in parts if not p.lstrip().startswith("File") or any(f in p for f in PROJECT_FRAMES))
    return "\n".join(line if len(line) <= MAX_LINE else line[:MAX_LINE] + " [...]" for line in text.splitlines())


def attempt(label: str, run: Callable[[], object], failures: list[str]) -> None:
    try:
        run()
    except Unsatisfiable:
        pass  # e.g. no negative data exists for an operation without parameters
    except (Exception, BaseExceptionGroup) as exc:  # schemathesis raises a FailureGroup (a BaseExceptionGroup)
        failures.append(f"### {label}\n{describe(exc)}")


def plan(target: Target, operation: Any) -> Iterator[tuple[str, Callable[[], object]]]:
    """The runs of one operation: generated data, data about the seeded record, reads as a state admin, hostile bodies."""
    name = f"{target.service} {operation.label}"
    fixed = seeded_parameters(operation, target.seeds)
    for mode in MODES:
        yield f"{name} [{mode.value}]", partial(fuzz, operation, mode, target.headers, EXAMPLES)
        if fixed is not None:
            seeded = partial(fuzz, operation, mode, target.seeded_headers, SEEDED_EXAMPLES, target.seeds, **fixed)
            yield f"{name} [{mode.value}, seeded {fixed}]", seeded
    if operation.method.upper() == "GET":  # reads a coordinator may not make (e.g. /audit) answer 200 to a state admin
        as_admin = partial(fuzz, operation, GenerationMode.POSITIVE, target.admin_headers, SEEDED_EXAMPLES, **(fixed or {}))
        yield f"{name} [positive, as state admin]", as_admin
    if fixed is not None or not list(operation.path_parameters):
        headers = target.seeded_headers if fixed is not None else target.headers
        for alternative in operation.body:
            for title, body in HOSTILE_BODIES.get(alternative.media_type, {}).items():
                case = operation.Case(headers=headers, body=body, media_type=alternative.media_type, **(fixed or {}))
                yield f"{name} [hostile {alternative.media_type}: {title}]", partial(case.call_and_validate, checks=CHECKS)


@pytest.mark.parametrize("target", SERVICES, indirect=True)
def test_every_operation_conforms_to_its_openapi_document(target: Target) -> None:
    failures: list[str] = []
    operations = [result.ok() for result in target.schema.get_all_operations()]
    assert operations, f"{target.service}: no operation in the OpenAPI document"
    for operation in operations:
        for label, run in plan(target, operation):
            attempt(label, run, failures)
    assert not failures, f"{len(failures)} failing run(s) of {target.service}:\n\n" + "\n\n".join(failures)
