"""Runtime settings, from command-line options and CROWDLAB_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal

DEFAULT_DB = "sqlite:///crowdlab.db"


@dataclass(frozen=True)
class Settings:
    """Everything a running crowdlab needs to know about its environment."""

    db_url: str = field(default_factory=lambda: os.environ.get("CROWDLAB_DB", DEFAULT_DB))
    # Platform fee charged to the requester on top of each reward, as a fraction (0.2 = 20 %).
    fee_rate: Decimal = field(default_factory=lambda: Decimal(os.environ.get("CROWDLAB_FEE_RATE", "0.2")))
    # Public base URL used in links (assignment links in exports, webhooks).
    public_url: str = field(default_factory=lambda: os.environ.get("CROWDLAB_PUBLIC_URL", ""))
    # Seconds between runs of the background sweeps (expiry, auto-accept, pool expiry).
    sweep_interval: float = field(
        default_factory=lambda: float(os.environ.get("CROWDLAB_SWEEP_INTERVAL", "1.0"))
    )
    worker_session_days: int = 30
    # Request-handler threads; 0 keeps the server default.
    threads: int = field(default_factory=lambda: int(os.environ.get("CROWDLAB_THREADS", "0")))
