from __future__ import annotations

import pytest

from pam.errors import ParseError
from pam.ingest.parsers import Block, MarkdownParser

DOC = b"""# Revenue metrics

MRR is **monthly** recurring
revenue.

## Definitions

- New MRR
  - from new customers
- Churned MRR

1. Pull the data
2. Check totals

| Metric | Owner |
|--------|-------|
| MRR    | Finance |
| Churn \\| rate | Growth |

```sql
select sum(amount)
from invoices;
```

<div class="note">Numbers are <b>net</b> of refunds.</div>

### Caveats
![revenue chart](chart.png)
"""


def test_structure_is_kept_in_order() -> None:
    document = MarkdownParser().parse(DOC, "metrics.md")
    assert document.blocks == [
        Block("heading", "Revenue metrics", level=1),
        Block("text", "MRR is monthly recurring revenue."),
        Block("heading", "Definitions", level=2),
        Block("text", "- New MRR\n  - from new customers\n- Churned MRR"),
        Block("text", "1. Pull the data\n2. Check totals"),
        Block("table", "Metric | Owner\nMRR | Finance\nChurn \\| rate | Growth"),
        Block("code", "select sum(amount)\nfrom invoices;"),
        Block("text", "Numbers are net of refunds."),
        Block("heading", "Caveats", level=3),
        Block("text", "revenue chart"),
    ]
    assert document.title == "Revenue metrics"
    assert document.mime_type == "text/markdown"


def test_front_matter_title_wins_and_is_not_content() -> None:
    data = b'---\ntitle: "Churn playbook"\nowner: growth-team\ntags: [a, b]\n---\n# Heading one\n\nBody.\n'
    document = MarkdownParser().parse(data, "playbook.md")
    assert document.title == "Churn playbook"
    assert document.metadata["owner"] == "growth-team"
    assert all("owner" not in block.text for block in document.blocks)
    assert document.blocks[0] == Block("heading", "Heading one", level=1)


def test_title_falls_back_to_the_file_stem() -> None:
    document = MarkdownParser().parse(b"## Only a subheading\n\ntext", "docs/how-to.sync.md")
    assert document.title == "how-to.sync"


def test_indented_code_is_a_code_block() -> None:
    document = MarkdownParser().parse(b"Intro:\n\n    make run\n    make test\n", "x.md")
    assert document.blocks[-1] == Block("code", "make run\nmake test")


def test_front_matter_only_is_empty() -> None:
    with pytest.raises(ParseError) as info:
        MarkdownParser().parse(b"---\ntitle: nothing\n---\n\n", "x.md")
    assert info.value.code == "empty"


def test_utf8_bom_and_crlf_are_handled() -> None:
    document = MarkdownParser().parse(b"\xef\xbb\xbf# Title\r\n\r\nBody line\r\n", "x.md")
    assert document.title == "Title"
    assert document.blocks[1] == Block("text", "Body line")
