"""``python -m benchmarks [--quick] [--n N] [--concurrency C] [--json PATH]``."""

from __future__ import annotations

from .run import main

if __name__ == "__main__":
    raise SystemExit(main())
