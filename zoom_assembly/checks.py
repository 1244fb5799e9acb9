"""``transcribe-zoom check``: are the credentials good and the scopes granted?"""

from __future__ import annotations

from dataclasses import dataclass, field

from .config import Settings
from .errors import EXIT_CREDENTIALS, EXIT_OK, TranscribeZoomError

# Scope -> what it is for. The first three are needed for any transcription.
NEEDED_SCOPES = {
    "cloud_recording:read:list_recording_files:admin": "read a meeting's recording files",
    "cloud_recording:read:list_user_recordings:admin": "list a user's recordings (backfill)",
    "cloud_recording:read:recording:admin": "download recording files",
    "meeting:read:list_past_instances:admin": "find every instance of a recurring meeting",
    "user:read:list_users:admin": "list users (backfill --all-users)",
}
OPTIONAL_SCOPES = {
    "cloud_recording:read:list_account_recordings:admin": "account-wide listing (--account)",
}


@dataclass(frozen=True)
class ScopeCheck:
    scope: str
    purpose: str
    granted: bool
    optional: bool


@dataclass
class CheckReport:
    """What ``transcribe-zoom check`` found: data only, the CLI words it."""

    zoom_url: str
    assemblyai_url: str
    zoom_error: str | None = None
    assemblyai_error: str | None = None
    scopes: list[ScopeCheck] = field(default_factory=list)

    @property
    def missing(self) -> list[ScopeCheck]:
        return [s for s in self.scopes if not s.granted and not s.optional]

    @property
    def exit_code(self) -> int:
        """0 when everything is in place, 3 for a credential or scope problem."""
        bad = self.zoom_error or self.assemblyai_error or self.missing
        return EXIT_CREDENTIALS if bad else EXIT_OK


def run_checks(settings: Settings) -> CheckReport:
    """Get a Zoom token and compare its scopes with what the tool needs; verify the key."""
    from .assembly import AssemblyClient
    from .zoom import build_zoom_client

    report = CheckReport(settings.zoom_oauth_url, settings.assemblyai_base_url)
    try:
        granted = build_zoom_client(settings).granted_scopes()
        report.scopes = [
            ScopeCheck(scope, purpose, scope in granted or _covered_by_classic(scope, granted),
                       scope in OPTIONAL_SCOPES)
            for scope, purpose in {**NEEDED_SCOPES, **OPTIONAL_SCOPES}.items()
        ]
    except TranscribeZoomError as exc:
        report.zoom_error = exc.message
    try:
        assembly = AssemblyClient(settings)
        try:
            assembly.verify_key()
        finally:
            assembly.close()
    except TranscribeZoomError as exc:
        report.assemblyai_error = exc.message
    return report


def _covered_by_classic(scope: str, granted: frozenset[str]) -> bool:
    """Apps created before granular scopes hold classic ones (``recording:read:admin``)."""
    classic = {
        "cloud_recording": {"recording:read:admin", "recording:read"},
        "meeting": {"meeting:read:admin", "meeting:read"},
        "user": {"user:read:admin", "user:read"},
    }
    return bool(classic.get(scope.split(":", 1)[0], set()) & granted)
