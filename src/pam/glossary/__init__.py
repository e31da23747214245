"""The glossary: a project's terms with definitions and aliases ("DAU" = "daily active users").

Loaded from glossary documents at ingestion (``convention``), edited through the API and the CLI
(``pam.services.glossary``), used to expand search queries (``expansion``) and by the agent's
``lookup_term`` tool. The convention a glossary document follows is in docs/glossary.md.
"""
