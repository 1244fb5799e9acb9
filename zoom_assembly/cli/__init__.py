"""The ``transcribe-zoom`` command line: every bit of presentation lives in this package.

- ``app``: the Typer app and the registration of its commands.
- ``commands``: the commands, one module per group (parse, call one library function, render);
  ``commands.base`` holds what they all do around that call (logging, renderer, exit code).
- ``main``: the entry point, the default-command router and signal handling.
- ``options``: the options shared by several commands, declared once with their defaults.
- ``exits``: library errors, signals and closed pipes turned into one sentence and an exit code.
- ``render``: events and results as lines, tables and JSON Lines (terminal-safe).
- ``progress``: the live counts line; ``status``, ``plan``, ``checks``: those commands' output.
"""

from .app import COMMANDS, app, report
from .main import main, route_default_command

__all__ = ["COMMANDS", "app", "main", "report", "route_default_command"]
