"""The command a user ran, as one shell line that resumes it from any folder."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer

from .options import CREDENTIAL_FLAGS


def _param_words(param: Any, value: Any) -> list[str]:
    def text(v: Any) -> str:
        return str(Path(v).expanduser().absolute()) if isinstance(v, Path) else str(v)

    if param.param_type_name == "argument":
        return [text(v) for v in value] if isinstance(value, list | tuple) else [text(value)]
    longest = next((o for o in param.opts if o.startswith("--")), param.opts[0])
    if param.count:
        return [longest] * int(value or 0)
    if param.is_flag:
        if value:
            return [longest]
        return [param.secondary_opts[-1]] if param.secondary_opts else []
    if param.multiple:
        return [w for v in value or () for w in (longest, text(v))]
    return [] if value is None else [longest, text(value)]


def resume_command(ctx: typer.Context, extra: Mapping[str, Any] | None = None) -> str:
    """The command being run, as one shell line that does the same from any folder: every
    argument and flag given (paths made absolute, ``--out`` always), credential flags left
    out (their values are secret: the environment or tokens.env supplies them), ``extra``
    fixing values resolved at run time (e.g. backfill's default dates)."""
    from ..config import DEFAULT_ENV_FILE

    extra = dict(extra or {})
    if "env_file" in ctx.params and ctx.params["env_file"] is None and DEFAULT_ENV_FILE.exists():
        extra["env_file"] = DEFAULT_ENV_FILE
    words = ["transcribe-zoom", ctx.info_name or ctx.command.name or ""]
    for param in ctx.command.params:
        name = param.name or ""
        if name in CREDENTIAL_FLAGS:
            continue
        if name in extra:
            value = extra[name]
        elif name == "out" or getattr(ctx.get_parameter_source(name), "name", "") == "COMMANDLINE":
            value = ctx.params.get(name)
        else:
            continue
        words += _param_words(param, value)
    return shlex.join(words)
