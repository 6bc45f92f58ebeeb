"""Sinks: Kafka in, the outside world (SQL, webhooks, e-mail) out."""
