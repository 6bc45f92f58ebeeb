"""Text values (`--set FIELD=VALUE`, CSV cells) as the typed JSON the admin API takes.

The field names and types are the hub's own models: a profile's fields are its wire
model's (`RelayInboundProfile`/`RelayOutboundProfile` configuration) plus the timing
overrides; a customer's are `CustomerConfig`'s. Constraints are left to the hub.
"""

from functools import cache
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from schemas.health import Timing
from schemas.profiles import CustomerConfig
from schemas.relay import InboundProfileBase, OutboundProfileBase

PROFILE_MODELS: dict[str, tuple[type[BaseModel], ...]] = {
    "inbound": (InboundProfileBase, Timing),
    "outbound": (OutboundProfileBase, Timing),
}
CUSTOMER_MODELS: tuple[type[BaseModel], ...] = (CustomerConfig,)


class FieldProblem(ValueError):
    """A field the hub does not know, or a value its type cannot take."""


@cache
def _adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    return TypeAdapter(model.model_fields[name].annotation or Any)


def names(models: tuple[type[BaseModel], ...]) -> list[str]:
    """Every field name of the models, in their order."""
    return [name for model in models for name in model.model_fields]


def convert(models: tuple[type[BaseModel], ...], name: str, text: str) -> Any:
    """`text` as the JSON value of field `name` (`"2575"` → 2575, `"yes"` → true)."""
    model = next((m for m in models if name in m.model_fields), None)
    if model is None:
        raise FieldProblem(f"unknown field '{name}'")
    adapter = _adapter(model, name)
    try:
        value = adapter.validate_python(text)
    except ValidationError as e:
        raise FieldProblem(f"field '{name}': {e.errors()[0]['msg']}") from e
    return adapter.dump_python(value, mode="json")


def profile_value(kind: str, name: str, text: str) -> Any:
    """A profile field's value from text."""
    return convert(PROFILE_MODELS[kind], name, text)
