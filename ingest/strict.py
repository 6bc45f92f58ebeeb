"""Admin bodies are strict: a field the hub does not know is refused, never dropped.

A misspelled field (`RecievePort`) or one of a newer version would otherwise be
ignored and the write answered 200 without it; like Kubernetes' strict field
validation, the admin API answers 400 naming every such field. The models keep their
own `extra` setting, because the same models also read Kafka records and relay
clients' bodies, which stay lenient (the original server's formatter ignores unknown
members); strictness is asked for here, when an admin body is validated, at every depth.
"""

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from schemas.errors import DecodeError, field_path

M = TypeVar("M", bound=BaseModel)
NAMED = 10
"""Unknown fields named in one answer at most; a body of thousands stays a short answer."""


def from_json(model: type[M], body: bytes | str) -> M:
    """`body` as `model`, refusing unknown fields; raises ValidationError."""
    return model.model_validate_json(body, extra="forbid")


def from_python(model: type[M], data: object) -> M:
    """`data` as `model`, refusing unknown fields; raises ValidationError."""
    return model.model_validate(data, extra="forbid")


def reason(exc: ValidationError, prefix: str = "") -> str:
    """Why a body was refused: its unknown fields by path, else the first field at fault.

    Unknown fields come first: a misspelled required field also shows as missing, and
    the misspelling is the one to name.
    """
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    unknown = [field_path(e["loc"], prefix) for e in errors if e["type"] == "extra_forbidden"]
    if not unknown:
        return str(DecodeError.from_validation_error(exc, prefix))
    named = ", ".join(f"'{name}'" for name in unknown[:NAMED])
    more = f" and {len(unknown) - NAMED} more" if len(unknown) > NAMED else ""
    return f"unknown field{'s' if len(unknown) > 1 else ''} {named}{more}"
