"""Zoom's event subscription, emulated: signed ``recording.completed`` deliveries to a URL.

When a scenario meeting's recording "completes" (:meth:`ZoomWebhooks.recording_completed`),
Zoom POSTs the event, signed with the app's secret token, carrying a ``download_token`` good for
24 h that opens the ``/rec/webhook_download/`` URLs. A delivery that fails (no answer, non-2xx)
is sent again on Zoom's schedule (about 5, 20 and 60 minutes later, compressed by
``time_scale``), then dropped. Seeded knobs make some events arrive twice or never.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import random
import secrets
from dataclasses import dataclass, field
from typing import Any

import httpx

from .scenario import Meeting
from .state import EmulatorState
from .zoom_common import meeting_json

DOWNLOAD_TOKEN_TTL = 24 * 3600


@dataclass
class ZoomSubscription:
    """An app's event subscription: where Zoom sends events, and the fault knobs."""

    url: str
    secret_token: str
    retry_delays: tuple[float, ...] = (300.0, 1200.0, 3600.0)  # Zoom retries 3 times
    time_scale: float = 1.0  # 0.001 turns Zoom's minutes into fractions of a second
    duplicate_rate: float = 0.0  # the event is delivered a second time
    drop_rate: float = 0.0  # the event is never sent
    seed: int = 0
    timestamp_unit: str = "ms"  # x-zm-request-timestamp in "ms" or "s" (Zoom's is unconfirmed)


@dataclass
class Delivery:
    event: str
    meeting_uuid: str
    attempt: int  # 0: the first try; 1..3: Zoom's retries
    status_code: int | None  # None: no answer


def sign(secret: str, timestamp: str, body: bytes) -> str:
    message = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass
class ZoomWebhooks:
    st: EmulatorState
    subscription: ZoomSubscription | None = None
    deliveries: list[Delivery] = field(default_factory=list)
    _rng: random.Random = field(default_factory=random.Random)
    _client: httpx.AsyncClient | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def subscribe(self, subscription: ZoomSubscription) -> None:
        self.subscription = subscription
        self._rng = random.Random(subscription.seed)

    async def validate(self) -> bool:
        """Zoom's ``endpoint.url_validation``: True when the endpoint proves it has the secret."""
        sub = self._require()
        plain = secrets.token_urlsafe(16)
        body = json.dumps({"event": "endpoint.url_validation", "payload": {"plainToken": plain},
                           "event_ts": int(self.st.clock() * 1000)}).encode()
        response = await self._post(sub, body)
        if response is None or response.status_code != 200:
            return False
        expected = hmac.new(sub.secret_token.encode(), plain.encode(), hashlib.sha256).hexdigest()
        try:
            answer = response.json()
        except ValueError:
            return False
        return bool(answer == {"plainToken": plain, "encryptedToken": expected})

    def event_body(self, meeting: Meeting, event: str = "recording.completed") -> bytes:
        """The event as Zoom sends it: the meeting object, webhook download URLs, a
        download-scoped token valid 24 h at the top level."""
        obj = meeting_json(self.st, meeting, detail=True, host_email=True)
        for f in (*obj["recording_files"], *obj.get("participant_audio_files", [])):
            f["download_url"] = f["download_url"].replace("/rec/download/",
                                                          "/rec/webhook_download/")
        now = int(self.st.clock())
        token = self.st.signer.jwt({
            "aud": "WebRecDownload", "iss": "EventConsumerRecDownload", "mid": meeting.uuid,
            "accountId": self.st.credentials.account_id, "userId": meeting.host_id,
            "iat": now, "exp": now + DOWNLOAD_TOKEN_TTL, "lifetime_seconds": DOWNLOAD_TOKEN_TTL,
        })  # fmt: skip
        return json.dumps({
            "event": event, "event_ts": int(self.st.clock() * 1000),
            "payload": {"account_id": self.st.credentials.account_id, "object": obj},
            "download_token": token,
        }).encode()

    def recording_completed(self, meeting: Meeting) -> None:
        """Announce a finished recording (sent in the background, retried, maybe twice or
        never per the knobs). Must run on the emulator's event loop."""
        sub = self._require()
        if self._rng.random() < sub.drop_rate:
            return
        copies = 2 if self._rng.random() < sub.duplicate_rate else 1
        body = self.event_body(meeting)
        for _ in range(copies):
            task = asyncio.get_running_loop().create_task(
                self._deliver(sub, body, meeting.uuid))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, sub: ZoomSubscription, body: bytes, uuid: str) -> None:
        delays = (0.0, *sub.retry_delays)
        for attempt, delay in enumerate(delays):
            if delay:
                await asyncio.sleep(delay * sub.time_scale)
            response = await self._post(sub, body)
            code = response.status_code if response is not None else None
            self.deliveries.append(Delivery("recording.completed", uuid, attempt, code))
            if code is not None and 200 <= code < 300:
                return

    async def _post(self, sub: ZoomSubscription, body: bytes) -> httpx.Response | None:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=httpx.Timeout(10.0), trust_env=False)
        now = self.st.clock()
        timestamp = str(int(now * 1000)) if sub.timestamp_unit == "ms" else str(int(now))
        headers = {"content-type": "application/json; charset=utf-8",
                   "user-agent": "Zoom Marketplace/1.0a",
                   "x-zm-request-timestamp": timestamp,
                   "x-zm-signature": sign(sub.secret_token, timestamp, body)}
        try:
            return await self._client.post(sub.url, content=body, headers=headers)
        except httpx.HTTPError:
            return None

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _require(self) -> ZoomSubscription:
        if self.subscription is None:
            raise RuntimeError("no Zoom event subscription: call subscribe_zoom_webhooks first")
        return self.subscription

    def summary(self) -> dict[str, Any]:
        return {"deliveries": [d.__dict__ for d in self.deliveries]}
