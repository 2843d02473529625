"""A real uvicorn server in a background thread, for the demo and end-to-end tests."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn

from crowdlab.app import create_app
from crowdlab.domain.money import to_micro
from crowdlab.services.accounts import create_requester
from crowdlab.settings import Settings


def free_port() -> int:
    """A TCP port on loopback nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedServer:
    """``with EmbeddedServer(db_url) as server: ...`` serves crowdlab at ``server.url``."""

    def __init__(self, db_url: str, *, port: int | None = None, sweep_interval: float = 0.5):
        self.settings = Settings(db_url=db_url, sweep_interval=sweep_interval)
        self.app = create_app(self.settings, run_jobs=True)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="crowdlab-server", daemon=True)

    def __enter__(self) -> EmbeddedServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the embedded server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.app.state.db.dispose()

    def create_requester(self, name: str, balance: str = "0") -> str:
        """Create a requester directly in the database; returns its API token."""
        _, token = create_requester(self.app.state.db, name, balance_micro=to_micro(balance))
        return token
