"""SimServer: the simulator on 127.0.0.1, uvicorn in a daemon thread with its own event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any

import uvicorn

from legevakt.sim.auth import TokenIssuer
from legevakt.sim.clinic import Clinic
from legevakt.sim.config import SimConfig
from legevakt.sim.faults import Faults
from legevakt.sim.fhir_app import DROP_FILTER, FhirApi, build_app
from legevakt.sim.recipients import Recipients
from legevakt.sim.resources import ResourceStore
from legevakt.sim.ws import SubscriptionHub

log = logging.getLogger("legevakt.sim")

TICK_SECONDS = 0.2


class SimServer:
    """The FHIR simulator. Use as a context manager, or ``start()`` / ``stop()``."""

    def __init__(self, config: SimConfig | None = None, port: int = 0) -> None:
        self.config = config if config is not None else SimConfig()
        self.requested_port = port
        self.port = 0
        self.base_url = ""
        self.faults = Faults()
        self.faults.seed(self.config.seed)
        self.store = ResourceStore(self.config.seed)
        self.recipients = Recipients(self.store, self.faults, self.config.seed)  # GPs exist before patients
        self.clinic = Clinic(self.store, self.config, self.faults)
        self.clinic_ref = self.clinic.clinic_ref
        self.tokens = TokenIssuer(
            self.config.client_id, self.config.client_secret, ttl=lambda: float(self.faults.token_ttl_seconds)
        )
        self.faults._on_expire_tokens.append(self.tokens.expire_all)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._hub: SubscriptionHub | None = None

    # -- lifecycle -------------------------------------------------------------------------------------

    @property
    def ws_url(self) -> str:
        return self._hub.ws_url if self._hub is not None else ""

    def start(self) -> str:
        """Bind, start serving and return the base URL (``http://127.0.0.1:<port>/fhir``)."""
        if self._thread is not None:
            raise RuntimeError("SimServer already started")
        # proto must be IPPROTO_TCP for asyncio to set TCP_NODELAY on accepted connections
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", self.requested_port))
        except OSError:
            sock.close()
            raise
        self.port = int(sock.getsockname()[1])
        self.base_url = f"http://127.0.0.1:{self.port}/fhir"
        hub = SubscriptionHub(self.store, self.faults, self.tokens, self.config.require_auth, self.base_url)
        self._hub = hub
        api = FhirApi(
            self.config, self.store, self.clinic, self.faults, self.tokens, hub, self.base_url, self.recipients
        )

        @contextlib.asynccontextmanager
        async def lifespan(app: Any) -> AsyncIterator[None]:
            hub.loop = asyncio.get_running_loop()
            ticker = asyncio.create_task(self._ticker())
            try:
                yield
            finally:
                hub.loop = None
                ticker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker

        uv_config = uvicorn.Config(
            build_app(api, lifespan),
            log_config=None,
            access_log=False,
            log_level="warning",
            http="h11",
            ws="websockets-sansio",
            loop="asyncio",
            lifespan="on",
            timeout_graceful_shutdown=3,
        )
        error_logger = logging.getLogger("uvicorn.error")
        if DROP_FILTER not in error_logger.filters:
            error_logger.addFilter(DROP_FILTER)
        server = uvicorn.Server(uv_config)
        self._server = server
        self._thread = threading.Thread(target=self._run, args=(server, sock), name="legevakt-sim", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the simulator failed to start")
            time.sleep(0.005)
        log.info("simulator listening on %s (seed %s, speed %s)", self.base_url, self.config.seed, self.config.speed)
        return self.base_url

    @staticmethod
    def _run(server: uvicorn.Server, sock: socket.socket) -> None:
        try:
            server.run(sockets=[sock])
        finally:
            sock.close()

    def stop(self) -> None:
        """Shut down cleanly and join the server thread."""
        server, thread = self._server, self._thread
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(timeout=15)
            if thread.is_alive():  # pragma: no cover - a stuck connection
                if server is not None:
                    server.force_exit = True
                thread.join(timeout=5)
        if self._hub is not None:
            self._hub.close()
        self._server = None
        self._thread = None

    def __enter__(self) -> SimServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- the accelerated clock -------------------------------------------------------------------------

    async def _ticker(self) -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(TICK_SECONDS)
            now = time.monotonic()
            elapsed, last = now - last, now
            try:
                self.recipients.pump()  # wall-clock delays: runs even with the clinic's clock frozen
            except Exception:
                log.exception("recipients tick failed")
            try:
                self.clinic.pump_list()  # lagging List entries (list_lag_seconds): wall clock, like receipts
            except Exception:
                log.exception("list tick failed")
            speed = float(self.config.speed)
            if speed <= 0:
                continue
            try:
                self.clinic.advance(elapsed * speed / 60.0)
            except Exception:
                log.exception("clinic tick failed")
