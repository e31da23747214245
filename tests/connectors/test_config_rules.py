"""The sources' configs and credentials state every rule in their JSON Schema: what the schema accepts
validates, and what validation refuses the schema refuses (the API fuzzing suite found both ways)."""

from __future__ import annotations

import itertools
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from pam.connectors.configs import GIT_URL, HTTP_URL, DriveConfig, DriveCredentials, GitConfig, WebsiteConfig
from pam.text_patterns import matches

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _validates(model: type[BaseModel], values: dict[str, Any]) -> bool:
    try:
        model.model_validate(values)
    except ValidationError:
        return False
    return True


def _schema_accepts(model: type[BaseModel], values: dict[str, Any]) -> bool:
    return jsonschema.Draft202012Validator(model.model_json_schema()).is_valid(values)


@FAST
@given(st.from_regex(HTTP_URL, fullmatch=True).filter(lambda u: len(u) <= 2000))
def test_every_http_url_the_schema_accepts_validates(url: str) -> None:
    config = WebsiteConfig.model_validate({"start_url": url, "sitemap_url": url})
    assert config.start_url.lower().startswith(("http://", "https://"))


@FAST
@given(st.from_regex(GIT_URL, fullmatch=True).filter(lambda u: 0 < len(u) <= 2000))
def test_every_git_url_the_schema_accepts_validates(url: str) -> None:
    assert GitConfig.model_validate({"url": url}).url == url.rstrip()


@FAST
@given(st.text(max_size=60) | st.sampled_from(["https://u:p@h/r.git", "-x", " https://h", "HTTPS://u@h"]))
def test_a_git_url_validates_exactly_when_it_matches_its_pattern(url: str) -> None:
    if url:
        assert _validates(GitConfig, {"url": url}) == matches(GIT_URL, url)


@pytest.mark.parametrize(
    "url",
    ["https://u:secret@example.com/r.git", "HTTP://user@host/r", "--upload-pack=touch /tmp/x", "\tfile:///r"],
)
def test_options_credentials_and_leading_space_are_refused(url: str) -> None:
    assert not matches(GIT_URL, url) and not _validates(GitConfig, {"url": url})


@pytest.mark.parametrize(
    "url",
    ["git@github.com:acme/r.git", "ssh://git@host/r", "file:///srv/my repo", "https:x@y", "/srv/r", "h"],
)
def test_every_form_git_takes_is_accepted(url: str) -> None:
    assert matches(GIT_URL, url) and _validates(GitConfig, {"url": url})


_ABSENT = object()


def _combinations(names: tuple[str, ...], values: tuple[object, ...]) -> list[dict[str, Any]]:
    return [
        {n: v for n, v in zip(names, chosen, strict=True) if v is not _ABSENT}
        for chosen in itertools.product(values, repeat=len(names))
    ]


@pytest.mark.parametrize("values", _combinations(("folder_id", "drive_id"), (_ABSENT, None, "a")))
def test_drive_config_schema_and_validation_agree(values: dict[str, Any]) -> None:
    assert _schema_accepts(DriveConfig, values) == _validates(DriveConfig, values), values


@pytest.mark.parametrize(
    "values",
    _combinations(
        ("service_account_json", "refresh_token", "client_id", "client_secret"), (_ABSENT, None, "", "x")
    ),
)
def test_drive_credentials_schema_and_validation_agree(values: dict[str, Any]) -> None:
    assert _schema_accepts(DriveCredentials, values) == _validates(DriveCredentials, values), values
