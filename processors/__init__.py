"""The faust-streaming processors: tables of customers, profiles and state, and the responder."""
