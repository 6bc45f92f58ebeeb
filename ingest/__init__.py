"""The HTTP ingress: validates requests, asks the responder, publishes to Kafka."""
