"""What the rejected alternative would cost this machine: mixing participant files into one
multichannel file for AssemblyAI's ``multichannel: true``.

Generates ``--participants`` mono AAC files (32 kHz, like Zoom's M4A) of ``--seconds`` of
speech-like audio, then times what that mode needs on the client and per meeting: decode every
file, interleave them into one N-channel stream, encode it (FLAC, lossless; AAC tops out at 8
channels) and the bytes to upload. The figures scale linearly with length, and are reported
per hour of meeting. Needs PyAV and NumPy (``pip install av numpy``), which the tool itself does
not depend on: the tool transcribes each participant file from its hand-off URL instead
(nothing decoded or uploaded here).

    python -m benchmarks.participant_mix_cpu --participants 4 --seconds 120
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RATE = 32_000


def _speechlike(seconds: int, seed: int) -> Any:
    import numpy as np

    rng = np.random.default_rng(seed)
    t = np.arange(seconds * RATE) / RATE
    voice = np.sin(2 * np.pi * (140 + 40 * seed) * t) * (rng.random(t.size) * 0.3 + 0.7)
    talking = np.repeat(rng.random(seconds * 4) < 0.3, RATE // 4)[: t.size]  # 30% of the time
    return (voice * talking * 0.3).astype(np.float32)


def _write_aac(path: Path, samples: Any) -> None:
    import av

    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=RATE, layout="mono")
        stream.bit_rate = 64_000
        frame_size = 1024
        for start in range(0, samples.size, frame_size):
            chunk = samples[start:start + frame_size].reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
            frame.sample_rate = RATE
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def _decode(path: Path) -> Any:
    import av
    import numpy as np

    with av.open(str(path)) as source:
        return np.concatenate([f.to_ndarray()[0] for f in source.decode(audio=0)])


def _mix_to_flac(tracks: list[Any], path: Path) -> None:
    import av
    import numpy as np

    n = min(t.size for t in tracks)
    stacked = (np.stack([t[:n] for t in tracks]) * 32767).astype(np.int16)
    with av.open(str(path), "w", format="flac") as out:
        stream = out.add_stream("flac", rate=RATE)
        stream.layout = f"{len(tracks)}c" if len(tracks) > 2 else ("stereo" if len(tracks) == 2
                                                                    else "mono")
        for start in range(0, n, 4096):
            chunk = np.ascontiguousarray(stacked[:, start:start + 4096].T).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout=stream.layout)
            frame.sample_rate = RATE
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=120)
    args = parser.parse_args(argv)
    try:
        import av  # noqa: F401
        import numpy  # noqa: F401
    except ImportError:
        out("needs PyAV and NumPy: pip install av numpy (the tool itself does not use them)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = []
        for n in range(args.participants):
            path = folder / f"p{n}.m4a"
            _write_aac(path, _speechlike(args.seconds, n))
            files.append(path)
        downloaded = sum(p.stat().st_size for p in files)
        started = time.process_time()
        tracks = [_decode(p) for p in files]
        decoded = time.process_time()
        mixed = folder / "mixed.flac"
        _mix_to_flac(tracks, mixed)
        done = time.process_time()
        per_hour = 3600 / args.seconds
        out(f"multichannel mix of {args.participants} participants x {args.seconds} s, per hour "
            f"of meeting: CPU {(decoded - started) * per_hour:.1f} s decode + "
            f"{(done - decoded) * per_hour:.1f} s mix/encode FLAC; "
            f"{downloaded * per_hour / 1e6:.0f} MB downloaded from Zoom and "
            f"{mixed.stat().st_size * per_hour / 1e6:.0f} MB uploaded to AssemblyAI through "
            f"this machine")
    return 0


if __name__ == "__main__":
    sys.exit(main())
