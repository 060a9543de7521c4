"""The server's envelope: auth, routing by profile, error bodies, keep-alive and Content-Length."""

from __future__ import annotations

import base64
import socket

import httpx
import pytest

from simulator.endpoints import base

OBSERVATIONS = "/api/public/v2/observations"


def test_no_authorization_header_is_a_401(sim):
    response = httpx.get(f"{sim.base_url}{OBSERVATIONS}")
    assert response.status_code == 401
    assert response.json() == {"message": "No authorization header"}


def test_a_wrong_secret_is_a_401_that_points_at_the_host(sim):
    response = httpx.get(f"{sim.base_url}{OBSERVATIONS}", auth=(sim.public_key, "sk-wrong"))
    assert response.status_code == 401
    assert response.json()["message"].endswith("Confirm that you've configured the correct host.")


def test_auth_is_checked_before_the_query_is_validated(sim):
    response = httpx.get(f"{sim.base_url}{OBSERVATIONS}", params={"limit": 5000}, auth=("pk-x", "sk-x"))
    assert response.status_code == 401


def test_a_bearer_public_key_only_reaches_the_scores_level(sim):
    headers = {"Authorization": f"Bearer {sim.public_key}"}
    response = httpx.get(f"{sim.base_url}{OBSERVATIONS}", headers=headers)
    assert response.status_code == 403
    assert response.json() == {"message": "Access denied - insufficient permissions for this endpoint"}
    assert (
        httpx.get(f"{sim.base_url}{OBSERVATIONS}", headers={"Authorization": "Bearer pk-nope"}).status_code
        == 401
    )


def test_a_garbled_basic_header_is_a_401(sim):
    response = httpx.get(f"{sim.base_url}{OBSERVATIONS}", headers={"Authorization": "Basic %%%"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "/api/public/traces",
        "/api/public/observations",
        "/api/public/sessions",
        "/api/public/v2/scores",
        "/api/public/metrics",
        "/api/public/dataset-run-items",
    ],
)
def test_legacy_reads_are_404_on_a_v4_deployment(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"] == "LangfuseNotFoundError"


@pytest.mark.parametrize(
    "path", [OBSERVATIONS, "/api/public/v3/scores", "/api/public/experiments", "/api/public/experiment-items"]
)
def test_v4_reads_are_404_on_a_self_hosted_v3_deployment(legacy_sim, client_for, path):
    with client_for(legacy_sim) as legacy_client:
        assert legacy_client.get(path).status_code == 404
        assert legacy_client.get("/api/public/v2/datasets").status_code == 200  # shared by both


def test_an_unknown_public_path_is_a_404_and_a_wrong_method_a_405(client):
    assert client.get("/api/public/nothing-here").status_code == 404
    response = client.delete("/api/public/v2/observations")
    assert response.status_code == 405
    assert response.json()["error"] == "MethodNotAllowedError"


def test_a_handler_crash_is_a_500_with_langfuses_body(client):
    def explode(request):
        raise RuntimeError("boom")

    base.route("GET", "/api/public/__test-crash")(explode)
    try:
        response = client.get("/api/public/__test-crash")
    finally:
        base.ROUTES[:] = [r for r in base.ROUTES if r.template != "/api/public/__test-crash"]
    assert response.status_code == 500
    assert response.json()["message"] == "Internal Server Error"


def test_responses_reuse_one_keep_alive_connection_and_carry_content_length(sim):
    host, port = sim.host, sim.port
    token = base64.b64encode(f"{sim.public_key}:{sim.secret_key}".encode()).decode()
    request = f"GET /api/public/health HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {token}\r\n\r\n".encode()
    with socket.create_connection((host, port), timeout=5) as connection:
        stream = connection.makefile("rb")
        for _ in range(3):  # three requests, one connection
            connection.sendall(request)
            status = stream.readline()
            headers = {}
            while (line := stream.readline()) not in (b"\r\n", b""):
                key, _, value = line.decode().partition(":")
                headers[key.lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            assert status.startswith(b"HTTP/1.1 200")
            assert body.startswith(b'{"status":"OK"')


def test_stats_count_requests_by_route_template_and_status(fresh_sim, fresh_client):
    fresh_client.get(OBSERVATIONS, params={"limit": 3})
    fresh_client.get(OBSERVATIONS, params={"limit": 5000})
    stats = fresh_sim.stats
    assert stats["requests"][f"GET {OBSERVATIONS}"] == {"200": 1, "400": 1}
    assert stats["rowsServed"][f"GET {OBSERVATIONS}"] == 3


def test_the_simulator_stops_cleanly_and_frees_its_port(spec):
    from simulator import Simulator

    simulator = Simulator(store=spec.build_store()).start()
    with httpx.Client(base_url=simulator.base_url, auth=simulator.auth) as http:
        assert http.get("/api/public/projects").status_code == 200
        simulator.stop()
        with pytest.raises(httpx.TransportError):
            http.get("/api/public/projects")


def test_the_cli_prints_the_base_url_and_keys_and_serves_until_stopped():
    import subprocess
    import sys

    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", "--port", "0", "--traces", "3"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        banner = [process.stdout.readline() for _ in range(4)]
        base_url = banner[1].strip().split("=", 1)[1]
        assert banner[2].strip() == "LANGFUSE_PUBLIC_KEY=pk-lf-demo"
        response = httpx.get(f"{base_url}/api/public/projects", auth=("pk-lf-demo", "sk-lf-demo"))
        assert response.status_code == 200
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
