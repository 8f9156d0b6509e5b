"""Command-line tools run by the shell scripts: `python -m gateway.cli.<tool>`."""
