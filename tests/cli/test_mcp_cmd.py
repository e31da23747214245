"""`pam mcp` as a person meets it: its help, and a wrong --url refused before anything starts."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pam.cli.main import app
from pam.mcp.proxy import endpoint


def test_the_help_names_the_tools_resources_and_both_ways_to_run() -> None:
    result = CliRunner().invoke(app, ["mcp", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0
    for words in (
        "--url",
        "--api-key",
        "PAM_MCP_API_KEY",
        "PAM_MCP_URL",
        "search_knowledge",
        "query_data",
        "ask",
    ):
        assert words in result.stdout, words
    assert "pam://documents/" in result.stdout and "pam://tables/" in result.stdout


def test_a_url_that_is_not_http_is_refused_with_a_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAM_LOG_FORMAT", "console")
    result = CliRunner().invoke(app, ["mcp", "--url", "ftp://example.com"])
    assert result.exit_code == 1 and "not an http(s) URL" in result.stderr


def test_the_endpoint_is_the_servers_mcp_path_unless_one_is_given() -> None:
    assert endpoint("http://127.0.0.1:8000") == "http://127.0.0.1:8000/mcp"
    assert endpoint("https://pam.example.com/") == "https://pam.example.com/mcp"
    assert endpoint("https://example.com/tools/pam/mcp") == "https://example.com/tools/pam/mcp"
