"""schemathesis fuzzes every operation of the OpenAPI schema against the production server.

The schema is read from /api/v1/schema/ of the running server, so every endpoint a new app adds is
fuzzed too. Each operation gets generated requests twice: once with generated path parameters
(mostly rows that do not exist) and once with real rows of the world, so the handlers run deep.
No answer may be a server error, and every answer must match the schema (status code, content
type, headers and body). Bounded: a few examples per operation in CI and a time budget
(SHOUWEN_STRESS=1 for many more).
"""

from __future__ import annotations

import os
import time
import warnings
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shouwen.api.urls import router
from shouwen.core.tests.reliability.helpers import populate, rows_in, token_for
from shouwen.core.tests.reliability.server import STRESS, scale

# Examples per operation and way (generated / real rows); SHOUWEN_FUZZ_EXAMPLES overrides.
EXAMPLES = int(os.environ.get("SHOUWEN_FUZZ_EXAMPLES") or scale(5, 60))
BUDGET_S = scale(180, 1500)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def real_path_parameters(path: str, world: Any) -> dict[str, str] | None:
    """Return real values for the operation's path parameters (a row of the main estate), if any."""
    parts = path.strip("/").split("/")
    if len(parts) < 4 or not parts[3].startswith("{"):  # /api/v1/<prefix>/{lookup}/...
        return None
    viewset = next((v for prefix, v, _ in router.registry if prefix == parts[2]), None)
    if viewset is None or getattr(viewset, "queryset", None) is None:
        return None
    model = viewset.queryset.model
    rows = rows_in(model, world.estate)
    row = rows.first() if rows is not None else None
    if row is None:
        return None
    lookup = getattr(viewset, "lookup_field", "pk")
    values = {parts[3].strip("{}"): str(getattr(row, lookup))}
    for part in parts[4:]:
        if part.startswith("{") and part.endswith("_id}"):  # e.g. a case's {attachment_id}
            related = getattr(row, part.strip("{}").removesuffix("_id") + "s", None)
            first = related.order_by("pk").first() if related is not None else None
            if first is None:
                return None
            values[part.strip("{}")] = str(first.pk)
    return values


def fuzz(
    operation: Any, base_url: str, headers: dict[str, str], path_parameters: dict[str, str] | None
) -> None:
    """Send EXAMPLES generated requests to the operation and run every check on each answer."""
    strategy = operation.as_strategy(path_parameters=path_parameters, headers=headers)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not STRESS,  # the same examples every CI run; fresh ones under stress
        phases=[Phase.explicit, Phase.generate] + ([Phase.shrink] if STRESS else []),
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=30)

    run()


def test_fuzzing_the_whole_api_finds_no_server_error_and_no_schema_mismatch(live_world, shouwen_server):
    populate(live_world)
    headers = {"Authorization": f"Token {token_for(live_world.staff['admin'])}"}
    base_url = shouwen_server.base_url
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/schema/", headers=headers, timeout=60)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50, "the schema lists suspiciously few operations"
    failures: list[str] = []
    skipped: list[str] = []
    started = time.monotonic()
    log_start = shouwen_server.log_size()
    only = os.environ.get(
        "SHOUWEN_FUZZ_ONLY", ""
    )  # e.g. "residents" to fuzz a few operations while debugging
    for operation in operations:
        if only and only not in operation.label:
            continue
        for fixed in (None, real_path_parameters(operation.path, live_world)):
            if time.monotonic() - started > BUDGET_S:
                skipped.append(operation.label)
                break
            try:
                fuzz(operation, base_url, headers, fixed)
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - all operations run, failures reported together
                failures.append(f"{operation.label} ({'real rows' if fixed else 'generated'}): {exc}")
            if not operation.path_parameters:
                break  # nothing to fill: one round is enough
    elapsed = time.monotonic() - started
    print(
        f"fuzz: {len(operations)} operations, {EXAMPLES} examples each way, {elapsed:.0f}s, skipped {skipped}"
    )
    tracebacks = "\n\n".join(shouwen_server.tracebacks(log_start)[:5])
    assert not failures, (
        f"{len(failures)} operations failed:\n\n" + "\n\n".join(failures) + "\n\n" + tracebacks
    )
    if skipped:  # a slow machine must not fail CI, but nobody should think those were fuzzed
        warnings.warn(f"fuzz: time budget of {BUDGET_S}s ran out before {skipped}", stacklevel=1)
