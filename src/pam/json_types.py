"""Field types that take exactly what their JSON Schema type says, for request models in every layer.

Pydantic on its own coerces: "40" or true into an integer, "yes" into a boolean. A request the schema
calls invalid must be refused, so request fields use these (and `StrictBool`, `StrictFloat`) instead.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator


def json_integer(value: object) -> object:
    # JSON Schema's integer: 40 and 40.0, never "40", true or 40.5 (which pydantic alone would coerce).
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("expected an integer")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("expected an integer")
        return int(value)
    return value


# Limits go in `Field(...)` on the field; inside a union, write the type out with them before the
# validator (`Annotated[int, Field(ge=1), BeforeValidator(json_integer)]`): after it, pydantic would
# put them in the schema as unknown keys.
IntIn = Annotated[int, BeforeValidator(json_integer)]
