"""Run ``analytics-gateway`` and SIGKILL this very process at a chosen point of an import.

``python -m tests.storage._killed_import POINT import PATH --database URL`` (used by
``tests/storage/test_import_faults.py``). POINT is one of:

* ``batch:TABLE:N``: after the N-th batch of TABLE is written, inside its transaction;
* ``finish:TABLE``: after TABLE's last batch and its rollups are written, before its commit;
* ``committed:TABLE``: right after TABLE's transaction committed, before the next table starts.

SIGKILL gives the process no chance to clean up, exactly like ``kill -9`` or the OOM killer. If the point
is never reached the import completes and the exit status is 3, so a test cannot pass by accident.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from analytics_gateway import cli
from analytics_gateway.storage import importer

NOT_REACHED = 3


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _arm(point: str) -> None:
    kind, _, rest = point.partition(":")
    if kind == "batch":
        table, _, count = rest.partition(":")
        seen = {"batches": 0}
        original_apply = importer._TableWriter.apply

        async def apply(self: importer._TableWriter, batch: Any) -> None:
            await original_apply(self, batch)
            if self.spec.name == table:
                seen["batches"] += 1
                if seen["batches"] == int(count):
                    _die()

        importer._TableWriter.apply = apply  # type: ignore[method-assign]
    elif kind == "finish":
        classes: list[type[importer._TableWriter]] = [importer._TableWriter, *importer._WRITERS.values()]
        for cls in classes:
            if "finish" in cls.__dict__:  # each class's own finish, wrapped once
                _wrap_finish(cls, rest)
    elif kind == "committed":
        original_import_table = importer.import_table

        async def import_table(engine: Any, name: str, *args: Any, **kwargs: Any) -> Any:
            summary = await original_import_table(engine, name, *args, **kwargs)
            if name == rest:
                _die()
            return summary

        importer.import_table = import_table
    else:
        raise SystemExit(f"unknown kill point {point!r}")


def _wrap_finish(cls: type[importer._TableWriter], table: str) -> None:
    original: Callable[[importer._TableWriter], Awaitable[None]] = cls.finish

    async def finish(self: importer._TableWriter) -> None:
        await original(self)
        if self.spec.name == table:
            _die()

    cls.finish = finish  # type: ignore[method-assign]


def main(argv: Sequence[str]) -> int:
    """Arm the kill point, then run the command line with the remaining arguments."""
    _arm(argv[0])
    sys.argv = ["analytics-gateway", *argv[1:]]
    try:
        cli.main()
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
    return NOT_REACHED


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
