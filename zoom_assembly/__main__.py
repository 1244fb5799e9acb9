"""``python -m zoom_assembly`` is ``transcribe-zoom``."""

from .cli import main

main()
