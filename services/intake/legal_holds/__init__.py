"""Legal holds over HTTP: placed and lifted by legal, read by legal and auditors."""
