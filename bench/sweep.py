"""Cost of the per-customer work the workers do on each heartbeat and each sweep.

In-process, no Kafka: folds heartbeats into states, builds answers, re-evaluates health
and runs commands through their life for many customers, and prints throughput and
p50/p99 per customer. `python -m bench.sweep`.
"""

import argparse
from datetime import UTC, datetime, timedelta

from bench.stats import timed
from processors.relay import answer, commands, customer_health, reported
from schemas.commands import CommandQueued, CustomerCommands
from schemas.enums import ProfileType, ServerStatus
from schemas.health import CustomerHealth
from schemas.profiles import CustomerConfig, CustomerProfiles, CustomerStates
from schemas.relay import InboundProfileBase, OutboundProfileBase, ProfileHeartbeatData

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def customer(n_in: int, n_out: int) -> tuple[CustomerConfig, CustomerProfiles]:
    """A customer with `n_in` inbound and `n_out` outbound profiles."""
    profiles = CustomerProfiles(
        inbound={
            i: InboundProfileBase(RelayInboundProfileID=i, Active=True) for i in range(1, n_in + 1)
        },
        outbound={
            i: OutboundProfileBase(RelayOutboundProfileID=i, Active=True)
            for i in range(1, n_out + 1)
        },
    )
    return CustomerConfig(RelayCustomerID=1, Name="bench"), profiles


def entries(n_in: int, n_out: int) -> list[ProfileHeartbeatData]:
    """A heartbeat reporting every profile Started."""
    return [
        ProfileHeartbeatData(ProfileId=i, ProfileType=t, ServerStatus=ServerStatus.Started)
        for t, n in ((ProfileType.Inbound, n_in), (ProfileType.Outbound, n_out))
        for i in range(1, n + 1)
    ]


def main() -> None:
    """Parse the bounds and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=3000)
    ap.add_argument("--inbound", type=int, default=5)
    ap.add_argument("--outbound", type=int, default=2)
    args = ap.parse_args()
    cfg, profiles = customer(args.inbound, args.outbound)
    items = entries(args.inbound, args.outbound)
    states = reported.apply_heartbeat(CustomerStates(), profiles, items, T0)
    timed(
        "fold heartbeat into states",
        args.rounds,
        lambda: reported.apply_heartbeat(states, profiles, items, T0),
    )
    timed("build answer", args.rounds, lambda: answer.build(profiles, states, items))
    ctx = (cfg, profiles, states, None)
    health = customer_health.refresh(CustomerHealth(), "c", ctx, T0)
    later = T0 + timedelta(seconds=70)
    timed(
        "sweep: re-evaluate health",
        args.rounds,
        lambda: customer_health.refresh(health, "c", ctx, later),
    )
    order = CommandQueued(
        client_id="c", profile_type=ProfileType.Inbound, profile_id=1, at=T0,
        command_id="x", command="restart", ttl_s=60, max_deliveries=3,
    )  # fmt: skip
    cc = commands.apply_order(CustomerCommands(), "c", order)
    timed("command: heartbeat + delivery", args.rounds, lambda: commands.record_deliveries(
        commands.on_heartbeat(cc, "c", items, T0), "c", ["x"], T0))  # fmt: skip


if __name__ == "__main__":
    main()
