"""Trials as Ray tasks: ``optimize(backend="ray", resources_per_trial=..., address=...)``.

The driver (this process) keeps the sampler, the pruner and the store, exactly as with local
worker processes; each worker is a Ray task that connects back to a listener of the driver
and runs trials until told to exit.  Ray schedules the tasks with the resources asked for
(``{"cpu": 1, "gpu": 0.5}``), on a local Ray or on the cluster at ``address``.  A task that
dies closes its connection, which fails its trial (re-queued with ``max_retries``); a driver
that dies leaves its trials to be failed and re-queued by the next one to open the study.
A private local Ray started here (no ``address``, Ray not imported yet) keeps to 127.0.0.1.

Ray is an optional extra (``pip install tunecycle[ray]``), imported only here; the caller
may start Ray itself first.
"""

from __future__ import annotations

import os
import secrets
import socket
import sys
import threading
import time
from multiprocessing.connection import Client, Connection, Listener
from typing import Any

from tunecycle.errors import UserError
from tunecycle.execution.options import ParallelOptions
from tunecycle.execution.worker import ask_to_exit, serve
from tunecycle.study import Objective

_CONNECT_TIMEOUT = 120.0  # seconds for Ray to schedule a worker task and for it to call back


#: read by Ray when it is imported: "0" keeps every Ray process of a single-machine Ray on
#: 127.0.0.1 (Ray otherwise advertises and dials the machine's network address)
LOOPBACK_ONLY = ("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")


def _ray(local: bool = False) -> Any:
    if local and "ray" not in sys.modules:
        os.environ.setdefault(*LOOPBACK_ONLY)
    try:
        import ray
    except ImportError:
        raise UserError(
            "backend='ray' needs Ray: pip install 'tunecycle[ray]'"
        ) from None
    return ray


class RayWorker:
    def __init__(self, conn: Connection, ref: Any):
        self.conn = conn
        self.ref = ref

    def waitables(self) -> list[Any]:
        return [self.conn]

    def exit_description(self) -> str | None:
        ray = _ray()
        done, _ = ray.wait([self.ref], timeout=0)
        if not done:
            return None
        try:
            ray.get(self.ref)
        except Exception as exc:  # the task died or raised
            return f"Ray task ended: {type(exc).__name__}: {exc}"
        return "Ray task ended"

    def kill(self) -> None:
        try:
            _ray().cancel(self.ref, force=True)
        except Exception:  # already gone
            pass
        self.conn.close()

    def close(self) -> None:
        ask_to_exit(self.conn)
        done, _ = _ray().wait([self.ref], timeout=5)
        if not done:
            self.kill()
        self.conn.close()


class RayLauncher:
    def __init__(self, objective: Objective, options: ParallelOptions):
        ray = _ray(local=options.address is None)
        if not ray.is_initialized():
            if options.address:
                ray.init(address=options.address, include_dashboard=False)
            else:  # a private local Ray, on loopback only
                ray.init(include_dashboard=False, _node_ip_address="127.0.0.1")
        host = "127.0.0.1" if _local(ray) else ray.util.get_node_ip_address()
        self._authkey = secrets.token_bytes(32)
        self._listener = Listener((host, 0), authkey=self._authkey)
        self._objective = ray.put(objective)
        self._task = ray.remote(_task_main).options(**_task_options(options.resources_per_trial))
        self._arrived: dict[str, Connection] = {}
        self._cond = threading.Condition()
        self._closed = False
        threading.Thread(target=self._accept, name="tunecycle-ray-accept", daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn = self._listener.accept()
                _no_delay(conn)
                token = conn.recv()
            except (OSError, EOFError):
                if self._closed:
                    return
                continue
            with self._cond:
                self._arrived[token] = conn
                self._cond.notify_all()

    def start(self) -> RayWorker:
        ray = _ray()
        token = secrets.token_hex(16)
        ref = self._task.remote(self._listener.address, self._authkey, token, self._objective)
        deadline = time.monotonic() + _CONNECT_TIMEOUT
        with self._cond:
            while token not in self._arrived:
                done, _ = ray.wait([ref], timeout=0)
                if done:
                    ray.get(ref)  # raises the task's error
                    raise RuntimeError("a Ray worker task ended before calling back")
                if time.monotonic() > deadline:
                    ray.cancel(ref, force=True)
                    raise RuntimeError(
                        f"Ray did not start a worker task within {_CONNECT_TIMEOUT:g} s: are "
                        "resources_per_trial available on the cluster (ray.available_resources())?"
                    )
                self._cond.wait(0.2)
            return RayWorker(self._arrived.pop(token), ref)

    def shutdown(self) -> None:
        self._closed = True
        self._listener.close()


def _local(ray: Any) -> bool:
    ip = ray.util.get_node_ip_address()
    return ip.startswith("127.")


def _task_options(resources: dict[str, float] | None) -> dict[str, Any]:
    wanted = dict(resources or {"cpu": 1})
    opts: dict[str, Any] = {
        "num_cpus": wanted.pop("cpu", 1),
        "num_gpus": wanted.pop("gpu", 0),
        "max_retries": 0,  # the driver re-queues lost trials itself
    }
    if wanted:
        opts["resources"] = wanted
    return opts


def _no_delay(conn: Connection) -> None:
    """Send small messages at once: without TCP_NODELAY, Nagle's algorithm and delayed
    acknowledgements hold back every second message of a trial by about 40 ms."""
    with socket.socket(fileno=os.dup(conn.fileno())) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _task_main(address: Any, authkey: bytes, token: str, objective: Objective) -> None:
    conn = Client(address, authkey=authkey)
    _no_delay(conn)
    conn.send(token)
    serve(conn, objective, ignore_sigint=False)
