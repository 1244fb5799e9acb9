"""The service's counters, rendered in Prometheus' text exposition format (``GET /metrics``)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping

PREFIX = "transcribe_zoom"


class Metrics:
    """Thread-safe counters and sums; gauges that live in the ledger are passed to
    :meth:`render`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: Counter[tuple[str, tuple[tuple[str, str], ...]]] = Counter()
        self._sums: dict[str, tuple[float, int]] = {}

    def count(self, name: str, amount: int = 1, **labels: str) -> None:
        with self._lock:
            self._counters[(name, tuple(sorted(labels.items())))] += amount

    def observe(self, name: str, seconds: float) -> None:
        """One observation of a duration (exposed as ``_sum`` and ``_count``)."""
        with self._lock:
            total, n = self._sums.get(name, (0.0, 0))
            self._sums[name] = (total + seconds, n + 1)

    def value(self, name: str, **labels: str) -> int:
        with self._lock:
            return self._counters[(name, tuple(sorted(labels.items())))]

    def render(self, jobs_by_state: Mapping[str, int], audio_hours: float,
               in_work: int) -> str:
        lines: list[str] = []
        with self._lock:
            counters = sorted(self._counters.items())
            sums = sorted(self._sums.items())
        declared: set[str] = set()
        for (name, labels), value in counters:
            metric = f"{PREFIX}_{name}_total"
            if metric not in declared:
                declared.add(metric)
                lines.append(f"# TYPE {metric} counter")
            lines.append(f"{metric}{_labels(labels)} {value}")
        for name, (total, n) in sums:
            metric = f"{PREFIX}_{name}_seconds"
            lines += [f"# TYPE {metric} summary", f"{metric}_sum {total:.6f}",
                      f"{metric}_count {n}"]
        lines.append(f"# TYPE {PREFIX}_jobs gauge")
        for state, n in sorted(jobs_by_state.items()):
            lines.append(f'{PREFIX}_jobs{{state="{state}"}} {n}')
        lines += [f"# TYPE {PREFIX}_audio_hours gauge", f"{PREFIX}_audio_hours {audio_hours}",
                  f"# TYPE {PREFIX}_meetings_in_work gauge",
                  f"{PREFIX}_meetings_in_work {in_work}"]
        return "\n".join(lines) + "\n"


def _labels(labels: tuple[tuple[str, str], ...]) -> str:
    if not labels:
        return ""
    inner = ",".join(
        f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
        for k, v in labels)
    return "{" + inner + "}"
