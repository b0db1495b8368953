"""API area of the transparency report: ``/v1/transparency-reports`` (docs/transparency.md)."""
