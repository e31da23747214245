"""Access machinery: passwords, tokens, API keys, the signing secret, users and rate limits.

`AuthServices` is what a process builds once (`await AuthServices.start(settings, sessions)`);
the rest are plain functions over a session, shared by the API routes and the CLI.
"""

from pam.services.auth.service import AuthServices

__all__ = ["AuthServices"]
