"""The JSON the shared stores write: orjson where it can, the standard library where it cannot.

orjson encodes and decodes a journal entry or a job about ten times faster, which is most of
what a shared store costs a request beyond SQLite or Redis itself. It refuses integers beyond 64
bits (a client may send any `seed`), so those documents are written by the standard library,
marked by a leading space, and read back by it too, exactly.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from mock_server.domain.jobs import Job, job_document, job_from_document

__all__ = ["dump_job", "dumps", "load_job", "loads"]

EXACT = " "  # starts a document only the standard library writes and reads exactly


def dumps(document: Any) -> str:
    """Encode a document as JSON text."""
    try:
        return orjson.dumps(document).decode()
    except TypeError:
        return EXACT + json.dumps(document)


def loads(text: str | bytes) -> Any:
    """Decode a document `dumps` wrote."""
    if text[:1] in (EXACT, EXACT.encode()):
        return json.loads(text)
    return orjson.loads(text)


def dump_job(job: Job) -> str:
    """Encode a job; its read count is stored beside it and passed back to `load_job`."""
    return dumps(job_document(job))


def load_job(data: str | bytes, reads: int | str | bytes) -> Job:
    """Decode a job `dump_job` wrote, with the read count the store kept beside it."""
    job = job_from_document(loads(data))
    if job.reads != int(reads):
        object.__setattr__(job, "reads", int(reads))  # a fresh copy nobody else holds yet
    return job
