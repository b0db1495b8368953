"""The carrier's own records: the data lake's layout, and scoped, attributed collection.

- ``layout``, ``schema``, ``manifest``  the one place the lake's shape is decided.
- ``connection``, ``reader``            DuckDB over the Parquet in S3, with partition pruning.
- ``holdings``                          who held a number when (pure attribution rules).
- ``scoping``                           which columns each approved data category may produce.
- ``facts``                             what the lake says about targets before anyone decides.
- ``collector``, ``progress``           one request's approved slice, written to S3, resumable.
- ``contacts``                          whom to notify: the customers who held the targets.
- ``synthetic/``                        development only: the synthetic carrier and demo lake.

Everything here is blocking (DuckDB, pyarrow, boto3); async callers use threads.
Nothing does I/O at import.
"""
