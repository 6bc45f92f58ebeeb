"""Wire contracts of the heartbeat hub: pydantic models and their JSON and XML codecs."""
