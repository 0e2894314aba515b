"""Run a command on a real pseudo-terminal (for progress bars, which stay quiet elsewhere)."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import termios
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")


def run_on_terminal(argv: list[str], cwd: str | Path | None = None,
                    timeout: float = 120) -> tuple[int, str]:
    """(exit status, everything written to the terminal) of ``argv`` run on a 120-column pty."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a real size
    proc = subprocess.Popen(argv, stdout=slave, stderr=slave, stdin=subprocess.DEVNULL, cwd=cwd,
                            env={**os.environ, "PYTHONPATH": SRC})
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the other end closed: the process is done
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=timeout)
    os.close(master)
    return proc.returncode, out.decode(errors="replace")
