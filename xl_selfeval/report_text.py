"""How an engine outcome is printed: readable Chinese text, or the JSON shape tools depend on."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from xl_selfeval.findings import Outcome, Severity


def outcome_json(path: Path, outcome: Outcome) -> str:
    data = {
        "file": str(path),
        "profile": outcome.profile,
        "forms": [
            {"kind": f.kind, "sheet": f.sheet, "title": f.title, "year": f.year} for f in outcome.forms
        ],
        "findings": [f.to_json() for f in outcome.findings],
        "scores": [
            {"sheet": s["sheet"], "typed_total": s["typed_total"], "total": s["total"], "grade": s["grade"]}
            for s in outcome.scores
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


def outcome_text(path: Path, outcome: Outcome) -> str:
    lines = [
        f"检查 {path.name}：找到 {len(outcome.forms)} 张表（{'、'.join(f.display_name for f in outcome.forms)}）",
        f"评分规则方案：{outcome.profile}",
    ]
    for score in outcome.scores:
        typed = score["typed_total"]
        shown = f"{typed:.2f}" if isinstance(typed, float) else "空白"
        total = score["total"]
        lines.append(
            f"  {score['form']}：表中总分 {shown}，重算总分 "
            f"{f'{total:.2f}' if isinstance(total, float) else '—'}，等级 {score['grade'] or '—'}"
        )
    counts = Counter(f.severity for f in outcome.findings)
    lines.append(
        f"发现 {counts[Severity.ERROR]} 个错误、{counts[Severity.WARNING]} 个警告、{counts[Severity.INFO]} 个提示"
    )
    for f in outcome.findings:
        lines.append(f"  [{f.severity.label}] {f.message}")
    return "\n".join(lines)
