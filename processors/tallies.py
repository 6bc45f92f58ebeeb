"""What the worker's gauges count in each table value (see processors.runtime.tally)."""

from processors.runtime.tally import Labels
from schemas.commands import CustomerCommands
from schemas.health import CustomerHealth


def profile_healths(value: CustomerHealth) -> Labels:
    """A customer's profiles by health: one label per profile."""
    return tuple(sorted(str(p.health) for p in value.profiles.values()))


def command_states(value: CustomerCommands) -> Labels:
    """A customer's commands by state: one label per command."""
    return tuple(sorted(str(r.state) for r in value.commands.values()))
