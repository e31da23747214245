"""Building the answerer the settings ask for: an LLM agent (Anthropic, OpenAI-compatible) or extractive."""

from __future__ import annotations

from pam.answer.agent import AgentConfig, AgentStrategy
from pam.answer.answerer import Answerer
from pam.answer.extractive import ExtractiveStrategy
from pam.answer.llm import LLM
from pam.answer.unit_embedding import SentenceEncoder
from pam.errors import InvalidInput
from pam.settings import Settings

DEFAULT_MODELS = {"anthropic": "claude-sonnet-4-5", "openai": "gpt-4o-mini"}


def build_llm(settings: Settings) -> LLM | None:
    provider = settings.effective_llm_provider
    if provider == "extractive":
        return None
    model = settings.llm_model or DEFAULT_MODELS[provider]
    if provider == "anthropic":
        from pam.answer.anthropic_provider import AnthropicLLM

        if settings.anthropic_api_key is None:
            raise InvalidInput("PAM_LLM_PROVIDER=anthropic needs PAM_ANTHROPIC_API_KEY")
        return AnthropicLLM(
            api_key=settings.anthropic_api_key.get_secret_value(),
            model=model,
            base_url=settings.anthropic_base_url,
            timeout=settings.llm_timeout_s,
        )
    from pam.answer.openai_provider import OpenAILLM

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
    return OpenAILLM(
        api_key=key, model=model, base_url=settings.openai_base_url, timeout=settings.llm_timeout_s
    )


def build_answerer(settings: Settings, llm: LLM | None, encoder: SentenceEncoder | None = None) -> Answerer:
    """`encoder` (the packaged embedder) lets the extractive answerer judge each sentence by its meaning."""
    if llm is None:
        return Answerer(ExtractiveStrategy(encoder=encoder))
    config = AgentConfig(
        max_steps=max(2, settings.agent_max_steps),
        max_tokens=settings.llm_max_tokens,
        prefetch_k=settings.agent_prefetch,
    )
    # The extractive answer is what an ungrounded LLM answer is flagged beside or replaced by.
    return Answerer(
        AgentStrategy(llm, config),
        ungrounded=settings.ungrounded,
        fallback=ExtractiveStrategy(encoder=encoder),
    )
