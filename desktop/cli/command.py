"""A sub-command declared once: its help line, its options, the function that runs it."""

from __future__ import annotations

import argparse
from collections.abc import Callable

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_REJECTED = 0, 1, 2, 3


class UsageError(Exception):
    """The command line is well formed for argparse but not for the command (exit 2)."""


class Command:
    """`run(args)` does the work and returns the exit code; `declare(parser)` adds the options.

    `epilog` is a function returning text shown at the end of the command's help, called only
    then, so that building the parser imports nothing beyond the command-line modules.
    """

    __slots__ = ("name", "summary", "run", "declare", "epilog")

    def __init__(
        self,
        name: str,
        summary: str,
        run: Callable[[argparse.Namespace], int],
        declare: Callable[[argparse.ArgumentParser], None] | None = None,
        epilog: Callable[[], str] | None = None,
    ) -> None:
        self.name = name
        self.summary = summary
        self.run = run
        self.declare = declare
        self.epilog = epilog
