"""Hooks of the schemathesis run in scripts/fuzz.

Every POST gets a fresh Idempotency-Key: the fuzzer would otherwise reuse the few short keys
it generates across different bodies, and the API rightly answers such a reuse with 422
`idempotency_key_reused` (tested on its own in tests/api/idempotency.rs).
"""

import uuid

import schemathesis


@schemathesis.hook
def before_call(ctx, case, kwargs):
    if case.method.upper() == "POST":
        case.headers = dict(case.headers or {})
        case.headers["Idempotency-Key"] = uuid.uuid4().hex
