from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from pam.settings import Settings


def test_changed_environment_is_honoured_by_the_next_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAM_PORT", "9001")
    assert Settings(_env_file=None).port == 9001
    monkeypatch.setenv("PAM_PORT", "9002")
    assert Settings(_env_file=None).port == 9002


def test_default_database_is_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    s = Settings(_env_file=None, data_dir=tmp_path)
    assert s.is_sqlite
    assert s.resolved_database_url.endswith(str(tmp_path / "pam.db"))


def test_ingest_roots_accept_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAM_INGEST_ROOTS", "/srv/docs, /mnt/share")
    assert Settings(_env_file=None).ingest_roots == [Path("/srv/docs"), Path("/mnt/share")]


def test_dotenv_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / ".env"
    env.write_text("PAM_LOG_LEVEL=debug\n")
    monkeypatch.delenv("PAM_LOG_LEVEL", raising=False)
    assert Settings(_env_file=env).log_level == "debug"


def test_masked_settings_show_no_secret() -> None:
    s = Settings(
        _env_file=None,
        database_url="postgresql+asyncpg://pam:hunter2@db/pam",
        anthropic_api_key="sk-ant-secret",
        jwt_secret="x" * 40,
    )
    shown = str(s.masked())
    assert "hunter2" not in shown
    assert "sk-ant-secret" not in shown
    assert "x" * 40 not in shown
    assert s.masked()["anthropic_api_key"] == "********"


def test_invalid_setting_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAM_PORT", "70000")
    with pytest.raises(ValidationError):
        Settings(_env_file=None)


def test_ungrounded_policy_is_read_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(_env_file=None).ungrounded == "flag"
    monkeypatch.setenv("PAM_UNGROUNDED", "replace")
    assert Settings(_env_file=None).ungrounded == "replace"
    monkeypatch.setenv("PAM_UNGROUNDED", "hide")
    with pytest.raises(ValidationError, match="ungrounded"):
        Settings(_env_file=None)
