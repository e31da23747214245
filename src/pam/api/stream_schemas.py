"""Event-stream payloads in the OpenAPI document.

FastAPI documents JSON bodies only; an SSE route's events are models too, so they are added to
`components/schemas` here. The web client's types for the events (`ChatStreamEvent`: an event name
with its decoded data) are then generated like every other type.

The route's `text/event-stream` response describes each event as it is on the wire
(`<name>Wire`): `event` is the name and `data` a string holding JSON (`contentMediaType`
application/json) whose `contentSchema` is the payload's model. That is how OpenAPI describes a
server-sent event, and what a client or a fuzzer that validates the stream checks.
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
            "content": {"text/event-stream": {"schema": {"$ref": REF.format(model=f"{name}Wire")}}},
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
            schemas[f"{name}Wire"] = _on_the_wire(schema, schemas)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _on_the_wire(union: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """One event as sent: its name, and its payload as a JSON string described by `contentSchema`.

    A stream whose events have no name (OpenAI's chunks: `data: <JSON>` lines, then `data: [DONE]`)
    is described as `data` alone, with the `[DONE]` sentinel as one more variant."""
    variants = []
    unnamed = False
    for member in union.get("oneOf", union.get("anyOf", [union])):
        model = schemas[member["$ref"].rsplit("/", 1)[-1]] if "$ref" in member else member
        props = model.get("properties", {})
        if "event" in props and "data" in props:
            variants.append(
                {
                    "type": "object",
                    "required": ["event", "data"],
                    "properties": {"event": props["event"], "data": _json_string(props["data"])},
                }
            )
        else:
            unnamed = True
            variants.append(
                {"type": "object", "required": ["data"], "properties": {"data": _json_string(member)}}
            )
    if unnamed:
        done = {"type": "string", "const": "[DONE]"}
        variants.append({"type": "object", "required": ["data"], "properties": {"data": done}})
    return {"oneOf": variants, "description": "One server-sent event: its name and its JSON data."}


def _json_string(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "string", "contentMediaType": "application/json", "contentSchema": schema}
