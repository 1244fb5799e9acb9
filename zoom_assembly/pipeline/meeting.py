"""From what the user typed to the meeting instances to transcribe."""

from __future__ import annotations

from ..errors import NotFound, ScopeError
from ..events import EventSink, Notice, discard
from ..zoom import MeetingRecordings, MeetingRef, ZoomClient


def meeting_instances(
    ref: MeetingRef,
    zoom: ZoomClient,
    *,
    latest: bool = False,
    ttl: int,
    sink: EventSink = discard,
) -> list[MeetingRecordings]:
    """Every recorded instance of ``ref`` (newest first), each with a download-scoped token.

    A UUID names one instance. A numeric ID means every recorded instance (recurring meetings
    and PMIs have several), or only the newest with ``latest``.
    """
    if ref.uuid is not None:
        return [zoom.meeting_recordings(ref.uuid, download_token_ttl=ttl)]
    assert ref.meeting_id is not None
    if latest:
        return [zoom.meeting_recordings(ref.meeting_id, download_token_ttl=ttl)]
    try:
        instances = zoom.past_instances(ref.meeting_id)
    except ScopeError as exc:
        sink(Notice(f"{exc.message} Transcribing only the latest instance.", warning=True))
        instances = []
    if not instances:
        return [zoom.meeting_recordings(ref.meeting_id, download_token_ttl=ttl)]
    found: list[MeetingRecordings] = []
    for instance in instances:
        try:
            found.append(zoom.meeting_recordings(instance.uuid, download_token_ttl=ttl))
        except NotFound as exc:
            if exc.code != "no_recording":
                raise
    if not found:
        raise NotFound(
            f"Zoom has no cloud recording for any of the {len(instances)} instances of meeting "
            f"{ref.meeting_id}; check that they were recorded to the cloud.",
            code="no_recording",
        )
    return found
