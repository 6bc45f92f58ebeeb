"""Errors raised by the schemas package."""

from pydantic import ValidationError


class SchemaError(Exception):
    """Root of every error the schemas package raises."""


class DecodeError(SchemaError):
    """A body that does not match its contract.

    `field` is the path of the part at fault (`[1].ProfileType`,
    `InboundProfileList[0].ServerStatus`), or `` when the whole body is at fault.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(field, reason)
        self.field = field
        self.reason = reason

    def __str__(self) -> str:
        return f"field '{self.field}': {self.reason}"

    @classmethod
    def from_validation_error(cls, exc: ValidationError, prefix: str = "") -> "DecodeError":
        """Build a DecodeError from the first error of a pydantic ValidationError."""
        first = exc.errors(include_url=False, include_context=False, include_input=False)[0]
        return cls(field_path(first["loc"], prefix), first["msg"])


def field_path(loc: tuple[int | str, ...], prefix: str = "") -> str:
    """Render a pydantic error location as `[0].ProfileType` or `List[2].Name`."""
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path
