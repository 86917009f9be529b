"""The real connector server (tests/connector/main.go, external-dns v0.23.0's endpoint package through
encoding/gob) as a subprocess: it serves the endpoints of a JSON file, read again at every connection,
so a test changes what it serves by rewriting the file."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

BUILD = Path(__file__).resolve().parents[1] / "connector" / "build.sh"
SERVER = Path(os.environ.get("ZONEKEEPER_CACHE", Path.home() / ".cache" / "zonekeeper")) / "bin" / \
    "connector-server-v0.23.0"
MISSING = f"{SERVER} missing: run bash {BUILD}"


@contextlib.contextmanager
def serving(data: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The server on a free local port serving `data`: its host:port and its process (stopped on leaving)."""
    port_file = data.with_name(data.name + ".addr")
    port_file.unlink(missing_ok=True)
    proc = subprocess.Popen([str(SERVER), "-listen", "127.0.0.1:0", "-endpoints", str(data),
                             "-port-file", str(port_file)], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not port_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        yield port_file.read_text(), proc
    finally:
        proc.terminate()
        proc.wait()
