"""`POST /api/v2.0.0/heartbeat?token=…` answered by the ingress alone, from its live tokens.

No worker is asked: the token's session is found in this process's replica of the
live-tokens topic (`ingest.live_tokens`), judged on the hub's clock (20004 unknown,
20006 timed out), its callback changed by the heartbeat's fields and checked against
the denied networks (20008), and the renewal published on the `pbx` topic in the PBX's
partition (acks=all), gathered with the other renewals of a few milliseconds into one
record per partition (`ingest.heartbeat_batches`, as relay heartbeats are: one record
costs the ingress, the broker and the worker the same whatever it holds). The answer is
Success once Kafka acknowledged it; the owning
worker folds it later (and ignores it if the session ended meanwhile: a renewal never
brings an ended session back). Kafka not taking it, or a replica still reading at the
start, is 503 (30001).
"""

from datetime import timedelta

from ingest.errors import ResponderUnavailable
from ingest.services import Services
from schemas.pbx import TOKEN_LIFE_S
from schemas.pbx_callback import denied_url
from schemas.pbx_errno import SUCCESS, Errno, failed
from schemas.pbx_requests import Callback, merged, url_of
from schemas.pbx_topics import SessionRenewed
from schemas.topics import partition_for

LIFE = timedelta(seconds=TOKEN_LIFE_S)


async def heartbeat(services: Services, token: str, change: Callback) -> bytes:
    """Keep a token alive for 30 minutes from now; the fields given change the callback."""
    tokens = services.live_tokens
    if not tokens.ready:
        raise ResponderUnavailable("the live tokens are still being read")
    found = tokens.get(token)
    if found is None:
        return failed(Errno.NO_SUCH_TOKEN)
    now = services.clock.now()
    refused = found.refusal(now)
    if refused is not None:
        return failed(refused)
    callback = merged(found.callback, change)
    if denied_url(url_of(callback), services.settings.denied()):
        return failed(Errno.WRONG_PORT)
    record = SessionRenewed(
        client_id=found.client_id,
        pbx_id=found.pbx_id,
        session_id=found.session_id,
        callback=callback,
        at=now,
    )
    route = record.route
    partition = partition_for(route, services.settings.partitions)
    await services.renewals.publish(route.encode(), record.model_dump_json().encode(), partition)
    tokens.renewed(token, now + LIFE, now)
    return SUCCESS
