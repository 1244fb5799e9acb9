"""transcribe-zoom: Zoom cloud recordings to transcripts with AssemblyAI."""

__version__ = "0.1.0"
