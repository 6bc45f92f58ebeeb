"""The Helm chart renders valid Kubernetes objects that wire the hub together as designed.

Rendered with a real helm (fetched once into .cache/ by `localkafka.helm`) and checked
offline against the Kubernetes OpenAPI schemas of `kubernetes-validate`.
"""

from __future__ import annotations

import base64
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import kubernetes_validate
import pytest
import yaml

from localkafka.helm import ensure_helm

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "helm" / "heartbeat-hub"
RELEASE = "hub"
NAMESPACE = "hub-test"
# The oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest
# schema kubernetes-validate ships.
KUBE_VERSIONS = ("1.25", kubernetes_validate.utils.latest_version())
KAFKA_ENV = ("HUB_KAFKA_BOOTSTRAP", "HUB_TOPIC_PREFIX", "HUB_PARTITIONS", "HUB_REPLICATION_FACTOR")
POD_KINDS = ("Deployment", "StatefulSet", "Job")

Manifest = dict[str, Any]

SINKS_ON = [
    "--set", "sinks.sql.enabled=true",
    "--set", "sinks.sql.databaseUrl.existingSecret=hub-db",
    "--set", "sinks.email.enabled=true",
    "--set", "sinks.email.smtp.host=smtp.example.com",
    "--set", "sinks.email.smtp.username=hub",
    "--set", "sinks.email.smtp.password.existingSecret=hub-smtp",
]  # fmt: skip
THREE_WORKERS_SIX_PARTITIONS = ["--set", "workers.replicas=3", "--set", "kafka.partitions=6"]
EVERYTHING_ON = [
    *SINKS_ON,
    "--set", "workers.persistence.storageClass=fast-ssd",
    "--set", "ingest.autoscaling.enabled=true",
    "--set", "ingest.ingress.enabled=true",
    "--set", "ingest.ingress.hosts[0].host=hub.example.com",
    "--set", "ingest.ingress.hosts[0].paths[0].path=/",
    "--set", "admin.existingSecret=ops-admin",
    "--set", "serviceAccount.create=false",
    "--set", "serviceAccount.name=hub-runner",
]  # fmt: skip
SCENARIOS = {
    "defaults": [],
    "sinks-enabled": SINKS_ON,
    "three-workers-six-partitions": THREE_WORKERS_SIX_PARTITIONS,
    "everything-enabled": EVERYTHING_ON,
}


@dataclass(frozen=True)
class Helm:
    """A helm binary whose config, cache and data stay out of the user's home."""

    binary: Path
    home: Path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run helm and return its result, whatever its exit code."""
        dirs = {f"HELM_{d}_HOME": str(self.home / d.lower()) for d in ("CACHE", "CONFIG", "DATA")}
        return subprocess.run(
            [str(self.binary), *args],
            capture_output=True, text=True, check=False, timeout=120, env={**os.environ, **dirs},
        )  # fmt: skip


@pytest.fixture(scope="session")
def helm(tmp_path_factory: pytest.TempPathFactory) -> Helm:
    """helm, fetched into the repository's .cache/ on first use."""
    return Helm(binary=ensure_helm(REPO / ".cache"), home=tmp_path_factory.mktemp("helm-home"))


def render(helm: Helm, *sets: str) -> list[Manifest]:
    """The objects `helm template` renders for the chart with these `--set` options."""
    result = helm.run("template", RELEASE, str(CHART), "--namespace", NAMESPACE, *sets)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def render_error(helm: Helm, *sets: str) -> str:
    """The error of a render that must fail."""
    result = helm.run("template", RELEASE, str(CHART), "--namespace", NAMESPACE, *sets)
    assert result.returncode != 0, "the render succeeded"
    return result.stderr


def find_all(manifests: list[Manifest], kind: str) -> list[Manifest]:
    """Every object of one kind."""
    return [m for m in manifests if m["kind"] == kind]


def find(manifests: list[Manifest], kind: str, component: str) -> Manifest:
    """The one object of `kind` labelled as `component`."""
    found = [
        m
        for m in find_all(manifests, kind)
        if m["metadata"]["labels"]["app.kubernetes.io/component"] == component
    ]
    assert len(found) == 1, f"{len(found)} {kind} objects for {component}"
    return found[0]


def pod_spec(workload: Manifest) -> Manifest:
    """The pod template's spec of a Deployment, StatefulSet or Job."""
    spec: Manifest = workload["spec"]["template"]["spec"]
    return spec


def container(workload: Manifest) -> Manifest:
    """The workload's single container."""
    containers: list[Manifest] = pod_spec(workload)["containers"]
    assert len(containers) == 1
    return containers[0]


def env_of(workload: Manifest) -> dict[str, Manifest]:
    """The container's environment entries by name."""
    return {e["name"]: e for e in container(workload).get("env", [])}


def env_value(workload: Manifest, name: str) -> str:
    """The literal value of one environment variable."""
    value: str = env_of(workload)[name]["value"]
    return value


def volume(workload: Manifest, name: str) -> Manifest:
    """One volume of the pod, by name."""
    volumes: list[Manifest] = pod_spec(workload)["volumes"]
    (found,) = [v for v in volumes if v["name"] == name]
    return found


def mount_at(workload: Manifest, folder: str) -> Manifest:
    """The container's volume mount at `folder`."""
    mounts: list[Manifest] = container(workload)["volumeMounts"]
    (found,) = [m for m in mounts if m["mountPath"] == folder]
    return found


def mount_for(workload: Manifest, path: str) -> Manifest:
    """The volume mount whose folder holds the file `path`."""
    return mount_at(workload, str(PurePosixPath(path).parent))


def selects(selector: dict[str, str], workload: Manifest) -> bool:
    """True when the selector's labels all sit on the workload's pods."""
    labels = workload["spec"]["template"]["metadata"]["labels"]
    return all(labels.get(k) == v for k, v in selector.items())


def schema_errors(manifest: Manifest) -> list[str]:
    """The schema violations of one object, for every supported Kubernetes version."""
    errors = []
    for version in KUBE_VERSIONS:
        try:
            kubernetes_validate.validate(manifest, version, strict=True)
        except kubernetes_validate.ValidationError as e:
            path = "/".join(str(p) for p in e.path)
            errors.append(f"{manifest['kind']}/{manifest['metadata']['name']} {path}: {e.message}")
        except kubernetes_validate.SchemaNotFoundError as e:
            errors.append(e.message)
    return errors


@pytest.fixture(scope="module")
def default_render(helm: Helm) -> list[Manifest]:
    """The chart rendered with its default values."""
    return render(helm)


@pytest.fixture(scope="module")
def sinks_render(helm: Helm) -> list[Manifest]:
    """The chart rendered with both sinks enabled."""
    return render(helm, *SINKS_ON)


@pytest.mark.parametrize("sets", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_every_rendered_object_is_valid_kubernetes(helm: Helm, sets: list[str]) -> None:
    manifests = render(helm, *sets)
    assert manifests
    assert [e for m in manifests for e in schema_errors(m)] == []


@pytest.mark.parametrize("sets", [[], SINKS_ON], ids=["defaults", "sinks-enabled"])
def test_chart_passes_helm_lint(helm: Helm, sets: list[str]) -> None:
    result = helm.run("lint", "--strict", str(CHART), *sets)
    assert result.returncode == 0, result.stdout + result.stderr


def test_worker_advertises_its_own_pod_in_the_headless_service(
    default_render: list[Manifest],
) -> None:
    workers = find(default_render, "StatefulSet", "workers")
    services = find_all(default_render, "Service")
    (headless,) = [s for s in services if s["spec"].get("clusterIP") == "None"]
    assert workers["spec"]["serviceName"] == headless["metadata"]["name"]
    assert selects(headless["spec"]["selector"], workers)
    host = f"$(POD_NAME).{headless['metadata']['name']}.$(POD_NAMESPACE).svc.cluster.local"
    assert env_value(workers, "HUB_CANONICAL_URL") == f"http://{host}:6066"
    # $(VAR) expands only variables defined earlier in the list.
    names = list(env_of(workers))
    assert names.index("POD_NAME") < names.index("HUB_CANONICAL_URL")
    assert names.index("POD_NAMESPACE") < names.index("HUB_CANONICAL_URL")
    assert env_of(workers)["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert env_of(workers)["POD_NAMESPACE"]["valueFrom"]["fieldRef"]["fieldPath"] == (
        "metadata.namespace"
    )


def test_worker_responder_listens_on_all_interfaces(default_render: list[Manifest]) -> None:
    workers = find(default_render, "StatefulSet", "workers")
    assert env_value(workers, "HUB_WEB_BIND") == "0.0.0.0"
    assert env_value(workers, "HUB_WEB_PORT") == "6066"
    assert container(workers)["command"] == ["python", "-m", "processors"]
    assert container(workers)["readinessProbe"]["httpGet"]["port"] == "web"


def test_ingress_calls_the_workers_cluster_ip_service(default_render: list[Manifest]) -> None:
    ingest = find(default_render, "Deployment", "ingest")
    workers = find(default_render, "StatefulSet", "workers")
    (service,) = [
        s
        for s in find_all(default_render, "Service")
        if s["spec"].get("clusterIP") != "None" and selects(s["spec"]["selector"], workers)
    ]
    port = service["spec"]["ports"][0]["port"]
    expected = f"http://{service['metadata']['name']}.{NAMESPACE}.svc.cluster.local:{port}"
    assert env_value(ingest, "HUB_RESPONDER_URL") == expected
    assert env_value(ingest, "HUB_HOST") == "0.0.0.0"
    assert container(ingest)["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container(ingest)["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_admin_token_comes_from_a_secret_file(default_render: list[Manifest]) -> None:
    ingest = find(default_render, "Deployment", "ingest")
    assert "HUB_ADMIN_TOKEN" not in env_of(ingest)
    token_file = env_value(ingest, "HUB_ADMIN_TOKEN_FILE")
    mount = mount_for(ingest, token_file)
    secret_volume = volume(ingest, mount["name"])["secret"]
    (item,) = secret_volume["items"]
    assert item["path"] == PurePosixPath(token_file).name
    secret = find(default_render, "Secret", "ingest")
    assert secret["metadata"]["name"] == secret_volume["secretName"]
    token = base64.b64decode(secret["data"][item["key"]]).decode()
    assert len(token) == 48
    assert token.isalnum()


def test_existing_admin_secret_replaces_the_generated_one(helm: Helm) -> None:
    manifests = render(
        helm, "--set", "admin.existingSecret=ops-admin", "--set", "admin.existingSecretKey=bearer"
    )
    names = [m["metadata"]["name"] for m in find_all(manifests, "Secret")]
    assert names == ["hub-heartbeat-hub-secret-key"]
    ingest = find(manifests, "Deployment", "ingest")
    mount = mount_for(ingest, env_value(ingest, "HUB_ADMIN_TOKEN_FILE"))
    secret_volume = volume(ingest, mount["name"])["secret"]
    assert secret_volume["secretName"] == "ops-admin"
    assert [i["key"] for i in secret_volume["items"]] == ["bearer"]


def test_topic_job_is_an_install_and_upgrade_hook_running_create_topics(
    default_render: list[Manifest],
) -> None:
    job = find(default_render, "Job", "topics")
    hooks = job["metadata"]["annotations"]["helm.sh/hook"].split(",")
    assert sorted(hooks) == ["pre-install", "pre-upgrade"]
    assert container(job)["command"] == ["python", "-m", "processors.create_topics"]
    assert set(KAFKA_ENV) <= set(env_of(job))
    # On a first install the hook runs before the chart's ServiceAccount exists.
    assert "serviceAccountName" not in pod_spec(job)


def test_more_workers_than_partitions_fails_the_render(helm: Helm) -> None:
    error = render_error(helm, "--set", "workers.replicas=7", "--set", "kafka.partitions=6")
    assert "workers.replicas (7) must not exceed kafka.partitions (6)" in error


def test_three_workers_share_six_partitions(helm: Helm) -> None:
    manifests = render(helm, *THREE_WORKERS_SIX_PARTITIONS)
    assert find(manifests, "StatefulSet", "workers")["spec"]["replicas"] == 3
    for workload in (m for m in manifests if m["kind"] in POD_KINDS):
        assert env_value(workload, "HUB_PARTITIONS") == "6"


def test_kafka_settings_reach_every_deployable(helm: Helm, tmp_path: Path) -> None:
    kafka = {"bootstrap": "k1:9092,k2:9092", "topicPrefix": "acme.", "replicationFactor": 2}
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump({"kafka": kafka}))
    manifests = render(helm, *SINKS_ON, "--values", str(values))
    workloads = [m for m in manifests if m["kind"] in POD_KINDS]
    assert len(workloads) == 5
    for workload in workloads:
        assert env_value(workload, "HUB_KAFKA_BOOTSTRAP") == "k1:9092,k2:9092"
        assert env_value(workload, "HUB_TOPIC_PREFIX") == "acme."
        assert env_value(workload, "HUB_REPLICATION_FACTOR") == "2"
        assert env_value(workload, "HUB_PARTITIONS") == "12"


def test_replication_factor_defaults_to_three(default_render: list[Manifest]) -> None:
    workers = find(default_render, "StatefulSet", "workers")
    assert env_value(workers, "HUB_REPLICATION_FACTOR") == "3"


def test_sinks_are_off_by_default(default_render: list[Manifest]) -> None:
    components = {m["metadata"]["labels"]["app.kubernetes.io/component"] for m in default_render}
    assert not {c for c in components if c.startswith("sink")}


def test_enabled_sql_sink_reads_its_database_url_from_a_secret(
    sinks_render: list[Manifest],
) -> None:
    sql = find(sinks_render, "Deployment", "sink-sql")
    assert container(sql)["command"] == ["python", "-m", "sinks.sql"]
    ref = env_of(sql)["HUB_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
    assert ref == {"name": "hub-db", "key": "url"}


def test_enabled_email_sink_gets_smtp_settings_and_a_password_file(
    sinks_render: list[Manifest],
) -> None:
    email = find(sinks_render, "Deployment", "sink-email")
    assert container(email)["command"] == ["python", "-m", "sinks.email"]
    assert env_value(email, "HUB_SMTP_HOST") == "smtp.example.com"
    assert env_value(email, "HUB_SMTP_PORT") == "587"
    assert env_value(email, "HUB_SMTP_STARTTLS") == "true"
    assert env_value(email, "HUB_SMTP_USERNAME") == "hub"
    mount = mount_for(email, env_value(email, "HUB_SMTP_PASSWORD_FILE"))
    assert volume(email, mount["name"])["secret"]["secretName"] == "hub-smtp"


@pytest.mark.parametrize(
    ("sink_set", "missing"),
    [
        ("sinks.sql.enabled=true", "sinks.sql.databaseUrl.existingSecret"),
        ("sinks.email.enabled=true", "sinks.email.smtp.host"),
    ],
)
def test_enabled_sink_without_its_settings_fails_the_render(
    helm: Helm, sink_set: str, missing: str
) -> None:
    assert f"{missing} is required" in render_error(helm, "--set", sink_set)


def test_misspelt_value_is_rejected(helm: Helm) -> None:
    assert "workerz" in render_error(helm, "--set", "workerz.replicas=3")


def test_every_pod_runs_as_non_root_with_limits(sinks_render: list[Manifest]) -> None:
    for workload in (m for m in sinks_render if m["kind"] in POD_KINDS):
        assert pod_spec(workload)["securityContext"]["runAsNonRoot"] is True
        assert pod_spec(workload)["automountServiceAccountToken"] is False
        security = container(workload)["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert {"requests", "limits"} <= set(container(workload)["resources"])


def test_workers_shut_down_gracefully_under_a_disruption_budget(
    default_render: list[Manifest],
) -> None:
    workers = find(default_render, "StatefulSet", "workers")
    assert pod_spec(workers)["terminationGracePeriodSeconds"] == 60
    budget = find(default_render, "PodDisruptionBudget", "workers")
    assert selects(budget["spec"]["selector"]["matchLabels"], workers)
    assert budget["spec"]["maxUnavailable"] == 1


def test_workers_keep_tables_in_rocksdb_on_a_volume_of_their_own_by_default(
    default_render: list[Manifest],
) -> None:
    workers = find(default_render, "StatefulSet", "workers")
    assert env_value(workers, "HUB_TABLE_STORE") == "rocksdb://"
    assert env_value(workers, "HUB_STANDBY_REPLICAS") == "1"  # a warm copy on another worker
    mount = mount_at(workers, env_value(workers, "HUB_DATA_DIR"))
    (claim,) = workers["spec"]["volumeClaimTemplates"]
    assert claim["metadata"]["name"] == mount["name"]
    assert mount["name"] not in [v["name"] for v in pod_spec(workers)["volumes"]]
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "10Gi"
    assert "storageClassName" not in claim["spec"]  # the cluster's default class


def test_worker_volume_size_and_storage_class_come_from_the_values(helm: Helm) -> None:
    manifests = render(
        helm,
        "--set", "workers.persistence.size=50Gi",
        "--set", "workers.persistence.storageClass=fast-ssd",
    )  # fmt: skip
    (claim,) = find(manifests, "StatefulSet", "workers")["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "50Gi"
    assert claim["spec"]["storageClassName"] == "fast-ssd"


def test_a_worker_volume_size_that_is_no_quantity_is_refused(helm: Helm) -> None:
    error = render_error(helm, "--set", "workers.persistence.size=lots")
    assert "/workers/persistence/size" in error


def test_worker_data_dir_is_an_empty_dir_without_persistence(helm: Helm) -> None:
    manifests = render(
        helm, "--set", "workers.persistence.enabled=false", "--set", "workers.tableStore=memory://"
    )
    workers = find(manifests, "StatefulSet", "workers")
    assert env_value(workers, "HUB_TABLE_STORE") == "memory://"
    mount = mount_at(workers, env_value(workers, "HUB_DATA_DIR"))
    assert "emptyDir" in volume(workers, mount["name"])
    assert "volumeClaimTemplates" not in workers["spec"]


def test_every_object_carries_the_recommended_labels(sinks_render: list[Manifest]) -> None:
    required = {
        "app.kubernetes.io/name",
        "app.kubernetes.io/instance",
        "app.kubernetes.io/version",
        "app.kubernetes.io/component",
        "app.kubernetes.io/part-of",
        "app.kubernetes.io/managed-by",
    }
    for manifest in sinks_render:
        assert required <= set(manifest["metadata"]["labels"]), manifest["metadata"]["name"]
        assert manifest["metadata"]["labels"]["app.kubernetes.io/instance"] == RELEASE


def test_autoscaled_ingress_leaves_replicas_to_the_autoscaler(helm: Helm) -> None:
    manifests = render(helm, "--set", "ingest.autoscaling.enabled=true")
    ingest = find(manifests, "Deployment", "ingest")
    assert "replicas" not in ingest["spec"]
    hpa = find(manifests, "HorizontalPodAutoscaler", "ingest")
    assert hpa["spec"]["scaleTargetRef"]["name"] == ingest["metadata"]["name"]


def test_install_notes_tell_where_the_admin_token_is(helm: Helm) -> None:
    result = helm.run("install", RELEASE, str(CHART), "--namespace", NAMESPACE, "--dry-run=client")
    assert result.returncode == 0, result.stderr
    notes = result.stdout.split("NOTES:", 1)[1]
    assert f"get secret {RELEASE}-heartbeat-hub-admin" in notes
    assert f"port-forward svc/{RELEASE}-heartbeat-hub-ingest" in notes


def test_email_sink_keeps_its_faust_data_on_a_writable_volume(sinks_render: list[Manifest]) -> None:
    sink = find(sinks_render, "Deployment", "sink-email")
    data_dir = env_value(sink, "HUB_EMAIL_DATA_DIR")
    assert mount_for(sink, data_dir)["name"] == "tmp"
    assert env_value(sink, "HUB_EMAIL_WEB_BIND") == "0.0.0.0"
    assert env_value(sink, "HUB_SMTP_FROM") == "heartbeat-hub@localhost"


def test_workers_are_ready_only_when_they_can_answer(default_render: list[Manifest]) -> None:
    worker = container(find(default_render, "StatefulSet", "workers"))
    assert worker["readinessProbe"]["httpGet"]["path"] == "/hub/ready"
    assert worker["livenessProbe"]["httpGet"]["path"] == "/"


WORKLOADS = [("Deployment", "ingest"), ("StatefulSet", "workers")]


@pytest.mark.parametrize(("kind", "component"), WORKLOADS)
def test_the_secret_key_reaches_the_ingress_and_the_workers(
    default_render: list[Manifest], kind: str, component: str
) -> None:
    workload = find(default_render, kind, component)
    mount = mount_for(workload, env_value(workload, "HUB_SECRET_KEY_FILE"))
    secret_volume = volume(workload, mount["name"])["secret"]
    assert secret_volume["secretName"] == "hub-heartbeat-hub-secret-key"
    assert "127.0.0.0/8" in env_value(workload, "HUB_PBX_DENY_NETWORKS").split(",")


def test_an_existing_secret_key_replaces_the_generated_one(helm: Helm) -> None:
    manifests = render(helm, "--set", "secretKey.existingSecret=ops-key")
    names = [m["metadata"]["name"] for m in find_all(manifests, "Secret")]
    assert "hub-heartbeat-hub-secret-key" not in names
    workers = find(manifests, "StatefulSet", "workers")
    mount = mount_for(workers, env_value(workers, "HUB_SECRET_KEY_FILE"))
    assert volume(workers, mount["name"])["secret"]["secretName"] == "ops-key"
