"""Write the golden documents of every bundled example (run only in a commit that changes behaviour on purpose).

    python tests/golden/regenerate.py

For each ``examples/*.yaml``: ``NAME.compare.json`` is ``compare(...).to_dict()`` (the ``compare --json``
document, no Monte Carlo) and ``NAME.report.json`` is the JSON report with 500 Monte Carlo samples at
seed 7, dated 2026-12-01 so the staleness warning does not move with the calendar.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent
REPORT_SAMPLES = 500
REPORT_SEED = 7
REPORT_DATE = dt.date(2026, 12, 1)


def examples() -> list[Path]:
    return sorted((ROOT / "examples").glob("*.yaml"))


def documents(example: Path) -> dict[str, Any]:
    """The two golden documents of one example, keyed by file suffix."""
    import llmplace
    from llmplace.report import render

    point = llmplace.compare(example, samples=0)
    sampled = llmplace.compare(example, samples=REPORT_SAMPLES, seed=REPORT_SEED)
    report = json.loads(render(sampled, "json", today=REPORT_DATE, source=f"examples/{example.name}"))
    return {"compare": point.to_dict(), "report": report}


def main() -> int:
    for example in examples():
        for kind, doc in documents(example).items():
            out = GOLDEN / f"{example.stem}.{kind}.json"
            out.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
            print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
