"""The internal contract between the ingress and the responder in each worker.

Admin reads and the PBX API's calls go to the worker owning the client's partition
(`/hub/*`); a worker that is not the owner forwards the request once, marked with
`FORWARDED_HEADER`. Relay heartbeats never come here: the ingress answers them from its
replica of the answers topic (`ingest.answers`).
"""

FORWARDED_HEADER = "X-Hub-Forwarded"
