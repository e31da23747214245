"""A table question answered by an LLM agent through `query_data`: the right value, citing the table with its SQL.

The fake model server speaks the real OpenAI and Anthropic wire protocols; the model is scripted to
list the tables, query one, and answer citing the query result as [1].
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.answer.helpers import tool_results
from tests.api.harness import LLM_DEPLOYMENTS, Harness, llm_harness, parse_sse
from tests.fakes.model_script import Text, ToolUse
from tests.fakes.model_server import FakeModelServer

pytestmark = pytest.mark.asyncio(loop_scope="module")
HANDBOOK = Path(__file__).resolve().parents[2] / "examples" / "handbook"
SQL = "SELECT target FROM kpi_targets WHERE metric = 'wau' AND quarter = '2026-Q3'"


@pytest_asyncio.fixture(
    scope="module",
    loop_scope="module",
    params=LLM_DEPLOYMENTS,
    ids=lambda pd: "-".join(pd),
)
async def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, model_server: FakeModelServer
) -> AsyncIterator[Harness]:
    data_dir = tmp_path_factory.mktemp(f"tables-{request.param[0]}") / "data"
    async with llm_harness(request, data_dir, model_server) as harness:
        folder = harness.folder("kpi")
        shutil.copy(HANDBOOK / "data" / "kpi_targets.csv", folder / "kpi_targets.csv")
        task = await harness.ingest(folder)
        assert task["succeeded"] == 1
        yield harness


async def test_the_agent_answers_a_table_question_citing_the_table_and_its_sql(
    api: Harness, model_server: FakeModelServer
) -> None:
    expected = next(
        line.split(",")[2]
        for line in (HANDBOOK / "data" / "kpi_targets.csv").read_text().splitlines()
        if line.startswith("wau,2026-Q3,")
    )
    model_server.set_script(
        [
            [ToolUse("list_tables", {})],
            [ToolUse("query_data", {"sql": SQL})],
            # The query's result is the latest numbered source (passages found first come before it).
            [Text(f"The 2026-Q3 WAU target is {expected} [{{last_source}}].")],
        ]
    )
    r = await api.client.post("/api/chat/stream", json={"message": "What is the 2026-Q3 target for WAU?"})
    events = parse_sse(r.text)
    names = [name for name, _ in events]
    assert names[-1] == "done", events[-1]
    citations = [data for name, data in events if name == "citation"]
    assert len(citations) == 1
    assert citations[0]["uri"] == "table://kpi_targets"
    # Grounded: the value the answer states is in the query's result rows the model was shown.
    assert events[-1][1]["grounded"] is True
    assert "kpi_targets" in citations[0]["quote"] and "2026-Q3" in citations[0]["quote"]
    answer = "".join(data["text"] for name, data in events if name == "token")
    assert expected in answer and "[1]" in answer
    # The model was given the query's rows: the value it cites came from the whole table, by SQL.
    results = tool_results(model_server.requests[-1])
    assert any(expected in content and not is_error for content, is_error in results)
