"""Pytest fixtures of application servers' event receivers, stopped after each test."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from localkafka.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """An application server's event receiver."""
    rec = Receiver().start()
    yield rec
    rec.stop()


@pytest.fixture
def receivers() -> Iterator[Callable[..., Receiver]]:
    """Start receivers (`Receiver`'s fields as keywords); each is stopped after the test."""
    started: list[Receiver] = []

    def start(**fields: Any) -> Receiver:
        started.append(Receiver(**fields).start())
        return started[-1]

    yield start
    for r in started:
        r.stop()
