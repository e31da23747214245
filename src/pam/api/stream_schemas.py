"""Event-stream payloads in the OpenAPI document.

FastAPI documents JSON bodies only; an SSE route's events are models too, so they are added to
`components/schemas` here and the route's `text/event-stream` response refers to them. The web
client's types for the events are then generated like every other type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import TypeAdapter

REF = "#/components/schemas/{model}"


def stream_response(name: str, description: str) -> dict[int | str, dict[str, Any]]:
    """`responses=` for an SSE route whose events are the model registered as `name`."""
    return {
        200: {
            "content": {"text/event-stream": {"schema": {"$ref": REF.format(model=name)}}},
            "description": description,
        }
    }


def document_stream_events(app: FastAPI, events: dict[str, Any]) -> None:
    """Add each `name -> type` of `events` (and the models it uses) to the app's OpenAPI components."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()
        schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
        for name, kind in events.items():
            schema = TypeAdapter(kind).json_schema(ref_template=REF, mode="serialization")
            for model, definition in schema.pop("$defs", {}).items():
                schemas.setdefault(model, definition)
            schemas[name] = schema
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
