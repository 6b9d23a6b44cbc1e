"""The deployment files agree with each other: docker-compose, its image, the Dagster instance and the local stack.

There is no Docker engine on our machines, so docker-compose is checked as configuration: by `docker compose config`
where the Compose plugin exists, and always by reading it.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from dagster import DagsterInstance

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "infra"
COMPOSE = INFRA / "docker-compose.yml"
LAKEHOUSE_SERVICES = {"spark-master", "spark-worker", "lakehouse-code", "dagster-webserver", "dagster-daemon"}
DAGSTER_SERVICES = {"lakehouse-code", "dagster-webserver", "dagster-daemon"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _compose_command() -> list[str] | None:
    """`docker compose` (the plugin) if present, else Debian's `docker-compose` (1.29), which .ci/run installs."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    standalone = shutil.which("docker-compose")
    return [standalone] if standalone else None


def test_docker_compose_config_parses(tmp_path):
    compose_command = _compose_command()
    if compose_command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    env_file = tmp_path / ".env"
    shutil.copy(INFRA / ".env.example", env_file)

    completed = subprocess.run(
        [*compose_command, "-f", str(COMPOSE), "--env-file", str(env_file), "config", "--quiet"],
        capture_output=True,
        text=True,
    )

    assert completed.returncode == 0, completed.stderr


def test_compose_runs_the_production_shape(compose):
    assert set(compose["services"]) == {"minio", "minio-init", "postgres", *LAKEHOUSE_SERVICES}
    init = compose["services"]["minio-init"]
    assert init["depends_on"]["minio"]["condition"] == "service_healthy"
    assert "mc mb --ignore-existing lakehouse/lakehouse" in init["entrypoint"][-1]
    code_server = compose["services"]["lakehouse-code"]["command"]
    assert code_server[:3] == ["dagster", "code-server", "start"]


def test_every_published_port_listens_on_loopback_only(compose):
    published = [port for service in compose["services"].values() for port in service.get("ports", [])]
    assert published
    assert all(port.startswith("127.0.0.1:") for port in published), published


def test_every_lakehouse_container_runs_the_image_built_by_the_shared_installer(compose):
    for name in LAKEHOUSE_SERVICES:
        service = compose["services"][name]
        assert service["build"] == {"context": "..", "dockerfile": "infra/Dockerfile"}, name
        assert service["image"] == "lakehouse:latest", name
    dockerfile = (INFRA / "Dockerfile").read_text()
    assert re.search(r"^RUN .*infra/install\.sh", dockerfile, re.MULTILINE)
    assert "PYSPARK_PYTHON=/opt/lakehouse/.venv/bin/python" in dockerfile
    assert "infra/dagster.postgres.yaml" in dockerfile
    # The local stack installs with the very same script.
    assert '"$REPO/infra/install.sh"' in (INFRA / "stack.sh").read_text()


def _env_vars(config: object) -> set[str]:
    if isinstance(config, dict):
        if set(config) == {"env"}:
            return {config["env"]}
        return set().union(*(_env_vars(value) for value in config.values()))
    return set()


def test_the_dagster_services_set_every_variable_the_postgres_instance_reads(compose):
    needed = _env_vars(yaml.safe_load((INFRA / "dagster.postgres.yaml").read_text()))
    assert needed == {f"DAGSTER_POSTGRES_{part}" for part in ("HOST", "PORT", "USER", "PASSWORD", "DB")}
    for name in DAGSTER_SERVICES:
        environment = compose["services"][name]["environment"]
        assert needed <= set(environment), name
        assert environment["DAGSTER_POSTGRES_HOST"] == "postgres"
        assert environment["LAKEHOUSE_SPARK_MASTER"] == "spark://spark-master:7077"
        assert environment["LAKEHOUSE_ROOT"].startswith("s3://lakehouse/")
    # The stack writes the same names into the environment of its Dagster processes.
    stack = (INFRA / "stack.sh").read_text()
    assert all(f"export {name}=" in stack for name in needed)


def test_the_webserver_and_daemon_load_the_code_server_the_compose_starts(compose):
    workspace = yaml.safe_load((INFRA / "workspace.docker.yaml").read_text())
    (location,) = workspace["load_from"]
    code_server = compose["services"]["lakehouse-code"]["command"]
    assert location["grpc_server"]["host"] == "lakehouse-code"
    assert str(location["grpc_server"]["port"]) == code_server[code_server.index("-p") + 1]
    for name in ("dagster-webserver", "dagster-daemon"):
        assert "infra/workspace.docker.yaml" in compose["services"][name]["command"]


@pytest.mark.parametrize("instance_file", [REPO / "dagster.yaml", INFRA / "dagster.postgres.yaml"])
def test_both_instances_retry_a_failed_run_from_its_failed_steps(instance_file, tmp_path):
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    config = yaml.safe_load(instance_file.read_text())
    config["storage"] = {"sqlite": {"base_dir": str(dagster_home)}}  # the Postgres settings need a server
    (dagster_home / "dagster.yaml").write_text(yaml.safe_dump(config))

    with DagsterInstance.from_config(str(dagster_home)) as instance:
        assert instance.run_retries_enabled
        assert instance.run_retries_max_retries == 2
        assert instance.run_retries_retry_on_asset_or_op_failure
