"""Worker processes on this machine for ``optimize(n_jobs=N)``.

Workers are forked where the platform allows (the objective may then be any callable,
closures included; nothing is pickled but the messages) and spawned elsewhere (the objective
must then be picklable).  Each worker limits its BLAS/OpenMP threads to its share of the
cores, so that N workers do not oversubscribe the machine, and exits when its driver dies.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

from tunecycle.execution.worker import ask_to_exit, serve
from tunecycle.study import Objective


class ProcessWorker:
    def __init__(self, conn: Connection, process: Any):
        self.conn = conn
        self.process = process

    def waitables(self) -> list[Any]:
        return [self.conn, self.process.sentinel]

    def exit_description(self) -> str | None:
        code = self.process.exitcode
        if code is None:
            return None
        if code < 0:
            try:
                return f"worker process {self.process.pid} was killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"worker process {self.process.pid} was killed by signal {-code}"
        return f"worker process {self.process.pid} exited with status {code}"

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()

    def close(self) -> None:
        ask_to_exit(self.conn)
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.kill()
        self.conn.close()


class ProcessLauncher:
    def __init__(self, objective: Objective, n_jobs: int):
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        self._ctx = multiprocessing.get_context(method)
        self._objective = objective
        self._threads = max(1, (os.cpu_count() or 1) // n_jobs)

    def start(self) -> ProcessWorker:
        here, there = self._ctx.Pipe()
        process = self._ctx.Process(
            target=_worker_main,
            args=(there, self._objective, self._threads, os.getpid()),
            name="tunecycle-worker",
            daemon=True,
        )
        process.start()
        there.close()
        return ProcessWorker(here, process)

    def shutdown(self) -> None:
        pass


def _worker_main(conn: Connection, objective: Objective, threads: int, parent: int) -> None:
    _exit_with(parent)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads):
        serve(conn, objective)


def _exit_with(parent: int) -> None:
    """End this worker when the driver process is gone (killed, say), even mid-trial."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="tunecycle-parent-watch", daemon=True).start()
