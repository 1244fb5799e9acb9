"""The collector pause around transcript parsing and rendering: shared, and always undone."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from zoom_assembly.assembly.transcripts import transcript_from_json
from zoom_assembly.gc_pause import gc_paused


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_overlapping_pauses_switch_the_collector_back_on_only_when_the_last_one_ends() -> None:
    gc.enable()
    first, second = gc_paused(), gc_paused()
    first.__enter__()
    second.__enter__()
    assert not gc.isenabled()
    first.__exit__(None, None, None)  # another thread still parsing: stays off
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_caller_stays_off() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_parsing_a_transcript_leaves_the_collector_on_even_when_it_fails() -> None:
    gc.enable()
    transcript_from_json({"id": "t1", "status": "completed", "words": [
        {"text": "Hi", "start": 0, "end": 300, "confidence": 0.9, "speaker": "A"}]})
    assert gc.isenabled()
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("boom")
    assert gc.isenabled()
