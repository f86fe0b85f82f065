"""重庆's 得分系数 beside 指标权重: the coefficient times the weight is the score the rule gives."""

from __future__ import annotations

from collections.abc import Iterator

from xl_selfeval.checks.context import Context, Stage, finding
from xl_selfeval.checks.rules import SCORE_TOLERANCE, plain_points
from xl_selfeval.findings import Code, Finding
from xl_selfeval.model import rate_of
from xl_selfeval.values import format_percent, format_rate, format_score, round_half_up


def check_score_coefficients(ctx: Context) -> Iterator[Finding]:
    """得分系数 × 分值 = the rule's score, for every quantitative row the rules score."""
    for r in ctx.indicator_rows:
        f = r.row.get("coefficient")
        sug = r.suggestion
        if f is None or r.stage < Stage.ASSESSED or sug is None or sug.score is None or not r.weight:
            continue
        typed = rate_of(f)
        if typed is None:
            continue
        implied = round_half_up(typed * r.weight)
        # The coefficient may come from the rule's score or from that score as the form types it (a form of
        # one decimal writes 1.5 for 1.45, and 75% for it): either is right, nothing looser.
        as_typed = round_half_up(sug.score, r.form.score_decimals) if r.form.score_decimals < 2 else sug.score
        if any(abs(implied - score) <= SCORE_TOLERANCE for score in (sug.score, as_typed)):
            continue
        yield finding(
            Code.SCORE_COEFFICIENT_WRONG,
            r.form,
            f.ref,
            f"{r.named}得分系数{format_percent(typed)}×指标权重{plain_points(r.weight)}={format_score(implied)}，"
            f"按评分规则应得{format_score(sug.score)}（得分系数约{format_rate(sug.score / r.weight)}）",
            format_rate(sug.score / r.weight),
            format_percent(typed),
        )
