"""The faust runtime the workers and the e-mail sink share: batches, the fold gate and
order, tables with due indexes, offsets, metrics and logs."""
