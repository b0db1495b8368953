"""The carrier data lake: its physical layout, a synthetic generator, and scoped collection.

- ``layout``     — the one place the lake's shape is decided (buckets, row groups, tables).
- ``generator``  — ``generate_lake``: a deterministic synthetic lake of any size.
- ``scoping``    — which columns of which tables each approved data category may produce.
- ``collector``  — ``collect``: one request's approved slice, attributed and written to S3.
- ``cli``        — ``writ lake generate``.

Everything here is blocking (DuckDB, pyarrow, boto3); async callers use threads.
Nothing does I/O at import.
"""
