"""The HTTP edges every service has: /healthz, /readyz, /metrics, and error shapes."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response, status
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

from encaisse.kit.db import database_answers

REQUESTS = Counter("encaisse_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("encaisse_http_request_seconds", "HTTP request latency", ["method", "route"])

edges = APIRouter(tags=["operations"])
metrics_route = APIRouter(tags=["operations"])
HSTS = "max-age=31536000; includeSubDomains"


@edges.get("/healthz", summary="alive")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@edges.get("/readyz", summary="database and broker reachable")
async def readyz(request: Request) -> JSONResponse:
    runtime = getattr(request.app.state, "runtime", None)
    checks = {"database": False, "broker": False}
    if runtime is not None:
        checks["database"] = await database_answers(runtime.engine)
        checks["broker"] = runtime.broker_ready
    ok = all(checks.values())
    return JSONResponse(
        {"status": "ready" if ok else "not ready", "checks": checks},
        status_code=status.HTTP_200_OK if ok else status.HTTP_503_SERVICE_UNAVAILABLE,
    )


@metrics_route.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def install_edges(app: FastAPI, *, public: bool = False) -> None:
    """Add the operations routes and request metrics to an app.

    ``public`` (the debtors' portal, reached from the internet): no ``/metrics`` on its
    port (``ENCAISSE_METRICS_PORT`` serves them on another, which the ingress does not
    route), and HSTS on every answer served over TLS (directly or behind a proxy that
    says so in ``X-Forwarded-Proto``)."""
    app.include_router(edges)
    if not public:
        app.include_router(metrics_route)
    else:

        @app.middleware("http")
        async def strict_transport(request: Request, call_next: Any) -> Response:
            response: Response = await call_next(request)
            forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip()
            if request.url.scheme == "https" or forwarded == "https":
                response.headers.setdefault("Strict-Transport-Security", HSTS)
            return response

    @app.middleware("http")
    async def measure(request: Request, call_next: Any) -> Response:
        start = time.perf_counter()
        response: Response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        LATENCY.labels(request.method, path).observe(time.perf_counter() - start)
        REQUESTS.labels(request.method, path, str(response.status_code)).inc()
        return response
