"""Tools for comparing two versions of the code; not part of `make bench` (see README.md)."""
