"""``serve --workers N``: N server processes sharing one listening socket, kept alive by a supervisor.

The parent binds the socket once, then forks the workers; each builds its own application (its own event
loop, engine and connection pool) and accepts from the shared socket, so the kernel spreads connections
over them. All shared state (tokens, progress records, data) lives in the database (design: stateless
servers), which is what makes this safe. What each process keeps to itself: ``/metrics`` counters and the
per-token rate-limit buckets.

The supervisor restarts a worker that dies (a crash, the OOM killer) and stops everything when a worker
keeps dying (:data:`MAX_RESTARTS` within :data:`RESTART_WINDOW_S`), rather than fork in a loop. SIGINT or
SIGTERM to the parent stop every worker gracefully.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sys
import time
from collections import deque
from collections.abc import Callable
from types import FrameType

from aiohttp import web

from analytics_gateway.access_log import ACCESS_LOG_CLASS

__all__ = ["MAX_RESTARTS", "RESTART_WINDOW_S", "WorkersFailedError", "bind_socket", "serve_workers"]

logger = logging.getLogger(__name__)

MAX_RESTARTS = 5
RESTART_WINDOW_S = 60.0
STOP_GRACE_S = 30.0
LISTEN_BACKLOG = 1024


class WorkersFailedError(RuntimeError):
    """The workers kept dying; the supervisor gave up."""


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0 picks a free one), inheritable by forked workers."""
    family, _, _, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(LISTEN_BACKLOG)
    except BaseException:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _run_worker(make_app: Callable[[], web.Application], sock: socket.socket) -> None:
    """The body of a forked worker; never returns."""
    code = 0
    try:
        # The parent's handlers must not run here: the worker stops on SIGINT/SIGTERM through aiohttp.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        web.run_app(make_app(), sock=sock, print=None, handle_signals=True, access_log_class=ACCESS_LOG_CLASS)
    except (KeyboardInterrupt, SystemExit):
        pass
    except BaseException:
        logger.exception("worker %d stopped on an error", os.getpid())
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve_workers(
    make_app: Callable[[], web.Application],
    sock: socket.socket,
    *,
    workers: int,
    fork: Callable[[], int] = os.fork,
) -> None:
    """Run ``workers`` processes on ``sock`` until SIGINT/SIGTERM; restart any that die unexpectedly.

    ``make_app`` runs in each worker after the fork, so nothing with threads or open connections crosses
    the fork. Raises :class:`WorkersFailedError` when workers keep dying.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    children: dict[int, int] = {}  # pid -> slot
    stopping = False
    restarts: deque[float] = deque()

    def spawn(slot: int) -> None:
        pid = fork()
        if pid == 0:
            _run_worker(make_app, sock)
        children[pid] = slot
        logger.info("worker %d started (pid %d)", slot, pid)

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for slot in range(workers):
            spawn(slot)
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            dead = children.pop(pid, None)
            if dead is None or stopping:
                continue
            code = os.waitstatus_to_exitcode(status)
            logger.warning("worker %d (pid %d) exited with %d; restarting it", dead, pid, code)
            now = time.monotonic()
            restarts.append(now)
            while restarts and now - restarts[0] > RESTART_WINDOW_S:
                restarts.popleft()
            if len(restarts) > MAX_RESTARTS:
                stop(signal.SIGTERM, None)
                _reap(children)
                raise WorkersFailedError(
                    f"workers died {len(restarts)} times within {RESTART_WINDOW_S:.0f} s; "
                    "see the log above for why"
                )
            spawn(dead)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()


def _reap(children: dict[int, int]) -> None:
    """Wait for the given (already signalled) children; SIGKILL those that outlive the grace period."""
    deadline = time.monotonic() + STOP_GRACE_S
    while children and time.monotonic() < deadline:
        for pid in list(children):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                children.pop(pid)
        time.sleep(0.05)
    for pid in list(children):
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        children.pop(pid)
