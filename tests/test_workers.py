"""``serve --workers N``: N processes on one port, restarted when they die, stopped together."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

_SERVE = [sys.executable, "-m", "analytics_gateway.cli", "serve"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _children(pid: int) -> set[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return {int(p) for p in text.split()}


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
            body: object = json.loads(resp.read())
            return resp.status == 200 and body == {"status": "ok"}
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _wait_for(condition: object, timeout: float = 60.0) -> bool:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc to find the workers")
def test_two_workers_serve_restart_and_stop_together(tmp_path: Path) -> None:
    port = _free_port()
    url = f"sqlite:///{tmp_path / 'workers.db'}"
    proc = subprocess.Popen(
        [*_SERVE, "--workers", "2", "--port", str(port), "--database", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert _wait_for(lambda: len(_children(proc.pid)) == 2 and _healthy(port)), proc.poll()
        first = _children(proc.pid)
        # Every connection is answered, whichever worker accepts it.
        assert all(_healthy(port) for _ in range(20))

        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        assert _wait_for(lambda: len(_children(proc.pid)) == 2 and victim not in _children(proc.pid))
        assert _wait_for(lambda: _healthy(port))
        survivors = _children(proc.pid)
        assert max(first) in survivors  # only the dead worker was replaced
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            stdout, stderr = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
    assert proc.returncode == 0, stderr.decode()
    assert f"Running on http://127.0.0.1:{port} with 2 worker processes".encode() in stdout
    assert b"Traceback" not in stderr
    assert b"exited with -9; restarting it" in stderr
    # The supervisor waited for (and reaped) every worker before exiting.
    assert not any(Path(f"/proc/{pid}").exists() for pid in survivors)


def test_workers_that_keep_dying_stop_the_supervisor(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import sys
        from aiohttp import web
        from analytics_gateway.workers import WorkersFailedError, bind_socket, serve_workers

        def broken() -> web.Application:
            raise RuntimeError("cannot build the app")

        try:
            serve_workers(broken, bind_socket("127.0.0.1", 0), workers=2)
        except WorkersFailedError as exc:
            print("gave up:", exc)
            sys.exit(3)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, timeout=60, check=False, cwd=tmp_path
    )
    assert result.returncode == 3, result.stderr.decode()
    assert b"gave up: workers died 6 times within 60 s" in result.stdout


def test_workers_must_be_positive() -> None:
    from analytics_gateway.workers import bind_socket, serve_workers

    sock = bind_socket("127.0.0.1", 0)
    with pytest.raises(ValueError, match="at least 1"):
        serve_workers(lambda: pytest.fail("no worker may start"), sock, workers=0)
    sock.close()
