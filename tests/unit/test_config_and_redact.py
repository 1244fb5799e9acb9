from __future__ import annotations

import os
from pathlib import Path

import pytest

from zoom_assembly.config import env_file_is_shared, load_settings
from zoom_assembly.errors import ConfigError
from zoom_assembly.redact import MASK, Secret, redact, redact_url, url_without_query

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
