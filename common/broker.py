"""The dramatiq broker: Redis when WUGONG_REDIS_URL is set, else the in-process stub broker."""

from __future__ import annotations

import logging

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

log = logging.getLogger(__name__)


def make_broker(redis_url: str | None) -> dramatiq.Broker:
    """A Redis broker for production, or a stub broker served by in-process worker threads."""
    if redis_url:
        return RedisBroker(url=redis_url)
    broker = StubBroker()
    broker.emit_after("process_boot")
    return broker


def setup_broker(redis_url: str | None) -> dramatiq.Broker:
    """Make the broker global and move every actor already declared onto it.

    Actors bind to the global broker when their module is imported, so a process that picks its
    broker after the imports (the embedded server, tests) re-declares them here.
    """
    previous = dramatiq.get_broker() if _has_global_broker() else None
    broker = make_broker(redis_url)
    dramatiq.set_broker(broker)
    if previous is not None and previous is not broker:
        for actor in list(previous.actors.values()):
            actor.broker = broker
            broker.declare_actor(actor)
        previous.close()
    log.info("dramatiq broker: %s", type(broker).__name__)
    return broker


def _has_global_broker() -> bool:
    return dramatiq.broker.global_broker is not None
