"""Errors raised by the processors."""


class ProcessorError(Exception):
    """Root of every error the processors raise."""


class NotOwner(ProcessorError):
    """This worker does not actively own the key's partition, and cannot forward."""


class Recovering(ProcessorError):
    """Tables are being recovered or rebalanced; answers would be stale."""
