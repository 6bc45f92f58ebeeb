"""The relay features of the workers: customers, profiles and their health, operators' orders, and
what a heartbeat's answer needs."""
