"""Request and response models of `/api/glossary`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from pam.services.glossary import (
    MAX_ALIASES,
    MAX_DEFINITION_CHARS,
    MAX_TERM_CHARS,
    TERM_NAME,
    GlossaryEntry,
    TermInput,
)
from pam.text_patterns import STORABLE, STORABLE_NOT_BLANK

# The rules `TermInput.checked` applies, stated here so the schema refuses what the service would.
_Alias = Annotated[str, Field(max_length=MAX_TERM_CHARS, pattern=STORABLE)]


class TermWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    term: str = Field(
        min_length=1,
        max_length=MAX_TERM_CHARS,
        pattern=TERM_NAME,
        examples=["DAU"],
        description="more than whitespace, quotes and emphasis marks",
    )
    definition: str = Field(min_length=1, max_length=MAX_DEFINITION_CHARS, pattern=STORABLE_NOT_BLANK)
    aliases: list[_Alias] = Field(
        default_factory=list,
        max_length=MAX_ALIASES,
        examples=[["daily active users"]],
        description="blank ones are dropped",
    )

    def to_input(self) -> TermInput:
        return TermInput(self.term, self.definition, tuple(self.aliases))


class TermCreate(TermWrite):
    project: str | None = Field(
        None, max_length=200, description="Project name; the default project if omitted"
    )


class TermOut(BaseModel):
    id: uuid.UUID
    project: str
    term: str
    definition: str
    aliases: list[str]
    origin: Literal["document", "manual"] = Field(
        description="document: loaded from a glossary document (re-ingesting it replaces the term); "
        "manual: written through the API or CLI"
    )
    document_id: uuid.UUID | None
    updated_at: datetime

    @classmethod
    def of(cls, entry: GlossaryEntry) -> TermOut:
        return cls(
            id=entry.id,
            project=entry.project,
            term=entry.term,
            definition=entry.definition,
            aliases=list(entry.aliases),
            origin="document" if entry.origin == "document" else "manual",
            document_id=entry.document_id,
            updated_at=entry.updated_at,
        )


class TermPage(BaseModel):
    items: list[TermOut]
    total: int
