"""The exception tree of zoom_assembly/errors.py is complete, documented and importable."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import zoom_assembly
from zoom_assembly import errors

# Internal signals: deliberately not TranscribeZoomError (see errors.py).
INTERNAL_SIGNALS = {"AmbiguousSubmit", "Terminated"}


def public_exception_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(zoom_assembly.__path__, "zoom_assembly."):
        if info.name.startswith("zoom_assembly.emulator") or info.name.endswith("__main__"):
            continue  # the services' stand-in (imports nothing of the library); runs the CLI
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (inspect.isclass(value) and issubclass(value, BaseException)
                    and not name.startswith("_") and value.__module__.startswith("zoom_assembly")):
                found[name] = value
    return found


def test_every_exception_of_the_library_is_defined_in_errors_py() -> None:
    classes = public_exception_classes()
    assert {"DownloadError", "UploadTooLarge", "AmbiguousSubmit"} <= set(classes)
    assert {n: c.__module__ for n, c in classes.items()} == {
        n: "zoom_assembly.errors" for n in classes}


def test_every_exception_appears_in_the_documented_tree() -> None:
    tree_lines = [line for line in (errors.__doc__ or "").splitlines() if line.startswith("    ")]
    documented = {word for line in tree_lines for word in re.findall(r"\w+", line)}
    assert sorted(set(public_exception_classes()) - documented) == []


def test_every_user_facing_exception_is_a_transcribe_zoom_error() -> None:
    assert sorted(
        n for n, c in public_exception_classes().items()
        if not issubclass(c, errors.TranscribeZoomError)
    ) == sorted(INTERNAL_SIGNALS)


def test_old_import_paths_still_name_the_same_classes() -> None:
    from zoom_assembly.assembly import AmbiguousSubmit
    from zoom_assembly.assembly.upload import UploadSizeChanged, UploadTooLarge
    from zoom_assembly.zoom.download import (
        DownloadError,
        DownloadInterrupted,
        DownloadRefused,
        DownloadSizeMismatch,
    )

    assert (AmbiguousSubmit, UploadSizeChanged, UploadTooLarge) == (
        errors.AmbiguousSubmit, errors.UploadSizeChanged, errors.UploadTooLarge)
    assert (DownloadError, DownloadInterrupted, DownloadRefused, DownloadSizeMismatch) == (
        errors.DownloadError, errors.DownloadInterrupted, errors.DownloadRefused,
        errors.DownloadSizeMismatch)
