"""The names of the metrics every hub process exports, and their histogram buckets.

The Grafana dashboard (`helm/heartbeat-hub/dashboards/hub.json`) queries these names;
a test checks that every name it uses is one a process exports. Prometheus
conventions: base units in the name (`_seconds`), counters end in `_total`, labels
are low-cardinality (route templates, states, topics; never a client id).
"""

# HTTP, on the ingress and on each worker's web server.
HTTP_REQUESTS = "hub_http_requests_total"
"""Counter {route, method, status}: requests answered, by route template."""
HTTP_DURATION = "hub_http_request_duration_seconds"
"""Histogram {route, method}: time from the request until the answer was sent."""

# Shedding, on the ingress.
SHED = "hub_ingress_shed_total"
"""Counter: heartbeats and PBX calls answered 503 by the gate (in flight or loop lag)."""
LOOP_LAG = "hub_ingress_event_loop_lag_seconds"
"""Gauge: how late the ingress's event loop ran at its latest probe."""

# Kafka publishing: the ingress's publisher and the workers' heartbeat publish.
PUBLISH_DURATION = "hub_kafka_publish_duration_seconds"
"""Histogram {topic}: send until acks=all, of acknowledged records."""
PUBLISH_FAILURES = "hub_kafka_publish_failures_total"
"""Counter {topic, reason}: records not acknowledged (`send`, `timeout`, `error`)."""
CONSUMER_LAG = "hub_kafka_consumer_lag"
"""Gauge {group, topic}: records in the partitions this process owns not yet processed."""

# The ingress.
PBX_EVENTS_INGESTED = "hub_pbx_events_ingested_total"
"""Counter: PBX event reports accepted (durable in Kafka)."""

# The workers.
RECORDS_FOLDED = "hub_records_folded_total"
"""Counter {agent}: input records an agent has folded into the tables."""
TABLE_ENTRIES = "hub_table_entries"
"""Gauge {table}: keys of the partitions this worker actively owns."""
PROFILES = "hub_profiles"
"""Gauge {health}: profiles by health, from the health table."""
COMMANDS = "hub_commands"
"""Gauge {state}: commands by state, finished ones until they are forgotten."""
PBX_SESSIONS = "hub_pbx_sessions"
"""Gauge {state}: PBX API sessions by state, ended ones until they are forgotten."""
PBX_DELIVERY_BACKLOG = "hub_pbx_delivery_backlog"
"""Gauge: events queued for sessions and not yet delivered."""
PBX_DELIVERIES = "hub_pbx_deliveries_total"
"""Counter {outcome}: delivery attempts by outcome (`delivered`, `failed`, `denied`)."""
PBX_DELIVERY_DURATION = "hub_pbx_delivery_duration_seconds"
"""Histogram: one delivery attempt's POST to a session's callback."""

# The SQL sink.
SQL_ROWS = "hub_sql_rows_written_total"
"""Counter: rows written (inserted or updated)."""
SQL_BATCHES = "hub_sql_batches_total"
"""Counter: batches written and committed."""
SQL_BATCH_FAILURES = "hub_sql_batch_failures_total"
"""Counter: batches the database refused (read again and retried)."""
SQL_SKIPPED = "hub_sql_records_skipped_total"
SQL_REJOINS = "hub_sql_group_rejoins_total"
"""Counter: undecodable records skipped."""
SQL_BATCH_DURATION = "hub_sql_batch_duration_seconds"
"""Histogram: writing one batch (one transaction), successful or not."""
SQL_OUTAGE = "hub_sql_outage_seconds"
"""Gauge: how long the database has been failing now; 0 while it works."""
SQL_OUTAGE_TOTAL = "hub_sql_outage_seconds_total"
"""Counter: seconds the database was failing since the sink started."""

# The e-mail sink.
EMAILS_SENT = "hub_emails_sent_total"
"""Counter: messages the SMTP server accepted."""
EMAIL_RETRIES = "hub_email_retries_total"
"""Counter: tries that failed transiently and were retried."""
EMAILS_REJECTED = "hub_emails_rejected_total"
"""Counter: messages the SMTP server refused for good."""

HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Request and publish latencies: a millisecond up to the 5-10 s timeouts."""
SLOW_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
"""Callbacks and database transactions: up to their minute-long timeouts."""
