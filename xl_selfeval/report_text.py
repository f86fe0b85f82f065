"""How an engine outcome is printed: readable Chinese text, or the JSON shape tools depend on."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from xl_selfeval.checks.rules import SCORE_TOLERANCE
from xl_selfeval.findings import Outcome, ScoreSummary, Severity
from xl_selfeval.values import format_score


def score_line(score: ScoreSummary) -> str:
    """A form's totals as the console and the 问题清单 both word them: figures to 2 decimals, like the form."""
    typed = format_score(score.typed_total) if score.typed_total is not None else "未填"
    total = format_score(score.total) if score.total is not None else "无法计算"
    text = f"{score.form}：表中总分 {typed}，重算总分 {total}，等级 {score.grade or '—'}"
    if (
        score.typed_total is not None
        and score.total is not None
        and abs(score.typed_total - score.total) > SCORE_TOLERANCE
    ):
        text += "（表中总分与重算不一致）"
    return text


def outcome_json(path: Path, outcome: Outcome) -> str:
    data = {
        "file": str(path),
        "profile": outcome.profile,
        "forms": [
            {"kind": f.kind, "sheet": f.sheet, "title": f.title, "year": f.year} for f in outcome.forms
        ],
        "findings": [f.to_json() for f in outcome.findings],
        "scores": [s.to_json() for s in outcome.scores],
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


def outcome_text(path: Path, outcome: Outcome) -> str:
    lines = [
        f"检查 {path.name}：找到 {len(outcome.forms)} 张表（{'、'.join(f.display_name for f in outcome.forms)}）",
        f"评分规则方案：{outcome.profile}",
    ]
    lines += [f"  {score_line(score)}" for score in outcome.scores]
    counts = Counter(f.severity for f in outcome.findings)
    lines.append(
        f"发现 {counts[Severity.ERROR]} 个错误、{counts[Severity.WARNING]} 个警告、{counts[Severity.INFO]} 个提示"
    )
    for f in outcome.findings:
        lines.append(f"  [{f.severity.label}] {f.message}")
    return "\n".join(lines)
