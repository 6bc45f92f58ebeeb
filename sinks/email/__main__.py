"""Run the e-mail sink: `python -m sinks.email`."""

import logging

import faust
import mode.loop

from processors.runtime.faust_types import on_before_shutdown
from processors.runtime.logs import pin_library_levels
from schemas.log_format import configure, logging_config
from schemas.topics import TopicNames
from sinks.email import metrics
from sinks.email.app import EmailSink, build_sink, register_agent
from sinks.email.settings import EmailSinkSettings, get_settings

log = logging.getLogger("sinks.email")


def create(settings: EmailSinkSettings) -> EmailSink:
    """The sink's app with its agent attached."""
    sink = build_sink(settings)
    register_agent(sink)
    on_before_shutdown(sink.app, sink.channels.close)
    topic = TopicNames(settings.topic_prefix).health_events
    metrics.attach(sink.app, settings.kafka_bootstrap, settings.app_id, topic)
    return sink


def main() -> None:
    """Run the sink until SIGINT/SIGTERM."""
    mode.loop.use("uvloop")  # before any loop exists (README, "Why these pieces")
    settings = get_settings()
    configure(settings.log_format, settings.log_level)
    # faust's own start lines are library lines, shown only at debug: say it once.
    topic = TopicNames(settings.topic_prefix).health_events
    smtp = f"{settings.smtp_host}:{settings.smtp_port}"
    log.info("e-mail sink starting: alerts of %s mailed through %s", topic, smtp)
    sink = create(settings)
    worker = faust.Worker(
        sink.app,
        loglevel=settings.log_level,
        logging_config=logging_config(settings.log_format, settings.log_level),
    )
    pin_library_levels(settings.log_level)
    worker.execute_from_commandline()


if __name__ == "__main__":
    main()
