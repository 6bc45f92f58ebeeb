"""The tables' model codec: JSON of the model, and one encoding per table write."""

from processors.runtime.codec import ModelCodec, encoded_once
from schemas.profiles import CustomerConfig


def test_the_codec_round_trips_a_model() -> None:
    codec = ModelCodec(CustomerConfig)
    value = CustomerConfig(RelayCustomerID=7, Name="acme")
    assert codec.loads(codec.dumps(value)) == value


def test_within_one_write_the_value_is_encoded_once() -> None:
    codec = ModelCodec(CustomerConfig)
    value = CustomerConfig(RelayCustomerID=7, Name="acme")
    other = CustomerConfig(RelayCustomerID=8, Name="other")
    with encoded_once(value):
        first = codec.dumps(value)
        assert codec.dumps(value) is first  # the changelog's encoding reuses the store's
        assert codec.loads(codec.dumps(other)) == other  # another value is its own


def test_after_the_write_a_changed_value_is_encoded_afresh() -> None:
    codec = ModelCodec(CustomerConfig)
    value = CustomerConfig(RelayCustomerID=7, Name="acme")
    with encoded_once(value):
        codec.dumps(value)
    value.Name = "renamed"
    assert codec.loads(codec.dumps(value)).Name == "renamed"
