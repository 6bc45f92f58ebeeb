"""The PBX features of the workers: PBXes and their API sessions, event delivery, and the
connections to customers' own PBXes."""
