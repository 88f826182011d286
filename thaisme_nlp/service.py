"""HTTP service over ``classify_feedback`` (optional extra ``[service]``: FastAPI + uvicorn).

    thaisme-nlp serve --host 127.0.0.1 --port 8000 [--model PATH] [--workers N]

Endpoints: ``POST /v1/classify`` (one text or a batch), ``GET /v1/codebook``,
``GET /v1/model``, ``GET /healthz`` (process alive), ``GET /readyz`` (model loaded). Bad input
never gives a 500: too large → 413, malformed → 422, both as RFC 9457 problem details
(``application/problem+json``) naming the field. Every response carries ``X-Request-ID``;
each request is logged as one JSON line on the ``thaisme_nlp.access`` logger.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from collections.abc import Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ._version import __version__

__all__ = ["ServiceLimits", "app_from_env", "create_app"]

ACCESS_LOG = logging.getLogger("thaisme_nlp.access")
EXAMPLE = "อยากให้ธนาคารอนุมัติสินเชื่อเร็วขึ้น และช่วยหาช่องทางขายออนไลน์"


class ServiceLimits(BaseModel):
    max_chars: int = 20_000  # per text
    max_batch: int = 256  # texts per request
    max_request_bytes: int = 2_000_000
    threads: int = 4  # per worker process


class _Options(BaseModel):
    threshold: float | None = Field(None, ge=0.0, le=1.0, description="เกณฑ์เดียวสำหรับทุกประเด็น")
    explain: bool = Field(True, description="คืนช่วงข้อความที่เป็นหลักฐาน")

    # strict: "explain": 0 or "text": 5 are errors, not coerced; forbid: a body cannot hold
    # both "text" and "texts" (it then matches neither request shape)
    model_config = {"strict": True, "extra": "forbid"}


class OneText(_Options):
    """Classify one text: the response is one result."""

    text: str = Field(description="ข้อความเดียว")
    model_config = {**_Options.model_config, "json_schema_extra": {"examples": [{"text": EXAMPLE}]}}


class ManyTexts(_Options):
    """Classify a batch: the response is ``{"results": [...]}``."""

    texts: list[str] = Field(description="หลายข้อความ")
    model_config = {
        **_Options.model_config,
        "json_schema_extra": {
            "examples": [{"texts": ["ค่าส่งพัสดุแพงมาก ของแตกบ่อย", "ขอบคุณทุกท่านค่ะ"], "explain": False}]
        },
    }


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str
    errors: list[FieldError] | None = None


PROBLEM = {"content": {"application/problem+json": {"schema": Problem.model_json_schema()}}}
PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Unreadable body", **PROBLEM},
    413: {"description": "Too large", **PROBLEM},
    422: {"description": "Invalid request", **PROBLEM},
}


def _problem(
    status: int,
    title: str,
    detail: str,
    request: Request,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": str(request.url.path),
        **extra,
    }
    return JSONResponse(
        body, status_code=status, media_type="application/problem+json", headers=headers
    )


def create_app(model: Any = None, limits: ServiceLimits | None = None) -> FastAPI:
    """The FastAPI application. ``model``: a ThemeClassifier, a model path, or ``None`` for the
    shipped default model; it is loaded once at start-up and shared by all requests."""
    limits = limits or ServiceLimits()
    state: dict[str, Any] = {}
    if model is not None and not isinstance(model, (str, os.PathLike)):
        state["model"] = model  # a model object: ready before start-up

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        from .classify import resolve_model

        if "model" not in state:
            state["model"] = resolve_model(model)
        # classification is CPU-bound: a few threads per worker are enough, and each extra
        # thread costs memory (its own malloc arena) without adding throughput
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = limits.threads
        yield

    app = FastAPI(
        title="thaisme_nlp",
        version=__version__,
        description="จัดข้อความความคิดเห็นของผู้ประกอบการ SMEs และวิสาหกิจชุมชนเข้าประเด็นนโยบาย "
        "(Sort Thai SME feedback into policy themes, with evidence spans.)",
        lifespan=lifespan,
    )

    @app.middleware("http")
    async def request_id_and_limits(request: Request, call_next):
        rid = request.headers.get("x-request-id") or uuid.uuid4().hex
        t0 = time.perf_counter()
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limits.max_request_bytes:
            response = _problem(
                413,
                "Request too large",
                f"body of {length} bytes; at most {limits.max_request_bytes}",
                request,
            )
        else:
            response = await call_next(request)
        response.headers["X-Request-ID"] = rid
        ACCESS_LOG.info(
            json.dumps(
                {
                    "request_id": rid,
                    "method": request.method,
                    "path": request.url.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - t0) * 1000, 1),
                }
            )
        )
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        tags = {"body", "OneText", "ManyTexts"}  # the body and the union's member names
        errors = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p not in tags) or "body",
                "message": e.get("msg", ""),
            }
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return _problem(422, "Invalid request", detail, request, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # e.g. a body that is not UTF-8: a 400, as problem details like every other error
        title = {400: "Bad request", 404: "Not found", 405: "Method not allowed"}.get(
            exc.status_code, "Error"
        )
        # keep the exception's headers (405 must say which methods are allowed)
        return _problem(exc.status_code, title, str(exc.detail), request, headers=exc.headers)

    @app.post("/v1/classify", responses=PROBLEMS)
    def classify(req: OneText | ManyTexts, request: Request) -> Any:
        from .classify import classify_feedback

        single = isinstance(req, OneText)
        texts = [req.text] if isinstance(req, OneText) else list(req.texts)
        if len(texts) > limits.max_batch:
            return _problem(
                413,
                "Batch too large",
                f"{len(texts)} texts; at most {limits.max_batch} per request",
                request,
            )
        for i, t in enumerate(texts):
            if len(t) > limits.max_chars:
                field = "text" if single else f"texts.{i}"
                return _problem(
                    413,
                    "Text too long",
                    f"{field}: {len(t)} characters; at most {limits.max_chars}",
                    request,
                )
        results = classify_feedback(
            texts, model=state["model"], threshold=req.threshold, explain=req.explain
        )
        dicts = [r.to_dict() for r in results]  # type: ignore[union-attr]
        return dicts[0] if single else {"results": dicts}

    @app.get("/v1/codebook")
    def codebook() -> Any:
        cb = state["model"].codebook_
        return {**cb.to_dict(), "hash": cb.hash}

    @app.get("/v1/model")
    def model_card() -> Any:
        meta = dict(getattr(state["model"], "metadata_", {}))
        return meta

    @app.get("/healthz")
    def healthz() -> Any:
        return {"status": "ok"}

    @app.get("/readyz", responses={503: {"description": "Not ready", **PROBLEM}})
    def readyz(request: Request) -> Any:
        if "model" not in state:
            return _problem(503, "Not ready", "model not loaded yet", request)
        return {"status": "ready", "model_id": state["model"].model_id}

    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (one per worker): the model path comes from
    ``THAISME_MODEL`` (empty = the shipped default model)."""
    return create_app(os.environ.get("THAISME_MODEL") or None)
