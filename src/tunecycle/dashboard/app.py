"""The dashboard's HTTP routes (Starlette): the page, its static files and a JSON API.

Every route is GET (HEAD); nothing the page sends is executed or written.  Each API request
makes its own short read transactions through the storage and holds nothing between requests.
The API:

- ``/api/studies``: every study with its counts by state and best value
- ``/api/studies/{name}/summary``: one study's counts and best value
- ``/api/studies/{name}/trials?offset&limit&sort&order&state&value_min&value_max``: a page
- ``/api/studies/{name}/points``: number, state and value of every trial (for the plots)
- ``/api/studies/{name}/changes?since=CURSOR``: trials changed after a cursor
- ``/api/studies/{name}/pareto``: a study of several objectives' front and hypervolume steps
- ``/api/studies/{name}/dataset?curve_points``: every trial, columnar (``dataset``), for the views
- ``/api/studies/{name}/trial/{number}``: one trial with all its steps and attributes
- ``/api/studies/{name}/importance?objective``: the parameter importances (cached)

Responses carry a Content-Security-Policy that lets the page load only from this server, and
the Host header is checked (when serving on loopback) so that another site cannot read the API
through DNS rebinding.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tunecycle.dashboard import dataset, views
from tunecycle.errors import StudyNotFoundError, TunecycleError
from tunecycle.storage.base import Storage

log = logging.getLogger("tunecycle.dashboard")

STATIC = Path(__file__).resolve().parent / "static"
Query = dict[str, list[str]]

_SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
        b"frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class _SecurityHeaders:
    """ASGI middleware: add the security headers, and ``no-store`` to API answers."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope.get("path", "").startswith("/api/")

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += _SECURITY_HEADERS
                if api:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(store: Storage, *, allowed_hosts: Sequence[str] = ("*",)) -> Any:
    """The Starlette application serving ``store``; ``allowed_hosts`` are the Host header
    values it answers (``"*"``: any)."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.requests import Request
    from starlette.responses import FileResponse, JSONResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    points = views.PointsCache()
    kept = dataset.DatasetCache()

    def api(fn: Callable[..., dict[str, Any] | bytes]) -> Callable[[Request], Any]:
        # a plain function: Starlette runs it on its thread pool, so reads never block the loop
        def endpoint(request: Request) -> Response:
            query = {k: request.query_params.getlist(k) for k in request.query_params}
            extra = {k: v for k, v in request.path_params.items() if k != "name"}
            try:
                got = fn(request.path_params.get("name"), query, **extra)
                if isinstance(got, bytes):  # already encoded (and kept so) by the cache
                    return Response(got, media_type="application/json")
                return JSONResponse(got)
            except StudyNotFoundError as exc:
                return JSONResponse({"error": str(exc)}, status_code=404)
            except ValueError as exc:  # a bad query parameter (UserError is a ValueError)
                return JSONResponse({"error": str(exc)}, status_code=400)
            except TunecycleError as exc:
                log.warning("dashboard: %s", exc)
                return JSONResponse({"error": str(exc)}, status_code=500)
            except Exception as exc:  # the database went away, a lock timed out, ...
                log.warning("dashboard: reading the storage failed: %s", exc)
                return JSONResponse(
                    {"error": f"reading the storage failed: {type(exc).__name__}"},
                    status_code=503,
                )

        return endpoint

    def page(request: Request) -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    routes = [
        Route("/", page, methods=["GET"]),
        Route("/studies/{name:path}", page, methods=["GET"]),
        Route("/api/studies", api(lambda name, q: views.studies(store)), methods=["GET"]),
        Route(
            "/api/studies/{name:path}/summary",
            api(lambda name, q: views.summary(store, name)),
            methods=["GET"],
        ),
        Route(
            "/api/studies/{name:path}/trials",
            api(lambda name, q: views.trials_page(store, name, q)),
            methods=["GET"],
        ),
        Route(
            "/api/studies/{name:path}/points",
            api(lambda name, q: points.get(store, name)),
            methods=["GET"],
        ),
        Route(
            "/api/studies/{name:path}/pareto",
            api(lambda name, q: points.pareto(store, name)),
            methods=["GET"],
        ),
        Route(
            "/api/studies/{name:path}/dataset",
            api(lambda name, q: kept.get(store, name, q)),
            methods=["GET"],
        ),
        Route(
            "/api/studies/{name:path}/importance",
            api(lambda name, q: kept.importance(store, name, q)),
            methods=["GET"],
        ),
        Route(
            "/api/studies/{name:path}/trial/{number:int}",
            api(lambda name, q, number: kept.trial(store, name, number)),
            methods=["GET"],
        ),
        Route(
            "/api/studies/{name:path}/changes",
            api(lambda name, q: views.changes(store, name, q)),
            methods=["GET"],
        ),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = [
        Middleware(_SecurityHeaders),
        Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)),
    ]
    return Starlette(routes=routes, middleware=middleware)
