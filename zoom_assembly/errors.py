"""One exception tree for the whole library: every exception it raises is defined here.

Every error carries a stable machine ``code`` (used by ``--json`` output and the ledger), a
one-sentence user ``message`` (what happened, what to do) and whether it is ``retryable``.
Messages never carry secrets: anything built from a URL goes through :func:`redact.redact_url`.

    TranscribeZoomError
    ├── UsageError                 exit 2: bad input from the user
    ├── ConfigError                exit 3: missing or unreadable credentials / env file
    ├── AuthError                  exit 3: Zoom or AssemblyAI refused the credentials
    │   └── ScopeError             exit 3: the Zoom app lacks scopes
    ├── PermissionDenied           exit 3: Zoom says no permission / paid plan needed
    │   └── DownloadRefused        exit 3: Zoom answered a web page instead of the recording
    ├── NotFound                   exit 2: meeting, recording or user does not exist
    ├── NoAudio                    exit 1: the meeting has recordings but none we can transcribe
    ├── NoZoomText                 exit 1: no Zoom transcript or captions (--source zoom)
    ├── StillProcessing            exit 1: Zoom is still processing the file
    ├── RateLimited                retryable; daily limits carry ``resume_at``
    ├── ServiceError               retryable 5xx / network trouble that outlived the retries
    │   └── DownloadError          exit 1: a recording download did not deliver the file
    │       ├── DownloadInterrupted    retryable: the stream broke off mid-way
    │       └── DownloadSizeMismatch   bytes announced or delivered differ from the listing
    ├── TranscriptionFailed        exit 1: AssemblyAI failed the job (its message included)
    ├── RequestRejected            exit 2: AssemblyAI answered 400 (e.g. a retired model id)
    │   └── UploadTooLarge         exit 2: the file is over AssemblyAI's upload limit
    ├── UploadSizeChanged          exit 1: an upload body delivered another size than announced
    ├── WaitTimeout                exit 1: --timeout reached; the job is still running
    ├── NoDownloadToken            exit 1: Zoom gave no download-scoped token for a hand-off
    └── OutputError                exit 2: the output folder cannot be written
        ├── LedgerLost             exit 2: the ledger was deleted or replaced during the run
        └── LedgerUnavailable      exit 2: the PostgreSQL ledger cannot be reached (exit 3
                                   when it refused the login: credentials)

    AmbiguousSubmit                internal signal, not a TranscribeZoomError: a submit whose
                                   answer was lost; the engine reconciles with AssemblyAI's
                                   transcript list. It must never be handled as a failure
                                   (marking the row failed would let a rerun pay twice).
    Terminated(KeyboardInterrupt)  SIGTERM, handled like Ctrl-C: calls in progress finish,
                                   nothing new starts.

Modules keep private retry markers (``_Retryable``, ``_RetryableResponse``, ``_TokenRejected``)
that never leave them. The old import paths (``zoom.download.DownloadError``,
``assembly.upload.UploadTooLarge``, ``assembly.AmbiguousSubmit``...) re-export these classes.
"""

from __future__ import annotations

from datetime import datetime

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_CREDENTIALS = 3


class TranscribeZoomError(Exception):
    """Base class: ``code`` is stable, ``message`` is one sentence for a person."""

    code: str = "error"
    exit_code: int = EXIT_FAILED
    retryable: bool = False
    # Rerunning the same command continues where this stopped: the CLI adds the command.
    resumable: bool = False

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"

    def __str__(self) -> str:
        return self.message


class UsageError(TranscribeZoomError):
    code = "usage"
    exit_code = EXIT_USAGE


class ConfigError(TranscribeZoomError):
    code = "config"
    exit_code = EXIT_CREDENTIALS


class AuthError(TranscribeZoomError):
    code = "invalid_client"
    exit_code = EXIT_CREDENTIALS


class ScopeError(AuthError):
    code = "missing_scopes"

    def __init__(self, message: str, *, scopes: list[str] | None = None) -> None:
        super().__init__(message)
        self.scopes = scopes or []


class PermissionDenied(TranscribeZoomError):
    code = "permission_denied"
    exit_code = EXIT_CREDENTIALS


class NotFound(TranscribeZoomError):
    code = "not_found"
    exit_code = EXIT_USAGE


class NoAudio(TranscribeZoomError):
    code = "no_audio"


class NoZoomText(TranscribeZoomError):
    code = "no_zoom_transcript"


class StillProcessing(TranscribeZoomError):
    code = "processing"
    retryable = True


class RateLimited(TranscribeZoomError):
    code = "rate_limited"
    retryable = True

    def __init__(
        self, message: str, *, retry_after: float | None = None, resume_at: datetime | None = None
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.resume_at = resume_at
        if resume_at is not None:
            self.code = "daily_limit"
            self.retryable = False
            self.resumable = True


class ServiceError(TranscribeZoomError):
    code = "service_unavailable"
    retryable = True

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TranscriptionFailed(TranscribeZoomError):
    code = "transcription_failed"


class RequestRejected(TranscribeZoomError):
    code = "request_rejected"
    exit_code = EXIT_USAGE


class WaitTimeout(TranscribeZoomError):
    code = "timeout"


class NoDownloadToken(TranscribeZoomError):
    """Zoom offered no download-scoped token, and the account-wide one is never handed over."""

    code = "no_download_token"


class OutputError(TranscribeZoomError):
    code = "output_unwritable"
    exit_code = EXIT_USAGE


class LedgerLost(OutputError):
    """The ledger file vanished, was emptied or replaced while this run was using it."""

    code = "ledger_lost"
    resumable = True


class LedgerUnavailable(OutputError):
    """The PostgreSQL ledger is unreachable (exit 2, like any unusable ledger location), or
    refused the login (``credentials=True``: exit 3, like every refused credential)."""

    code = "ledger_unavailable"

    def __init__(self, message: str, *, code: str | None = None,
                 credentials: bool = False) -> None:
        super().__init__(message, code=code)
        if credentials:
            self.exit_code = EXIT_CREDENTIALS


class DownloadRefused(PermissionDenied):
    """Zoom answered a web page (HTTP 200, HTML) instead of the recording."""

    code = "download_html"


class DownloadError(ServiceError):
    """A recording download that did not deliver the file (base of the download errors)."""

    code = "download_failed"
    retryable = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message, status=status)
        if code is not None:
            self.code = code
        if retryable is not None:
            self.retryable = retryable


class DownloadInterrupted(DownloadError):
    """The connection broke mid-stream; starting the download again usually works."""

    code = "download_interrupted"
    retryable = True

    def __init__(self, message: str, *, bytes_read: int, size: int | None) -> None:
        super().__init__(message, retryable=True)
        self.bytes_read = bytes_read
        self.size = size


class DownloadSizeMismatch(DownloadError):
    """The number of bytes announced or delivered differs from what was expected."""

    code = "download_size_mismatch"

    def __init__(
        self, message: str, *, expected: int, actual: int, retryable: bool = False
    ) -> None:
        super().__init__(message, retryable=retryable)
        self.expected = expected
        self.actual = actual


class UploadTooLarge(RequestRejected):
    """The file is over AssemblyAI's upload limit; refused before (or while) sending it."""

    code = "upload_too_large"

    def __init__(self, message: str, *, size: int) -> None:
        super().__init__(message)
        self.size = size


class UploadSizeChanged(TranscribeZoomError):
    """The body delivered a different number of bytes than the size announced for it."""

    code = "upload_size_mismatch"

    def __init__(self, message: str, *, expected: int, actual: int) -> None:
        super().__init__(message)
        self.expected = expected
        self.actual = actual


class AmbiguousSubmit(Exception):
    """The submit request may have reached AssemblyAI but its answer was lost.

    Deliberately not a :class:`TranscribeZoomError`: it is never a result, only a signal to
    look the job up before submitting again.
    """


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: calls in progress finish, nothing new starts."""
