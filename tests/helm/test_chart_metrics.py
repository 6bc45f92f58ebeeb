"""The chart's monitoring: sink metrics ports, the dashboard ConfigMap, the ServiceMonitor
and the KEDA ScaledObject.

kubernetes-validate knows no custom resources: the core objects are validated with
the ServiceMonitor and ScaledObject off, and those two are checked field by field.
"""

import json

import pytest

from schemas.topics import TopicNames
from sinks.sql.events import EventDecoder
from sinks.sql.settings import SqlSinkSettings
from tests.helm.test_chart import (
    CHART,
    NAMESPACE,
    SINKS_ON,
    Helm,
    Manifest,
    container,
    env_value,
    find,
    find_all,
    helm,
    render,
    render_error,
    schema_errors,
)

__all__ = ["helm"]  # the fixture, shared with the chart's other tests
DASHBOARD_ON = ["--set", "grafana.dashboard.enabled=true"]
MONITOR_ON = ["--set", "metrics.serviceMonitor.enabled=true"]
KEDA_ON = ["--set", "sinks.sql.keda.enabled=true"]
COMPONENTS = {"ingest", "workers", "sink-sql", "sink-email"}


@pytest.fixture(scope="module")
def monitored(helm: Helm) -> list[Manifest]:
    """Both sinks, the dashboard, the ServiceMonitor and KEDA, all on."""
    return render(helm, *SINKS_ON, *DASHBOARD_ON, *MONITOR_ON, *KEDA_ON)


def test_core_objects_with_monitoring_on_are_valid_kubernetes(helm: Helm) -> None:
    manifests = render(helm, *SINKS_ON, *DASHBOARD_ON)
    assert find(manifests, "ConfigMap", "dashboard")
    assert [e for m in manifests for e in schema_errors(m)] == []


def test_chart_with_every_monitoring_option_passes_helm_lint(helm: Helm) -> None:
    result = helm.run(
        "lint", "--strict", str(CHART), *SINKS_ON, *DASHBOARD_ON, *MONITOR_ON, *KEDA_ON
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_monitoring_objects_are_off_by_default(helm: Helm) -> None:
    manifests = render(helm, *SINKS_ON)
    assert not {m["kind"] for m in manifests} & {"ServiceMonitor", "ScaledObject"}
    components = {m["metadata"]["labels"]["app.kubernetes.io/component"] for m in manifests}
    assert "dashboard" not in components


def test_dashboard_config_map_carries_the_dashboard_for_the_sidecar(
    monitored: list[Manifest],
) -> None:
    config_map = find(monitored, "ConfigMap", "dashboard")
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    (content,) = config_map["data"].values()
    assert json.loads(content) == json.loads((CHART / "dashboards" / "hub.json").read_text())


def test_sinks_serve_metrics_on_a_named_port(monitored: list[Manifest]) -> None:
    sql = find(monitored, "Deployment", "sink-sql")
    assert env_value(sql, "HUB_SQL_METRICS_BIND") == "0.0.0.0"
    assert env_value(sql, "HUB_SQL_METRICS_PORT") == "9102"
    email = find(monitored, "Deployment", "sink-email")
    assert env_value(email, "HUB_EMAIL_WEB_PORT") == "6067"
    for sink, port in ((sql, 9102), (email, 6067)):
        assert {"name": "metrics", "containerPort": port, "protocol": "TCP"} in container(sink)[
            "ports"
        ]


def selected_services(manifests: list[Manifest], monitor: Manifest) -> list[Manifest]:
    """The Services the ServiceMonitor's selector picks in its namespace."""
    wanted = monitor["spec"]["selector"]["matchLabels"]
    return [
        s
        for s in find_all(manifests, "Service")
        if wanted.items() <= s["metadata"]["labels"].items()
    ]


def test_service_monitor_scrapes_each_component_once_on_its_metrics_port(
    monitored: list[Manifest],
) -> None:
    (monitor,) = find_all(monitored, "ServiceMonitor")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": [NAMESPACE]}
    endpoints = {e["port"]: e for e in monitor["spec"]["endpoints"]}
    assert {e["path"] for e in endpoints.values()} == {"/metrics"}
    services = selected_services(monitored, monitor)
    components = [s["metadata"]["labels"]["app.kubernetes.io/component"] for s in services]
    assert sorted(components) == sorted(COMPONENTS)
    for service in services:
        scraped = [p for p in service["spec"]["ports"] if p["name"] in endpoints]
        assert len(scraped) == 1, service["metadata"]["name"]
    headless = find(monitored, "StatefulSet", "workers")["spec"]["serviceName"]
    assert headless in [s["metadata"]["name"] for s in services]


def test_scaled_object_scales_the_sql_sink_on_its_group_s_lag(monitored: list[Manifest]) -> None:
    sql = find(monitored, "Deployment", "sink-sql")
    assert "replicas" not in sql["spec"]
    (scaled,) = find_all(monitored, "ScaledObject")
    assert scaled["apiVersion"] == "keda.sh/v1alpha1"
    assert scaled["spec"]["scaleTargetRef"]["name"] == sql["metadata"]["name"]
    assert scaled["spec"]["maxReplicaCount"] <= 12
    triggers = scaled["spec"]["triggers"]
    assert {t["type"] for t in triggers} == {"kafka"}
    meta = [t["metadata"] for t in triggers]
    assert {m["bootstrapServers"] for m in meta} == {"kafka:9092"}
    assert {m["consumerGroup"] for m in meta} == {SqlSinkSettings(topic_prefix="hub.").group_id}
    assert {m["lagThreshold"] for m in meta} == {"1000"}
    assert sorted(m["topic"] for m in meta) == sorted(EventDecoder(TopicNames("hub.")).topics)


def test_scaled_object_needs_the_sql_sink(helm: Helm) -> None:
    assert not find_all(render(helm, *KEDA_ON), "ScaledObject")


def test_more_sink_replicas_than_partitions_fails_the_render(helm: Helm) -> None:
    sets = [*SINKS_ON, *KEDA_ON, "--set", "sinks.sql.keda.maxReplicas=13"]
    assert "sinks.sql.keda.maxReplicas (13) must not exceed" in render_error(helm, *sets)
