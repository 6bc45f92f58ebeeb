"""Errors raised by the SQL sink."""


class SqlSinkError(Exception):
    """Root of every error the SQL sink raises."""


class DatabaseUnavailable(SqlSinkError):
    """A batch could not be written because the database cannot be reached or is locked.

    The batch was rolled back; its records must be consumed again once it is back.
    """


class BatchRejected(SqlSinkError):
    """The database refused a batch for its content (not an outage); retrying will not help."""
