"""Schemathesis hooks for the fuzz suite (the runs load this module through SCHEMATHESIS_HOOKS).

One works around a defect of schemathesis 4.32's stateful phase, nothing else. A link it infers from
a list (`GET /api/glossary` -> `items/*/document_id` -> `/api/documents/{document_id}`) picks among
every item's value, nulls included (`expressions.evaluate_wildcard` returns them in a `MultiMatch`,
while a single null value is skipped), and a null path parameter goes out as the text "None": then
`POST /api/documents/None/reindex` is reported as "schema-valid request rejected". It is neither
schema-valid nor ours to accept; the API's answer (422 `invalid_input`) is pinned by
tests/api/test_fuzz_findings.py. This drops such a step the way schemathesis drops a single null.
"""

from __future__ import annotations

import schemathesis
from schemathesis.generation.meta import TestPhase


@schemathesis.hook
def filter_case(context: schemathesis.HookContext, case: schemathesis.Case) -> bool:
    if case.meta is None or case.meta.phase.name != TestPhase.STATEFUL:
        return True
    return all(value is not None for value in (case.path_parameters or {}).values())
