"""Run one processor worker: `python -m processors`."""

import logging

import faust
import mode.loop

from processors.app import Hub, build_hub
from processors.pbx import takeover, upstream_connector
from processors.pbx.agents import register_pbx_agents
from processors.pbx.delivery import attach
from processors.pbx.views import register_pbx_views
from processors.relay import answer_state
from processors.relay.agents import register_agents
from processors.relay.channel_test import register_channel_test
from processors.relay.customer_contents import register_contents_view
from processors.relay.responder import register_views
from processors.runtime import fetch_wait, fold_gate, metrics_web, rebalance_log, seek_fix
from processors.runtime.faust_types import Event, on_before_shutdown
from processors.runtime.in_order import InOrder
from processors.runtime.logs import pin_library_levels
from processors.settings import WorkerSettings, get_settings
from schemas.gc_tuning import tune_gc
from schemas.log_format import configure, logging_config

log = logging.getLogger("processors")


def create(settings: WorkerSettings) -> Hub:
    """The app with its agents and views attached."""
    hub = build_hub(settings)
    register_agents(hub)
    register_views(hub)
    register_contents_view(hub)
    register_channel_test(hub)
    register_pbx_agents(hub)
    register_pbx_views(hub)
    deliverer = attach(hub)
    connector = upstream_connector.attach(hub)
    takeover.attach(hub)
    answer_state.attach(hub)
    metrics_web.attach(hub)
    rebalance_log.attach(hub)
    fold_gate.install(hub.app, hub.gate, _in_order(hub))

    async def close_offsets() -> None:
        await hub.offsets.close()
        await deliverer.close()
        await connector.close()

    on_before_shutdown(hub.app, close_offsets)

    return hub


def _in_order(hub: Hub) -> InOrder[Event]:
    """Folds in offset order on every uncompacted input topic but the sweep's ticks, and
    none while the tables recover."""
    unordered = {name for name, compacted in hub.names.all().items() if compacted}
    unordered.add(hub.names.ticks)
    return InOrder(hub.offsets, frozenset(unordered), lambda: hub.app.tables.actives_ready)


def main() -> None:
    """Start the worker until SIGINT/SIGTERM."""
    mode.loop.use("uvloop")  # before any loop exists (README, "Why these pieces")
    settings = get_settings()
    settings.key()  # fail at start, not at the first PBX call, when the key is missing
    configure(settings.log_format, settings.log_level)
    # faust's own start lines are library lines, shown only at debug: say it once.
    log.info(
        "worker of '%s*' starting: responder on %s, tables in %s",
        settings.topic_prefix,
        settings.url(),
        settings.table_store,
    )
    seek_fix.install()
    fetch_wait.install(settings.fetch_max_wait_ms)
    hub = create(settings)
    worker = faust.Worker(
        hub.app,
        loglevel=settings.log_level,
        logging_config=logging_config(settings.log_format, settings.log_level),
    )
    pin_library_levels(settings.log_level)
    tune_gc()
    worker.execute_from_commandline()


if __name__ == "__main__":
    main()
