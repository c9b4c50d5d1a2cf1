"""The exit codes and the two errors the commands raise; `main` prints them, never a traceback."""

from __future__ import annotations

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_CRITICAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class CliError(Exception):
    """A failure talking to the service, or its refusal: exit 1."""

    exit_code = EXIT_ERROR


class UsageError(CliError):
    """The command line is wrong and nothing was run: exit 2, like argparse's own usage errors."""

    exit_code = EXIT_USAGE
