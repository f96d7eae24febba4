"""Parser process of the importer: reads a table's export files and streams converted batches.

Run as ``python -m analytics_gateway.storage._parse_worker`` with a JSON job on stdin; writes
length-prefixed pickles to stdout: ``("batch", _Batch)``…, then ``("done", None)`` or an error message.
A pipe (not multiprocessing) keeps the parent free of start-method and ``__main__`` re-import pitfalls,
and its small buffer is the back-pressure that keeps memory flat: the parser waits for the writer.
"""

from __future__ import annotations

import gc
import pickle
import struct
import sys
from pathlib import Path
from typing import IO, Any

import orjson

__all__ = ["HEADER", "main"]

HEADER = struct.Struct("!Q")


def _send(out: IO[bytes], message: tuple[str, Any]) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(HEADER.pack(len(data)))
    out.write(data)


def main() -> None:
    """Parse the job read from stdin; report errors as messages, never as tracebacks."""
    from analytics_gateway.storage._convert import dialect_values
    from analytics_gateway.storage._formats import ImportFormatError
    from analytics_gateway.storage.importer import _parse
    from analytics_gateway.storage.tables import DAP_TABLES

    gc.disable()  # only acyclic tuples and dicts are made here; see importer.import_table
    out = sys.stdout.buffer
    job = orjson.loads(sys.stdin.buffer.read())
    try:
        batches = _parse(
            [Path(f) for f in job["files"]],
            DAP_TABLES[job["table"]],
            dialect_values(job["dialect"]),
            bool(job["skip_bad_rows"]),
        )
        for batch in batches:
            _send(out, ("batch", batch))
        _send(out, ("done", None))
    except ImportFormatError as exc:
        _send(out, ("format-error", (exc.path, exc.line, exc.message)))
    except BrokenPipeError:  # the importer stopped reading (failure or interrupt): nothing to report
        return
    except Exception as exc:  # reported to the importer, which fails the table
        _send(out, ("error", f"{type(exc).__name__}: {exc}"))
    out.flush()


if __name__ == "__main__":
    main()
