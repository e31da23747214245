"""Answering: the agent loop over LLM providers, the extractive answerer, citations, answer events.

Public API (everything else is internal):

- ``answerer.Answerer(strategy).answer(question, history, tools, filters=None, *, extra_tools=())``
  -> async generator of ``events.AnswerEvent``; always ends with exactly one ``Done`` or ``Error``.
- Strategies: ``agent.AgentStrategy(llm, agent.AgentConfig(...))`` and
  ``extractive.ExtractiveStrategy(extractive.ExtractiveConfig(...))``.
- Providers (``llm.LLM``): ``anthropic_provider.AnthropicLLM``, ``openai_provider.OpenAILLM``.
- The seam the knowledge base implements: ``sources.KnowledgeTools`` (+ ``Passage``, ``ToolFilters``,
  ``DocumentText``, ``ChangeEntry``); more tools: ``tools.Tool`` passed as ``extra_tools``.
- ``citations.resolve_citations`` for non-streamed text.

This package imports neither the database nor the web framework.
"""
