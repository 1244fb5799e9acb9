"""``transcribe-zoom serve``: Zoom's and AssemblyAI's webhooks feeding the engine and ledger."""

from .app import build_app
from .core import Reply, Service, ServiceConfig, ServiceScope, event_key
from .run import resolve_ledger, serve
from .signatures import encrypted_token, zoom_signature

__all__ = [
    "Reply",
    "Service",
    "ServiceConfig",
    "ServiceScope",
    "build_app",
    "encrypted_token",
    "event_key",
    "resolve_ledger",
    "serve",
    "zoom_signature",
]
