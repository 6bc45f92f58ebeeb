"""The chart's Grafana dashboard: well formed, and querying only metrics the hub exports."""

import json
import re
from pathlib import Path
from typing import Any, cast

from prometheus_client.metrics_core import Metric

from ingest import metrics as ingest_metrics
from ingest.app import ROUTES
from processors import metrics as worker_metrics
from processors.app import Hub
from processors.metrics_tables import TableCollector
from schemas import metric_names
from schemas.metrics import ConsumerLag
from sinks.email import metrics as email_metrics
from sinks.sql import metrics as sql_metrics
from sinks.sql.consumer import SinkStats

DASHBOARD = (
    Path(__file__).resolve().parents[2] / "helm" / "heartbeat-hub" / "dashboards" / "hub.json"
)
SERIES = {
    "counter": ("_total",),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count"),
    "summary": ("", "_sum", "_count"),
    "info": ("_info",),
}
METRIC = re.compile(r"\b(?:hub|process|python)_[a-z0-9_]+\b")
ROUTE = re.compile(r'route="([^"]+)"')


def families() -> list[Metric]:
    """Every metric family of every process: the registries, and the collectors' own
    descriptions of what they compute at scrape time."""
    no_hub = cast(Hub, None)  # describe() never reads the hub
    return [
        *ingest_metrics.REGISTRY.collect(),
        *worker_metrics.REGISTRY.collect(),
        *TableCollector(no_hub).describe(),
        *ConsumerLag("group").describe(),
        *sql_metrics.REGISTRY.collect(),
        *sql_metrics.SinkCollector(SinkStats(), "group").describe(),
        *email_metrics.REGISTRY.collect(),
    ]


def exported() -> set[str]:
    """The names of every series the hub's processes export."""
    return {f.name + suffix for f in families() for suffix in SERIES[f.type]}


def dashboard() -> dict[str, Any]:
    """The dashboard's JSON model."""
    model: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return model


def expressions() -> list[str]:
    """Every PromQL expression of the dashboard: panel targets and template variables."""
    model = dashboard()
    exprs = [t["expr"] for p in model["panels"] for t in p.get("targets", [])]
    queries = [v["definition"] for v in model["templating"]["list"] if v["type"] == "query"]
    return exprs + queries


def test_every_metric_the_dashboard_queries_is_exported() -> None:
    used = {name for expr in expressions() for name in METRIC.findall(expr)}
    assert used, "the dashboard queries nothing"
    assert used - exported() == set()


def test_every_metric_name_of_the_contract_is_exported() -> None:
    contract = {
        value for key, value in vars(metric_names).items()
        if key.isupper() and isinstance(value, str)
    }  # fmt: skip
    histograms = {f.name for f in families() if f.type == "histogram"}
    assert contract - exported() - histograms == set()


def test_route_labels_the_dashboard_filters_on_are_the_ingress_s_templates() -> None:
    ingress = {getattr(r, "path", "") for r in ROUTES}
    routes = {route for expr in expressions() for route in ROUTE.findall(expr)}
    assert "/api/customer/{clientId}/heartbeat" in routes
    assert {r for r in routes if not r.startswith("/hub/")} <= ingress


def test_every_panel_has_an_id_a_place_and_the_datasource_variable() -> None:
    model = dashboard()
    panels = model["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    for panel in panels:
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24, panel["title"]
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
            assert panel["targets"], panel["title"]
    variables = {v["name"]: v for v in model["templating"]["list"]}
    assert variables["datasource"]["query"] == "prometheus"
    assert model["uid"] == "heartbeat-hub"
