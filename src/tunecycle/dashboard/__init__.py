"""The live web dashboard: a read-only page over a storage that lists studies and, for one
study, plots and a trials table that update while the study runs.

``tunecycle dashboard --storage URL`` starts it (see ``docs/dashboard.md``).  The web server
(Starlette on uvicorn, the ``dashboard`` extra) is imported only when a dashboard starts; the
charts are drawn in the browser by the page's own script from JSON, and every file the page
loads is served by this package (no CDN).

- ``views``: storage reads turned into JSON-safe documents (no web library)
- ``app``: the HTTP routes, GET only
- ``server``: opening a storage for reading, and running the server (blocking, or on a thread)
"""

from __future__ import annotations

from tunecycle.dashboard.server import DashboardServer, open_storage, serve

__all__ = ["DashboardServer", "open_storage", "serve"]
