"""Audio sources: how AssemblyAI gets the audio of one recording. The engine never knows which.

- :class:`ZoomHandoff` — Zoom's ``download_url`` with a download-scoped token in the query
  (AssemblyAI fetches it itself; nothing passes through this machine).
- :class:`ZoomStreamUpload` — the file streamed from Zoom (Bearer token, never in a URL) into
  AssemblyAI's upload endpoint; optionally teed to disk (``--keep-audio``).
- :class:`LocalFile` — a file on this machine, streamed to the upload endpoint.

Each source says what key AssemblyAI's transcript list will show for it (to find a job the
ledger does not know), and which source to use for the one resubmission a download error or a
server error earns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..assembly import AssemblyClient
from ..assembly.upload import UPLOAD_LIMIT_BYTES
from ..errors import NoAudio, NoDownloadToken, NotFound
from ..ledger import url_key
from ..media import LocalMedia, iter_file
from ..models import MeetingInfo
from ..zoom import MeetingRecordings, RecordingFile, ZoomClient, handoff_url

# (stage, detail): a progress note for the recording being prepared.
Note = Callable[[str, str], None]


class AudioSource(Protocol):
    """Where one recording's audio comes from, as AssemblyAI will read it."""

    @property
    def name(self) -> str:
        """A short name for logs and tests: zoom-handoff, zoom-upload, local-file."""
        ...

    def audio_url(self, note: Note) -> str:
        """The URL to submit (minted now: hand-off tokens are short-lived, uploads one-use)."""
        ...

    def lookup_key(self) -> str | None:
        """The token-free key of the URL AssemblyAI's list would show for this audio, when it
        is stable across runs (None for uploads: each gets a new URL)."""
        ...

    def for_resubmission(self, kind: str) -> AudioSource:
        """The source for the one resubmission a job error of ``kind`` earns
        (``"download"``: AssemblyAI could not fetch the audio; ``"server"``)."""
        ...


def label_of(meeting: MeetingInfo) -> str:
    """``Topic (2026-03-14 15:30)``: how a recording is named in progress and errors; a part
    of a paused and resumed recording says which (``Topic (2026-03-14 15:30) part 2 of 3``)."""
    when = meeting.start_time.strftime("%Y-%m-%d %H:%M") if meeting.start_time else "?"
    part = meeting.segment
    tail = f" part {part.index} of {part.count}" if part is not None and part.several else ""
    return f"{meeting.topic or meeting.uuid} ({when}){tail}"


@dataclass(frozen=True)
class ZoomSettings:
    """What the Zoom sources need from the run's options."""

    via: str = "auto"  # url | upload | auto
    handoff_ttl: int = 6 * 3600
    keep_audio_to: Callable[[MeetingInfo, RecordingFile], Path] | None = None


@dataclass(frozen=True)
class ZoomStreamUpload:
    """Download from Zoom with the Bearer token and stream the bytes into AssemblyAI."""

    zoom: ZoomClient
    assembly: AssemblyClient
    recordings: MeetingRecordings
    file: RecordingFile
    settings: ZoomSettings
    name: str = "zoom-upload"

    def audio_url(self, note: Note) -> str:
        keep = self.settings.keep_audio_to
        path = keep(self.recordings.meeting, self.file) if keep is not None else None
        what = f"the recording of '{label_of(self.recordings.meeting)}'"

        def open_body() -> Iterable[bytes]:
            stream = self.zoom.open_download(self.file, what=what)  # a fresh token each try
            return stream.tee_to(path) if path is not None else stream

        note("uploading", "Zoom → AssemblyAI")
        return self.assembly.upload(open_body, size=self.file.file_size)

    def lookup_key(self) -> str | None:
        return None

    def for_resubmission(self, kind: str) -> AudioSource:
        return self


@dataclass(frozen=True)
class ZoomHandoff:
    """Zoom's download URL with a download-scoped token: AssemblyAI fetches it directly.

    Never the account-wide API token (it opens the whole account and dies within the hour):
    without a scoped token, ``via=auto`` streams the recording instead and ``via=url`` fails
    it with :class:`NoDownloadToken`.
    """

    zoom: ZoomClient
    assembly: AssemblyClient
    recordings: MeetingRecordings
    file: RecordingFile
    settings: ZoomSettings
    name: str = "zoom-handoff"

    def audio_url(self, note: Note) -> str:
        token = self.recordings.download_access_token
        if token is None:
            # Listings carry no download token: ask for one now, right before submitting.
            token = self._fresh().download_access_token
        if token is not None:
            return handoff_url(self.file, token)
        if self.settings.via == "auto" and self._streamable():
            note("streaming", "Zoom gave no download-scoped token; streaming it through "
                              "this machine")
            return self._upload().audio_url(note)
        raise NoDownloadToken(
            f"Zoom gave no download-scoped token for '{label_of(self.recordings.meeting)}' and "
            "the account-wide token is never handed to AssemblyAI; run again with "
            "--via upload (or the default --via auto) to stream this recording through "
            "this machine instead."
        )

    def lookup_key(self) -> str | None:
        return url_key(self.file.download_url) if self.file.download_url else None

    def for_resubmission(self, kind: str) -> AudioSource:
        if kind == "download" and self.settings.via == "auto" and self._streamable():
            return self._upload()  # the URL did not work: bring the bytes over ourselves
        # The old URL may have expired: ask Zoom for a new token.
        return ZoomHandoff(self.zoom, self.assembly, self._fresh(), self.file, self.settings)

    def _streamable(self) -> bool:
        return self.file.file_size is None or self.file.file_size <= UPLOAD_LIMIT_BYTES

    def _upload(self) -> ZoomStreamUpload:
        return ZoomStreamUpload(self.zoom, self.assembly, self.recordings, self.file,
                                self.settings)

    def _fresh(self) -> MeetingRecordings:
        try:
            return self.zoom.meeting_recordings(
                self.recordings.meeting.uuid, download_token_ttl=self.settings.handoff_ttl
            )
        except NotFound:
            return self.recordings


def zoom_source(
    zoom: ZoomClient,
    assembly: AssemblyClient,
    recordings: MeetingRecordings,
    file: RecordingFile,
    settings: ZoomSettings,
) -> AudioSource:
    """The first source to try for a Zoom recording file under ``settings.via``."""
    streams = settings.via == "upload" or (
        settings.via == "auto" and settings.keep_audio_to is not None)
    kind = ZoomStreamUpload if streams else ZoomHandoff
    return kind(zoom, assembly, recordings, file, settings)


@dataclass(frozen=True)
class LocalFile:
    """A recording on this machine, streamed to AssemblyAI's upload endpoint."""

    assembly: AssemblyClient
    media: LocalMedia
    name: str = "local-file"

    def audio_url(self, note: Note) -> str:
        note("uploading", str(self.media.path))
        path = self.media.path
        return self.assembly.upload(lambda: iter_file(path), size=self.media.size)

    def lookup_key(self) -> str | None:
        return None

    def for_resubmission(self, kind: str) -> AudioSource:
        return self


@dataclass(frozen=True)
class NoAudioFile:
    """A Zoom meeting with text (Zoom's transcript or captions) but no audio or video file:
    only a free source can serve it; asking for its audio raises the :class:`NoAudio` that
    says so, and the recording is reported as skipped."""

    reason: NoAudio
    name: str = "no-audio"

    def audio_url(self, note: Note) -> str:
        raise self.reason

    def lookup_key(self) -> str | None:
        return None

    def for_resubmission(self, kind: str) -> AudioSource:
        return self
