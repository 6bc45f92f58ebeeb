"""The base of the local components that a `with` block stops at its end."""

from types import TracebackType
from typing import Self


class Stopping:
    """Stopped by `stop` when the `with` block ends; entering returns it as it is (a
    component that starts on entering overrides `__enter__`)."""

    def stop(self) -> None:
        """Stop what this component runs; safe to call once it has started."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
