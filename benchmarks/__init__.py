"""Benchmarks of transcribe-zoom against the local emulator: ``python -m benchmarks --help``.

Makespan against the ideal bound, HTTP requests per recording, completion latency, CLI start-up
and the streaming figure, with the classic tutorial and the official SDK's ``transcribe_group``
measured on the same data and limits (see ``benchmarks/README.md``).
"""
