from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from config.celery import app as celery_app


def _closed_localhost_port() -> int:
    """A localhost port nobody listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _use_broker(url: str, *, eager: bool) -> None:
    celery_app.conf.broker_url = url
    celery_app.conf.task_always_eager = eager
    # Celery caches the broker connection and producer pools; drop them so the URL takes effect.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker_at(settings: Any) -> Iterator[Callable[[str], None]]:
    """Point Celery at ``broker_at(url)`` with tasks no longer eager; restored afterwards."""
    saved = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)

    def _point(url: str) -> None:
        settings.CELERY_TASK_ALWAYS_EAGER = False
        settings.CELERY_BROKER_URL = url
        _use_broker(url, eager=False)

    yield _point
    _use_broker(saved[0], eager=saved[1])


@pytest.fixture
def broker_down(broker_at: Callable[[str], None]) -> None:
    """The broker is unreachable: publishing a task fails (connection refused)."""
    broker_at(f"redis://127.0.0.1:{_closed_localhost_port()}/0")
