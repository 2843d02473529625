"""The ASGI application: REST APIs, web pages and static files, on one database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from crowdlab.api import (
    aggregation,
    console,
    errors,
    files,
    messages,
    v1,
    v1_people,
    v1_tasks,
    webhooks,
    worker,
    worker_app,
    worker_qc,
)
from crowdlab.jobs.sweeper import Sweeper
from crowdlab.settings import Settings
from crowdlab.storage.db import Database
from crowdlab.storage.migrate import upgrade
from crowdlab.web import console as console_pages
from crowdlab.web import preview, worker_pages
from crowdlab.web.templating import static_files


def create_app(
    settings: Settings | None = None, *, db: Database | None = None, run_jobs: bool = False
) -> FastAPI:
    """Build the app. ``run_jobs`` starts the background sweeper (serve does; in-process tests don't)."""
    settings = settings or Settings()
    database = db or Database(settings.db_url)
    if db is None:
        upgrade(database)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.threads:  # size of the request-handler thread pool (anyio's default is 40)
            anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        sweeper = Sweeper(database, settings.sweep_interval) if run_jobs else None
        if sweeper:
            sweeper.start()
        yield
        if sweeper:
            sweeper.stop()

    app = FastAPI(
        title="crowdlab",
        version="0.1.0",
        description="Self-hosted crowdsourcing platform speaking the Toloka v1 API.",
        lifespan=lifespan,
    )
    app.state.db = database
    app.state.settings = settings
    errors.install(app)
    app.include_router(v1.router)
    app.include_router(v1_tasks.router)
    app.include_router(v1_people.router)
    app.include_router(v1.staging)
    app.include_router(files.router)
    app.include_router(aggregation.router)
    app.include_router(webhooks.router)
    app.include_router(worker.router)
    app.include_router(worker_qc.router)
    app.include_router(messages.router)
    app.include_router(messages.worker_router)
    app.include_router(worker_app.router)
    app.include_router(worker_pages.router)
    app.include_router(preview.router)
    app.include_router(console.router)
    app.include_router(console_pages.router)
    app.include_router(console_pages.api_router)
    app.mount("/static", static_files(), name="static")
    return app


def app_from_env() -> FastAPI:
    """Factory for multi-process serving (``crowdlab serve --workers N``): the database URL comes from
    CROWDLAB_DB and no background sweeper runs in the server processes (``crowdlab jobs`` does)."""
    return create_app(Settings(), run_jobs=False)
