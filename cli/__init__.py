"""The `doc-extractor` command line."""
