"""The service's counters, rendered in Prometheus' text exposition format (``GET /metrics``)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping

PREFIX = "transcribe_zoom"
# Upper bounds (seconds) of the acknowledgement histograms: Zoom wants an answer within 3 s,
# the benchmark's goal is a p99 under 50 ms.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """Thread-safe counters and sums; gauges that live in the ledger are passed to
    :meth:`render`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: Counter[tuple[str, tuple[tuple[str, str], ...]]] = Counter()
        self._sums: dict[str, tuple[float, int]] = {}
        self._histograms: dict[tuple[str, tuple[tuple[str, str], ...]], list[float]] = {}

    def count(self, name: str, amount: int = 1, **labels: str) -> None:
        with self._lock:
            self._counters[(name, tuple(sorted(labels.items())))] += amount

    def observe(self, name: str, seconds: float) -> None:
        """One observation of a duration (exposed as ``_sum`` and ``_count``)."""
        with self._lock:
            total, n = self._sums.get(name, (0.0, 0))
            self._sums[name] = (total + seconds, n + 1)

    def histogram(self, name: str, seconds: float, **labels: str) -> None:
        """One duration into a histogram (``_bucket``/``_sum``/``_count`` in :data:`BUCKETS`)."""
        key = (name, tuple(sorted(labels.items())))
        with self._lock:
            counts = self._histograms.setdefault(key, [0.0] * (len(BUCKETS) + 2))
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    counts[i] += 1
                    break
            else:
                counts[len(BUCKETS)] += 1
            counts[-1] += seconds

    def value(self, name: str, **labels: str) -> int:
        with self._lock:
            return self._counters[(name, tuple(sorted(labels.items())))]

    def render(self, jobs_by_state: Mapping[str, int], audio_hours: float,
               in_work: int) -> str:
        lines: list[str] = []
        with self._lock:
            counters = sorted(self._counters.items())
            sums = sorted(self._sums.items())
            histograms = sorted((k, list(v)) for k, v in self._histograms.items())
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
        for (name, labels), counts in histograms:
            metric = f"{PREFIX}_{name}_seconds"
            if metric not in declared:
                declared.add(metric)
                lines.append(f"# TYPE {metric} histogram")
            running = 0.0
            for bound, n_in in zip((*BUCKETS, "+Inf"), counts[:-1], strict=True):
                running += n_in
                le = (("le", f"{bound:g}" if isinstance(bound, float) else str(bound)),)
                lines.append(f"{metric}_bucket{_labels(labels + le)} {running:g}")
            lines += [f"{metric}_sum{_labels(labels)} {counts[-1]:.6f}",
                      f"{metric}_count{_labels(labels)} {running:g}"]
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
