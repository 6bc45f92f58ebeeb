"""Keep pydantic models in faust tables: a codec and the value type that names it.

faust-streaming 0.15 takes a table's serializer from `value_type._options.serializer`
and hands decoded payloads to `value_type.from_data`; the class made here supplies both,
so the in-memory store holds the models themselves and only the changelog holds JSON.

A value written to a `rocksdb://` table is encoded twice by faust, for the store and
for its changelog record; `encoded_once` lets the second use the first's bytes.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Generic, TypeVar

from faust.serializers.codecs import Codec
from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


class _Writing:
    """The value being written to a table, and its bytes once encoded."""

    value: object = None
    encoded: bytes | None = None


@contextmanager
def encoded_once(value: object) -> Iterator[None]:
    """While one table write of `value` runs (synchronous: nothing can change the value
    in between), every encoding of it after the first is the first's bytes."""
    _Writing.value, _Writing.encoded = value, None
    try:
        yield
    finally:
        _Writing.value = _Writing.encoded = None


class ModelCodec(Codec, Generic[M]):
    """Serialize one pydantic model type as JSON."""

    def __init__(self, model: type[M]) -> None:
        super().__init__()
        self.model = model

    def _dumps(self, obj: M) -> bytes:
        if obj is not _Writing.value:
            return self._encode(obj)
        if _Writing.encoded is None:
            _Writing.encoded = self._encode(obj)
        return _Writing.encoded

    @staticmethod
    def _encode(obj: BaseModel) -> bytes:
        return obj.model_dump_json().encode()

    def _loads(self, s: bytes) -> M:
        return self.model.model_validate_json(s)


def table_value_type(model: type[BaseModel]) -> type:
    """A value_type for `app.Table` that stores `model` instances."""

    def from_data(cls: type, data: object, preferred_type: object = None) -> object:
        return data

    return type(
        f"{model.__name__}TableValue",
        (),
        {
            "_options": SimpleNamespace(serializer=ModelCodec(model)),
            "from_data": classmethod(from_data),
        },
    )
