"""Parser process of the importer: reads a table's export files and streams converted batches.

Run as ``python -m analytics_gateway.storage._parse_worker`` with a JSON job on stdin; writes
length-prefixed messages to stdout: ``("batch", wire batch)``…, then ``("done", None)`` or an error.
Messages are marshalled (several times cheaper than pickle for rows of str/int/None, the SQLite case) and
pickled only when they hold other objects (datetimes for PostgreSQL); a leading byte says which.
A pipe (not multiprocessing) keeps the parent free of start-method and ``__main__`` re-import pitfalls,
and its small buffer is the back-pressure that keeps memory flat: the parser waits for the writer.
"""

from __future__ import annotations

import gc
import marshal
import os
import pickle
import struct
import sys
from pathlib import Path
from typing import IO, Any

import orjson

__all__ = ["HEADER", "decode", "encode", "main"]

HEADER = struct.Struct("!Q")
PARSER_NICENESS = 10


def encode(message: tuple[str, Any]) -> bytes:
    """A message as bytes: marshal when it can carry it, else pickle."""
    try:
        return b"M" + marshal.dumps(message)
    except ValueError:  # e.g. datetime values
        return b"P" + pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)


def decode(data: bytes) -> tuple[str, Any]:
    """The message encoded by :func:`encode` (only ever read from our own parser process)."""
    message: tuple[str, Any] = marshal.loads(data[1:]) if data[:1] == b"M" else pickle.loads(data[1:])
    return message


def _send(out: IO[bytes], message: tuple[str, Any]) -> None:
    data = encode(message)
    out.write(HEADER.pack(len(data)))
    out.write(data)


def main() -> None:
    """Parse the job read from stdin; report errors as messages, never as tracebacks."""
    from analytics_gateway.storage._convert import dialect_values
    from analytics_gateway.storage._formats import ImportFormatError
    from analytics_gateway.storage.importer import _parse
    from analytics_gateway.storage.tables import DAP_TABLES

    gc.disable()  # only acyclic tuples and dicts are made here; see importer.import_table
    # The writer (SQLite: one thread) is the pipeline's narrowest stage: when parsers outnumber the free
    # cores they yield to it, and use what it leaves.
    os.nice(PARSER_NICENESS)
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
            _send(out, ("batch", batch.to_wire()))
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
