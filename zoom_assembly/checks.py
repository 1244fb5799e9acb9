"""``transcribe-zoom check``: are the credentials good and the scopes granted?"""

from __future__ import annotations

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


def run_checks(settings: Settings) -> tuple[list[str], int]:
    """Lines to print and the exit code (0 all good, 3 a credential or scope problem)."""
    from .assembly import AssemblyClient
    from .zoom import build_zoom_client

    lines: list[str] = []
    code = EXIT_OK
    try:
        zoom = build_zoom_client(settings)
        granted = zoom.api.tokens.scopes()
        lines.append(f"Zoom: credentials accepted ({settings.zoom_oauth_url}).")
        for scope, purpose in {**NEEDED_SCOPES, **OPTIONAL_SCOPES}.items():
            has = scope in granted or _covered_by_classic(scope, granted)
            optional = scope in OPTIONAL_SCOPES
            mark = "ok     " if has else ("missing" if not optional else "absent ")
            lines.append(f"  {mark} {scope}  ({purpose}{', optional' if optional else ''})")
            if not has and not optional:
                code = EXIT_CREDENTIALS
        if code != EXIT_OK:
            lines.append("Add the missing scopes in the Zoom Marketplace (your app > Scopes), "
                         "then run `transcribe-zoom check` again.")
    except TranscribeZoomError as exc:
        lines.append(f"Zoom: {exc.message}")
        code = EXIT_CREDENTIALS
    try:
        assembly = AssemblyClient(settings)
        try:
            assembly.verify_key()
        finally:
            assembly.close()
        lines.append(f"AssemblyAI: API key accepted ({settings.assemblyai_base_url}).")
    except TranscribeZoomError as exc:
        lines.append(f"AssemblyAI: {exc.message}")
        code = EXIT_CREDENTIALS
    return lines, code


def _covered_by_classic(scope: str, granted: frozenset[str]) -> bool:
    """Apps created before granular scopes hold classic ones (``recording:read:admin``)."""
    classic = {
        "cloud_recording": {"recording:read:admin", "recording:read"},
        "meeting": {"meeting:read:admin", "meeting:read"},
        "user": {"user:read:admin", "user:read"},
    }
    return bool(classic.get(scope.split(":", 1)[0], set()) & granted)
