"""The retention purge: ``RetentionWorkflow``, run by a Temporal schedule
(docs/architecture.md §11)."""
