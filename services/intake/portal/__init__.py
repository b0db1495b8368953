"""The agency portal under /portal/ (docs/agencies.md, "The portal")."""
