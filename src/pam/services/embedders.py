"""Build the embedder a spec names: the packaged MiniLM, or an OpenAI-compatible endpoint.

A spec is what `embedding_spaces.spec` records for a model (provider, model, base URL, dimensions):
never a key. The key of an OpenAI-compatible endpoint comes from the settings (`PAM_EMBED_API_KEY`).
"""

from __future__ import annotations

import os
from typing import Any

from pam.embed.base import Embedder
from pam.errors import InvalidInput
from pam.settings import Settings


def configured_spec(settings: Settings) -> dict[str, Any]:
    if settings.embed_provider == "minilm":
        return {"provider": "minilm"}
    if not settings.embed_model:
        raise InvalidInput(
            "PAM_EMBED_PROVIDER=openai needs PAM_EMBED_MODEL (the model's name)", code="config"
        )
    return {
        "provider": "openai",
        "model": settings.embed_model,
        "base_url": settings.embed_base_url,
        "dimensions": settings.embed_dimensions,
    }


def build_embedder(settings: Settings, spec: dict[str, Any]) -> Embedder:
    """Blocking (loads a model or asks a server for its dimension): call it from a thread."""
    provider = spec.get("provider")
    if provider == "minilm":
        from pam.embed.minilm import MiniLMEmbedder

        return MiniLMEmbedder(
            threads=settings.embed_threads or 1,
            workers=settings.embed_workers or os.cpu_count() or 1,
            batch_size=settings.embed_batch_size,
        )
    if provider == "openai":
        from pam.embed.openai_compat import OpenAIEmbedder

        key = settings.embed_api_key.get_secret_value() if settings.embed_api_key is not None else None
        embedder = OpenAIEmbedder(
            model=str(spec["model"]),
            base_url=spec.get("base_url"),
            api_key=key,
            dimensions=spec.get("dimensions"),
            max_tokens=settings.embed_max_tokens,
            batch_size=settings.embed_batch_size,
            timeout=settings.embed_timeout_s,
        )
        _ = embedder.dim  # ask now: a wrong URL, key or model fails at start, not at the first search
        return embedder
    raise InvalidInput(f"unknown embedding provider {provider!r}", code="config")
