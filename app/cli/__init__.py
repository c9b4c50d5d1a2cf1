"""`orchestrator`, the command-line client; `main` is the console script of pyproject.toml.

main.py holds the commands and their options, client.py the connection to the service,
inputs.py the reading of workflow inputs, output.py tables and colour, errors.py the exit codes."""

from app.cli.main import main

__all__ = ["main"]
