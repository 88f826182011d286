"""The HTTP service: in-process behaviour, and a real uvicorn server on loopback."""

import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")
from fastapi.testclient import TestClient  # noqa: E402

from thaisme_nlp.service import ServiceLimits, create_app  # noqa: E402

EXAMPLE = "อยากให้ธนาคารอนุมัติสินเชื่อเร็วขึ้น และช่วยหาช่องทางขายออนไลน์"


@pytest.fixture(scope="module")
def client():
    app = create_app(limits=ServiceLimits(max_chars=5_000, max_batch=8, max_request_bytes=100_000))
    with TestClient(app) as c:
        yield c


def test_classify_one_text(client):
    r = client.post("/v1/classify", json={"text": EXAMPLE})
    assert r.status_code == 200 and r.headers["X-Request-ID"]
    d = r.json()
    assert {"financing", "online_marketing"} <= {t["id"] for t in d["themes"]}
    for t in d["themes"]:
        for e in t["evidence"]:
            assert EXAMPLE[e["start"] : e["end"]] == e["text"]


def test_classify_batch_and_flags(client):
    r = client.post(
        "/v1/classify", json={"texts": [EXAMPLE, "ขอบคุณค่ะ"], "explain": False, "threshold": 0.99}
    )
    assert r.status_code == 200
    res = r.json()["results"]
    assert len(res) == 2 and all(t["evidence"] == [] for x in res for t in x["themes"])


def test_request_id_is_echoed(client):
    r = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["X-Request-ID"] == "abc-123" and r.json() == {"status": "ok"}


def test_codebook_model_ready(client):
    assert len(client.get("/v1/codebook").json()["themes"]) == 12
    assert client.get("/v1/model").json()["name"] == "thaisme.ThemeClassifier.v1"
    assert client.get("/readyz").json()["status"] == "ready"


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "text"),
        ({"text": "ก", "texts": ["ข"]}, "texts"),
        ({"text": "ก", "explain": 0}, "explain"),
        ({"text": 5}, "text"),
        ({"texts": "ก"}, "texts"),
        ({"texts": ["ก", None]}, "texts.1"),
        ({"text": "ก", "threshold": 3}, "threshold"),
    ],
)
def test_bad_input_is_422_problem_details(client, body, field):
    r = client.post("/v1/classify", json=body)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    d = r.json()
    assert d["status"] == 422 and any(e["field"] == field for e in d["errors"]), d


def test_invalid_json_is_422(client):
    r = client.post(
        "/v1/classify", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422 and r.json()["title"] == "Invalid request"


def test_limits_are_413_problem_details(client):
    r = client.post("/v1/classify", json={"text": "ก" * 5_001})
    assert r.status_code == 413 and "text: 5001 characters" in r.json()["detail"]
    r = client.post("/v1/classify", json={"texts": ["ก"] * 9})
    assert r.status_code == 413 and r.json()["title"] == "Batch too large"
    r = client.post("/v1/classify", json={"text": "ก" * 60_000})  # 180 kB of UTF-8
    assert r.status_code == 413 and r.headers["content-type"].startswith("application/problem+json")


def test_openapi_has_thai_examples(client):
    spec = client.get("/openapi.json").json()
    text = json.dumps(spec, ensure_ascii=False)
    assert "/v1/classify" in spec["paths"] and EXAMPLE in text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_real_server_concurrent_requests(tmp_path):
    port = _free_port()
    env = {**os.environ, "PYTHAINLP_OFFLINE": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "thaisme_nlp.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            pytest.fail("server did not become ready")
        texts = [EXAMPLE, "ค่าส่งแพงมาก", "ขอบคุณค่ะ", "อยากได้เครื่องซีลสุญญากาศ"] * 10
        with httpx.Client(base_url=base, timeout=30) as c, ThreadPoolExecutor(8) as pool:
            responses = list(pool.map(lambda t: c.post("/v1/classify", json={"text": t}), texts))
        assert all(r.status_code == 200 for r in responses)
        by_text = {}
        for t, r in zip(texts, responses):
            by_text.setdefault(t, []).append(r.json())
        assert all(len({json.dumps(x, sort_keys=True) for x in v}) == 1 for v in by_text.values())
        assert {"financing", "online_marketing"} <= {t["id"] for t in by_text[EXAMPLE][0]["themes"]}
        assert httpx.post(f"{base}/v1/classify", json={"text": 1}).status_code == 422
    finally:
        proc.terminate()
        proc.wait(timeout=20)


schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402


def _schema():
    from thaisme_nlp.persist import load_model

    # limits above what the generator produces: a 413 for a schema-valid body would count as
    # "valid data rejected" (the limits are configuration, not part of the schema)
    app = create_app(model=load_model(), limits=ServiceLimits(max_chars=10**6, max_batch=10**4))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = _schema()


@schema.parametrize()
@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_openapi_property_based(case):
    """Generated requests from the OpenAPI spec: no 5xx, responses match the schema."""
    case.call_and_validate()
