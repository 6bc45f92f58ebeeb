"""Errors raised inside the ingress; the HTTP status for each is chosen in the routes."""


class IngestError(Exception):
    """Root of every error the ingress raises."""


class BrokerUnavailable(IngestError):
    """Kafka did not acknowledge the record in time."""


class ResponderUnavailable(IngestError):
    """No worker could answer from its tables in time."""


class UnknownClient(IngestError):
    """No customer is configured with this clientId."""


class UnsupportedMediaType(IngestError):
    """The request's Content-Type is not one the API accepts."""


class BodyTooLarge(IngestError):
    """The request body is larger than the configured bound."""
