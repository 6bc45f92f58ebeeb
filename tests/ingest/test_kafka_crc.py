"""kafka-python checksums record batches with the C CRC-32C, not its pure-Python one."""

from kafka.record import util


def test_kafka_python_uses_the_c_crc32c() -> None:
    # Without the `crc32c` package each produced and fetched batch is checksummed in
    # pure Python: a fifth of the ingress's and a third of the SQL sink's CPU at import.
    assert util.crc32c_c is not None
    assert util.calc_crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value
