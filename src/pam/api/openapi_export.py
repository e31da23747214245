"""The OpenAPI document as committed in `web/openapi.json`: the web client's types are generated from
it, and `make lint` fails when it drifts from the code (`python -m pam.api.openapi_export --check`)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from fastapi import FastAPI

COMMITTED = Path("web/openapi.json")


def openapi_text(app: FastAPI) -> str:
    """Sorted keys and no package version (it changes every release), so the text diffs cleanly."""
    document: dict[str, Any] = app.openapi()
    document["info"]["version"] = "<version>"
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def current_text() -> str:
    from pam.api.app import create_app
    from pam.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        # The schema of a server that requires sign-in: the one clients are written against.
        settings = Settings(_env_file=None, data_dir=Path(tmp) / "data", auth="required")
        return openapi_text(create_app(settings))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 when the committed file differs")
    parser.add_argument("--path", type=Path, default=COMMITTED)
    args = parser.parse_args()
    current = current_text()
    if args.check:
        if not args.path.exists() or args.path.read_text(encoding="utf-8") != current:
            print(
                f"{args.path} is not the app's OpenAPI document: run `make api-schema` and commit the result",
                file=sys.stderr,
            )
            return 1
        return 0
    args.path.write_text(current, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
