"""Command-line tools for coordinators and operators (``intake --help``)."""
