"""Keep pydantic models in faust tables: a codec and the value type that names it.

faust-streaming 0.15 takes a table's serializer from `value_type._options.serializer`
and hands decoded payloads to `value_type.from_data`; the class made here supplies both,
so the in-memory store holds the models themselves and only the changelog holds JSON.
"""

from types import SimpleNamespace
from typing import Any, Generic, TypeVar

import orjson
from faust.serializers.codecs import Codec
from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


class ModelCodec(Codec, Generic[M]):
    """Serialize one pydantic model type as JSON."""

    def __init__(self, model: type[M]) -> None:
        super().__init__()
        self.model = model

    def _dumps(self, obj: Any) -> bytes:
        return orjson.dumps(obj.model_dump(mode="json"))

    def _loads(self, s: bytes) -> M:
        return self.model.model_validate_json(s)


def table_value_type(model: type[BaseModel]) -> type:
    """A value_type for `app.Table` that stores `model` instances."""

    def from_data(cls: type, data: Any, preferred_type: Any = None) -> Any:
        return data

    return type(
        f"{model.__name__}TableValue",
        (),
        {
            "_options": SimpleNamespace(serializer=ModelCodec(model)),
            "from_data": classmethod(from_data),
        },
    )
