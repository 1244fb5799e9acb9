"""The commands, one module per group; :mod:`..app` registers them on the Typer app.

- ``base``: what every command does around its library call (logging, renderer, progress
  sink, results turned into an exit code).
- ``recordings``: ``transcribe`` (one meeting) and ``file`` (local recordings).
- ``backfill``: ``backfill`` and its ``--dry-run`` plan.
- ``folder``: ``rename`` and ``status``, which work on an output folder with no API call.
- ``check``: ``check`` (credentials and scopes).
- ``emulator``: ``demo`` and ``emulate`` (the built-in Zoom + AssemblyAI emulator).
- ``serve``: ``serve`` (the webhook service).
"""
