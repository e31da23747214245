"""`create_app(settings)`: assembles middleware, error handlers and routers.

The lifespan builds one `Services` from the settings it was given and closes it on shutdown;
routes reach it through `pam.api.deps`. Two apps with different settings share nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from pam import __version__
from pam.api.errors import install_error_handlers
from pam.api.middleware import RequestIdMiddleware
from pam.api.routes import (
    admin,
    auth,
    chat,
    data,
    documents,
    health,
    ingest,
    projects,
    search,
    sources,
    stats,
)
from pam.api.routes.chat_schemas import ChatStreamEvent
from pam.api.schemas import ErrorResponse
from pam.api.stream_schemas import document_stream_events
from pam.api.web import mount_web
from pam.services.container import Services
from pam.services.seed import seed_sample_documents
from pam.settings import Settings

_ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 403, 404, 409, 413, 422, 429, 500, 503)
}


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = await Services.start(settings)
        app.state.services = services
        await seed_sample_documents(services)
        services.start_scheduler()
        try:
            yield
        finally:
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
    api.include_router(admin.router)
    api.include_router(projects.router)
    api.include_router(data.router)
    api.include_router(sources.router)
    app.include_router(api)
    document_stream_events(app, {"ChatStreamEvent": ChatStreamEvent})
    mount_web(app, settings.web_dir)
    app.add_middleware(RequestIdMiddleware)
    return app
