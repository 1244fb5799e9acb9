from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from zoom_assembly.config import env_file_is_shared, load_settings
from zoom_assembly.errors import ConfigError
from zoom_assembly.ledger import scrub
from zoom_assembly.redact import (
    MASK,
    SECRET_PARAMS,
    RedactingFilter,
    Secret,
    redact,
    redact_url,
    url_key,
    url_without_query,
)

FULL = {"ZOOM_ACCOUNT_ID": "acc", "ZOOM_CLIENT_ID": "cid", "ZOOM_CLIENT_SECRET": "sec-from-env",
        "ASSEMBLYAI_API_KEY": "key-from-env"}


def test_flags_beat_environment_beat_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / "tokens.env"
    env_file.write_text("ZOOM_ACCOUNT_ID=from-file\nZOOM_CLIENT_ID=file-client\n")
    settings = load_settings(env_file=env_file, environ={"ZOOM_CLIENT_ID": "env-client"},
                             overrides={"zoom_account_id": "from-flag"})
    assert settings.zoom_account_id == "from-flag"
    assert settings.zoom_client_id == "env-client"


def test_env_file_never_overrides_the_real_environment(tmp_path: Path) -> None:
    env_file = tmp_path / "tokens.env"
    env_file.write_text("ASSEMBLYAI_API_KEY=file-key-123\n")
    settings = load_settings(env_file=env_file, environ={"ASSEMBLYAI_API_KEY": "env-key-123"})
    assert settings.assemblyai_api_key.reveal() == "env-key-123"


def test_default_env_file_is_optional() -> None:
    settings = load_settings(environ={})
    assert settings.zoom_client_id == ""


def test_explicit_missing_env_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(env_file=tmp_path / "nope.env", environ={})


def test_missing_credential_names_every_way_to_supply_it() -> None:
    settings = load_settings(environ={k: v for k, v in FULL.items() if k != "ZOOM_CLIENT_SECRET"})
    with pytest.raises(ConfigError) as info:
        settings.require_zoom()
    message = info.value.message
    assert "ZOOM_CLIENT_SECRET" in message and "tokens.env" in message
    assert "--zoom-client-secret" in message and "environment" in message
    assert info.value.exit_code == 3


def test_endpoints_default_to_the_real_services() -> None:
    settings = load_settings(environ=FULL)
    assert settings.zoom_oauth_url == "https://zoom.us/oauth/token"
    assert settings.zoom_api_base_url == "https://api.zoom.us/v2"
    assert settings.assemblyai_base_url == "https://api.assemblyai.com"


def test_settings_repr_holds_no_secret() -> None:
    settings = load_settings(environ=FULL)
    assert "sec-from-env" not in repr(settings) and "key-from-env" not in repr(settings)


def test_env_file_readable_by_others_is_detected(tmp_path: Path) -> None:
    env_file = tmp_path / "tokens.env"
    env_file.write_text("X=1\n")
    os.chmod(env_file, 0o644)
    assert env_file_is_shared(env_file)
    os.chmod(env_file, 0o600)
    assert not env_file_is_shared(env_file)


def test_secret_repr_and_str_are_masked() -> None:
    secret = Secret("super-secret-value")
    assert "super-secret-value" not in repr(secret) + str(secret) + f"{secret}"


def test_redact_removes_registered_secrets_and_url_tokens() -> None:
    Secret("registered-secret-xyz")
    text = ("failed registered-secret-xyz at https://zoom.us/rec/download/a?access_token=abc.def"
            " Authorization: Bearer tok123")
    cleaned = redact(text)
    assert "registered-secret-xyz" not in cleaned and "abc.def" not in cleaned
    assert "tok123" not in cleaned and MASK in cleaned


def test_redact_url_masks_only_credential_parameters() -> None:
    url = "https://zoom.us/rec/download/a?type=m4a&access_token=eyJabc.def.ghi"
    assert redact_url(url) == f"https://zoom.us/rec/download/a?type=m4a&access_token={MASK}"


def test_url_without_query_is_a_token_free_key() -> None:
    assert url_without_query("https://h/x?access_token=1#f") == "https://h/x"


@pytest.mark.parametrize(("url", "key"), [
    ("https://zoom.us/rec/a.m4a?access_token=t#f", "https://zoom.us/rec/a.m4a"),
    ("HTTPS://Zoom.US/rec/A.m4a", "https://zoom.us/rec/A.m4a"),
    ("https://user:pw@zoom.us:443/rec/a", "https://zoom.us/rec/a"),
    ("http://ZOOM.us:80/rec/a", "http://zoom.us/rec/a"),
    ("http://127.0.0.1:8123/zoom/rec/a?access_token=t", "http://127.0.0.1:8123/zoom/rec/a"),
    ("https://u@[::1]:8443/a", "https://[::1]:8443/a"),
    ("file:///home/me/Meeting.m4a", "file:///home/me/Meeting.m4a"),
])  # fmt: skip
def test_url_key_is_token_free_credential_free_and_case_normalised(url: str, key: str) -> None:
    assert url_key(url) == key
    assert url_key(key) == key


def test_the_transcript_list_and_the_ledger_use_the_same_url_key() -> None:
    url = "https://Admin:hunter2@Zoom.US/rec/download/abc?access_token=tok"
    assert url_without_query(url) == url_key(url) == "https://zoom.us/rec/download/abc"


def _logged(text: str) -> str:
    record = logging.LogRecord("t", logging.WARNING, __file__, 1, "%s", (text,), None)
    RedactingFilter().filter(record)
    return record.getMessage()


SCRUBBERS: dict[str, Callable[[str, str], str]] = {
    "redact free text": lambda name, value: redact(f"GET failed: {name}={value} (HTTP 401)"),
    "redact json body": lambda name, value: redact(f'answer {{"{name}": "{value}", "x": 1}}'),
    "redact url": lambda name, value: redact_url(f"https://h.test/a?type=m4a&{name}={value}"),
    "log filter": lambda name, value: _logged(f"retrying https://h.test/a?{name}={value}"),
    "ledger scrub url": lambda name, value: scrub(f"see https://h.test/a?{name}={value}."),
    "ledger scrub text": lambda name, value: scrub(f"refused {name}={value}; try again"),
}


@pytest.mark.parametrize("path", sorted(SCRUBBERS))
@pytest.mark.parametrize("name", sorted(SECRET_PARAMS))
def test_every_secret_parameter_is_masked_by_every_redaction_path(name: str, path: str) -> None:
    value = "plain-value-4711"  # not token-shaped: only the parameter's name gives it away
    for spelled in (name, name.upper()):
        assert value not in SCRUBBERS[path](spelled, value)


def test_masking_keeps_the_parameter_names_and_harmless_values() -> None:
    assert redact_url("https://h.test/a?type=m4a&X-Amz-Signature=abc") == (
        f"https://h.test/a?type=m4a&X-Amz-Signature={MASK}")
    assert redact("refresh_token=abc; type=m4a") == f"refresh_token={MASK}; type=m4a"
