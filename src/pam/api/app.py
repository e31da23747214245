"""`create_app(settings)`: assembles middleware, error handlers and routers.

The lifespan builds one `Services` from the settings it was given and closes it on shutdown;
routes reach it through `pam.api.deps`. Two apps with different settings share nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from starlette.routing import Route

from pam import __version__
from pam.api.body_limits import (
    CONVERSATION_BODY_LIMIT,
    JSON_BODY_LIMIT,
    BodyLimitMiddleware,
    document_body_limits,
    upload_body_limit,
)
from pam.api.cors import install_cors
from pam.api.errors import install_error_handlers, unexpected_error_response
from pam.api.metrics_middleware import MetricsMiddleware
from pam.api.middleware import RequestIdMiddleware
from pam.api.openapi_auth import document_auth_mode
from pam.api.routes import (
    admin,
    auth,
    auth_sso,
    chat,
    data,
    documents,
    glossary,
    health,
    ingest,
    metrics,
    openai_compat,
    projects,
    search,
    sources,
    stats,
)
from pam.api.routes.chat_schemas import ChatStreamEvent
from pam.api.routes.ingest_schemas import TaskStreamEvent
from pam.api.routes.openai_schemas import ChatCompletionStreamEvent
from pam.api.schemas import ErrorResponse
from pam.api.stream_schemas import document_stream_events
from pam.api.web import mount_web
from pam.mcp.http import PATH as MCP_PATH
from pam.mcp.http import McpEndpoint, McpHttp
from pam.services.container import Services
from pam.services.seed import seed_sample_documents
from pam.settings import Settings

_ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 403, 404, 409, 413, 422, 429, 500, 503, 507)
}


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = await Services.start(settings)
        app.state.services = services
        app.state.mcp = mcp = McpHttp(services)
        try:
            await mcp.start()
            await seed_sample_documents(services)
            services.start_scheduler()
            yield
        finally:
            await mcp.close()
            await services.close()

    app = FastAPI(
        title="PAM Context",
        version=__version__,
        description="A self-hosted business knowledge layer: answers with citations to the exact passage.",
        lifespan=lifespan,
        responses=_ERROR_RESPONSES,
    )
    app.state.settings = settings
    install_error_handlers(app)
    api = APIRouter(prefix="/api")
    api.include_router(health.router)
    api.include_router(ingest.router)
    api.include_router(search.router)
    api.include_router(chat.router)
    api.include_router(documents.router)
    api.include_router(stats.router)
    api.include_router(auth.router)
    api.include_router(auth_sso.router)
    api.include_router(admin.router)
    api.include_router(projects.router)
    api.include_router(data.router)
    api.include_router(glossary.router)
    api.include_router(sources.router)
    app.include_router(api)
    app.include_router(openai_compat.router)
    app.include_router(metrics.router)
    # MCP over streamable HTTP (stateless: POST only; GET/DELETE answer 405, as the transport allows).
    app.router.routes.append(Route(MCP_PATH, McpEndpoint(), methods=["POST"]))
    document_stream_events(
        app,
        {
            "ChatStreamEvent": ChatStreamEvent,
            "ChatCompletionStreamEvent": ChatCompletionStreamEvent,
            "TaskStreamEvent": TaskStreamEvent,
        },
    )
    # Every body is read whole before it is parsed: a limit per route keeps a 50 MB JSON body from
    # being read at all (413). Uploads have their own, from PAM_MAX_UPLOAD_BYTES; OpenAI-style clients
    # send the whole conversation with every question, so theirs is larger.
    body_limits = {
        "/api/ingest/upload": upload_body_limit(settings.max_upload_bytes),
        "/v1/chat/completions": CONVERSATION_BODY_LIMIT,
    }
    document_body_limits(app, JSON_BODY_LIMIT, body_limits)
    document_auth_mode(app, settings.auth)
    mount_web(app, settings.web_dir)
    app.add_middleware(BodyLimitMiddleware, default=JSON_BODY_LIMIT, per_route=body_limits)
    app.add_middleware(RequestIdMiddleware, on_error=unexpected_error_response)
    app.add_middleware(MetricsMiddleware)  # added last: outermost, it sees every answer's status
    install_cors(app, settings.cors_origins)  # outermost: even a 401 or 429 carries its CORS headers
    return app
