"""Retention (docs/architecture.md §11): how long each class of record is kept, what is due
for purging (pure, in ``due``), and the S3 side of purging (``objects``)."""
