"""Runnable demos: `python -m demos.<name>`; each has `main(argv=None) -> dict`."""
