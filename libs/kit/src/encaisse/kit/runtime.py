"""A service's running parts: database, broker connection, outbox relay, consumers.

Built in the FastAPI lifespan (or a worker's entry point), never at import.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any, Generic, TypeVar, cast

from aio_pika.abc import AbstractConnection
from aio_pika.exceptions import AMQPError
from fastapi import Depends, Request
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from encaisse.bus.catalog import declare_subscriptions
from encaisse.bus.consumer import Consumer, Handlers
from encaisse.bus.deadletters import DeadLetters
from encaisse.bus.metrics import UNROUTED_WAITING
from encaisse.bus.outbox import OutboxRelay
from encaisse.bus.publisher import Publisher, connect
from encaisse.bus.topology import QueueSpec, exchanges_as_they_are
from encaisse.bus.uow import UnitOfWork
from encaisse.kit.clock import Clock, SystemClock
from encaisse.kit.db import make_engine, make_sessions
from encaisse.kit.settings import ServiceSettings

log = logging.getLogger(__name__)


async def every(seconds: float, job: Callable[[], Awaitable[object]], what: str) -> None:
    """Run ``job`` now, then every ``seconds``, until cancelled: a background loop of the
    service (``Runtime.every``). A job that returns ``True`` says more work is waiting and
    runs again at once. A failing run is logged and the next one goes on."""
    while True:
        try:
            more = await job()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed; trying again in %s s", what, seconds)
            more = False
        if more is not True:
            await asyncio.sleep(seconds)


async def declare_topology(connection: AbstractConnection) -> frozenset[str]:
    """Every Encaisse queue and binding, before this service publishes anything
    (``encaisse.bus.catalog``). Returns the exchanges used as the broker has them."""
    as_is = await exchanges_as_they_are(connection)
    channel = await connection.channel()
    try:
        await declare_subscriptions(channel, as_is=as_is)
    finally:
        await channel.close()
    return as_is


P = TypeVar("P")


@dataclass
class Runtime(Generic[P]):
    """What every service runs on, built by its ``bootstrap(settings)``: its settings, clock,
    database, broker connection, outbox relay and consumers, and ``parts``, the service's
    own dependencies (a frozen dataclass of its ``app`` module), bound once and read by its
    routes (``deps.py``) and handlers.

    ``connection``, ``publisher`` and ``relay`` are None until the broker first answers
    (a service starts, and serves what needs only its database, while the broker is down)."""

    settings: ServiceSettings
    clock: Clock
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    outbox: Table
    inbox: Table
    parts: P
    connection: AbstractConnection | None = None
    publisher: Publisher | None = None
    relay: OutboxRelay | None = None
    consumers: list[Consumer] = field(default_factory=list)
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    stops: dict[asyncio.Task[Any], Callable[[], object]] = field(default_factory=dict)

    @property
    def broker_ready(self) -> bool:
        """Connected now (a robust connection that is reconnecting is not closed, but not
        connected either), with every consumer's channel open."""
        return (
            self.connection is not None
            and self.connection.connected.is_set()
            and all(c.consuming for c in self.consumers)
        )

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """One transaction with an outbox, for a request handler: commits on success."""
        async with self.sessions() as session, session.begin():
            yield UnitOfWork(session, self.outbox, now=self.clock.now)

    def spawn(
        self, coro: Any, name: str, stop: Callable[[], object] | None = None
    ) -> asyncio.Task[Any]:
        """A background task, cancelled when the service stops; a worker with a drain of
        its own (the relay, the notifier's sending pool) gives its ``stop`` and is left
        ``shutdown_grace_seconds`` to finish. A periodic job goes through ``every``."""
        task = asyncio.create_task(coro, name=name)
        self.tasks.append(task)
        if stop is not None:
            self.stops[task] = stop
        return task

    def every(self, seconds: float, job: Callable[[], Awaitable[object]], what: str) -> None:
        """Run ``job`` now and every ``seconds`` until the service stops (``every``)."""
        self.spawn(every(seconds, job, what), what.replace(" ", "-"))


@asynccontextmanager
async def start_runtime(
    settings: ServiceSettings,
    *,
    outbox: Table,
    inbox: Table,
    parts: Callable[[Runtime[None]], P],
    consumers: Callable[[P], Sequence[tuple[QueueSpec, Handlers]]] = lambda _: (),
    clock: Clock | None = None,
    run_relay: bool = True,
) -> AsyncIterator[Runtime[P]]:
    """The service's runtime: ``parts`` builds the service's own dependencies from the
    database and clock (nothing connects yet), ``consumers`` gives its queues with their
    handlers bound to those parts. Started while the broker is down, it serves (and
    reports not ready on ``/readyz``) and connects when the broker comes: under
    Kubernetes a crash loop would delay recovery by minutes."""
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    base: Runtime[None] = Runtime(
        settings, clock or SystemClock(), engine, make_sessions(engine), outbox, inbox, None
    )
    runtime = cast(Runtime[P], base)  # the same object, typed with the parts set next
    runtime.parts = parts(base)
    try:
        queues = consumers(runtime.parts)
        try:
            connection = await connect(settings.amqp_url)
        except BROKER_DOWN as exc:
            log.warning(
                "the broker does not answer (%s): serving without it, connecting in the background",
                exc,
            )
            runtime.spawn(_connect_later(runtime, queues, run_relay), "broker-connect")
        else:
            await _with_broker(runtime, connection, queues, run_relay)
        yield runtime
    finally:
        await _stop(runtime)


BROKER_DOWN = (ConnectionError, OSError, AMQPError, asyncio.TimeoutError)
RECONNECT_SECONDS = 2.0


async def _connect_later(
    runtime: Runtime[Any], consumers: Sequence[tuple[QueueSpec, Handlers]], run_relay: bool
) -> None:
    while True:
        await asyncio.sleep(RECONNECT_SECONDS)
        try:
            connection = await connect(runtime.settings.amqp_url)
        except BROKER_DOWN:
            continue
        log.info("the broker answers: declaring the topology and consuming")
        await _with_broker(runtime, connection, consumers, run_relay)
        return


async def _with_broker(
    runtime: Runtime[Any],
    connection: AbstractConnection,
    consumers: Sequence[tuple[QueueSpec, Handlers]],
    run_relay: bool,
) -> None:
    settings = runtime.settings
    runtime.connection = connection
    runtime.publisher = publisher = Publisher(connection)
    runtime.relay = relay = OutboxRelay(
        runtime.engine,
        runtime.outbox,
        publisher,
        batch_size=settings.relay_batch_size,
        idle_delay=settings.relay_idle_seconds,
    )
    as_is = await declare_topology(connection)
    for spec, handlers in consumers:
        spec = dataclasses.replace(spec, retry_delays_ms=settings.retry_delays_ms)
        consumer = Consumer(
            connection,
            spec,
            handlers,
            runtime.sessions,
            outbox=runtime.outbox,
            inbox=runtime.inbox,
            publisher=publisher,
            now=runtime.clock.now,
        )
        await consumer.start(as_is)
        runtime.consumers.append(consumer)
    if run_relay:
        runtime.spawn(relay.run(), "outbox-relay", stop=relay.stop)
    runtime.spawn(
        every(
            settings.unrouted_watch_seconds,
            lambda: watch_unrouted(connection),
            "counting unrouted messages",
        ),
        "unrouted-watch",
    )


async def _stop(runtime: Runtime[Any]) -> None:
    for consumer in runtime.consumers:
        await consumer.stop()
    for task in runtime.tasks:
        stop = runtime.stops.get(task)
        if stop is None:
            task.cancel()
        else:
            stop()
    if runtime.tasks:
        # a worker finishes its batch; one stuck on a dead broker is cancelled
        _, stuck = await asyncio.wait(
            runtime.tasks, timeout=runtime.settings.shutdown_grace_seconds
        )
        for task in stuck:
            task.cancel()
        await asyncio.gather(*runtime.tasks, return_exceptions=True)
    if runtime.publisher is not None:
        await runtime.publisher.close()
    if runtime.connection is not None:
        await runtime.connection.close()
    await runtime.engine.dispose()


async def watch_unrouted(connection: AbstractConnection) -> None:
    """``encaisse_unrouted_messages``: what the exchanges could not route, for alerts."""
    for queue, count in (await DeadLetters(connection).waiting()).items():
        UNROUTED_WAITING.labels(queue).set(-1 if count is None else count)


def get_runtime(request: Request) -> Runtime[Any]:
    runtime: Runtime[Any] = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime[Any], Depends(get_runtime)]
