"""The scheduler: lazy intake within capacity, due items in time order, the deadline."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from zoom_assembly.pipeline.scheduler import Scheduler, Task


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def make(capacity: int = 2) -> tuple[Scheduler[str], Clock]:
    clock = Clock()
    return Scheduler(capacity=capacity, workers=0, coalesce=0.0, clock=clock,
                     sleep=clock.sleep), clock


def test_no_more_items_are_taken_than_slots_are_free() -> None:
    scheduler, _ = make(capacity=2)
    taken: list[str] = []
    holding_when_taken: list[int] = []

    def items() -> Iterator[str]:
        for name in "abcde":
            taken.append(name)
            yield name

    def start(item: str) -> None:
        holding_when_taken.append(len(scheduler._holding))
        scheduler.schedule(1.0, item)

    def dispatch(due: Sequence[object]) -> list[Task]:
        return [lambda item=item: scheduler.release(str(item)) for item in due]

    scheduler.run(items(), key=str, start=start, dispatch=dispatch)
    assert taken == list("abcde") and max(holding_when_taken) <= 2


def test_due_items_come_back_in_time_order_after_their_delay() -> None:
    scheduler, clock = make()
    seen: list[tuple[float, object]] = []

    def start(item: str) -> None:
        scheduler.schedule({"late": 5.0, "soon": 2.0}[item], item)

    def dispatch(due: Sequence[object]) -> list[Task]:
        for item in due:
            seen.append((clock.now, item))
            scheduler.release(str(item))
        return []

    scheduler.run(["late", "soon"], key=str, start=start, dispatch=dispatch)
    assert seen == [(2.0, "soon"), (5.0, "late")]


def test_deadline_hands_back_what_was_still_waiting() -> None:
    scheduler, clock = make()
    left: list[object] = []
    scheduler.run(["a"], key=str, start=lambda item: scheduler.schedule(100.0, item),
                  dispatch=lambda due: [], timeout=10.0, on_timeout=left.extend)
    assert left == ["a"] and clock.now == 10.0
