"""What a reviewer at the finance bureau catches at a glance (docs/domain-rules.md §5 and §7)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

from xl_selfeval.checks.context import INDICATOR_FORMS, Context, budget_keys, field_label, finding
from xl_selfeval.checks.rules import named_indicator, short_text
from xl_selfeval.compute import execution_table
from xl_selfeval.findings import Code, Finding
from xl_selfeval.forms.indicators import COST
from xl_selfeval.forms.layout import FormKind
from xl_selfeval.labels import canonical
from xl_selfeval.memo import memo_text
from xl_selfeval.model import BlockRow, Field, Form
from xl_selfeval.scoring import QUANTITATIVE, IndicatorKind, classify, suggest_analysed
from xl_selfeval.units import UNITS_DIFFER
from xl_selfeval.values import Dimension, Kind, format_amount, format_rate, format_score, parse_value

# 附件1 lines whose 决算数 should stay within the 预算数 (三公经费 and 公用经费 with their parts).
CONTROLLED_COSTS = (
    "three_public",
    "official_car",
    "car_purchase",
    "car_operation",
    "overseas",
    "reception",
    "public_funds",
    "office",
    "utilities_travel",
    "meetings_training",
)
# Rates that cannot exceed 100% whatever was achieved.
BOUNDED_RATE_WORDS = (
    "满意度",
    "满意率",
    "覆盖率",
    "合格率",
    "达标率",
    "知晓率",
    "准确率",
    "及时率",
    "到位率",
)
# A 偏差原因 that explains nothing.
EMPTY_EXPLANATIONS = frozenset(
    {"无", "/", "—", "-", "--", "——", "无偏差", "已完成", "完成", "暂无", "没有", "无。", "0", "空"}
)
# Template text left in a filled form: 指标1, XXX, ×××, *, ≥*, ……, 示例.
_RESIDUE = re.compile(
    r"^(?:指标\d+[:：]?|[xX×＊*]{2,}.*|.*[xX]{3}.*|[≥≤><=]?\s*[*＊]+|…+|\.{3,}|示例.*|例[:：].*)$"
)
# The template's own instructions to the person filling it in, left where content belongs: a length limit
# ("（200字以内）", "（不超过100字）"), or words addressed to the filler (请填写…, 填写说明, 此处填写).
_INSTRUCTION = re.compile(
    r"\((?:限|不超过|不多于|不少于)?\d+字(?:以内|以下|以上|左右)?\)"
    r"|^请(?:填写|填报|简要|简述|说明|根据|结合|对照|针对|列明|写明)"
    r"|填写说明|填报说明|^(?:此处|本栏|此栏)(?:填写|填报)"
)
_NOTE = re.compile(r"^(?:注|备注|说明)\s*[:：]")  # a footnote of the form is the form's own, not a left-over
_WORDING_ONLY = re.compile(r"^(?:已?完成|达成|实现|是|已实现|已达成|达到|满足|全部完成|按时完成|有效)$")
_DATE = re.compile(r"(20\d{2})\s*年(?:\s*(\d{1,2})\s*月)?")
HUNDRED_PERCENT = Decimal(1)


@memo_text(4096)  # every cell of every row is asked; a batch repeats the same texts
def is_placeholder(text: str) -> bool:
    """Template text left in place of content: 指标1, XXX, *, ≥*, ……, 示例."""
    return bool(_RESIDUE.match(canonical(text)))


def _number(f: Field | None) -> Decimal | None:
    return f.number if f is not None else None


def _budgets(ctx: Context) -> Iterator[tuple[Form, Decimal, Decimal]]:
    """Each 附件2/附件3 with its 全年预算数 (above 0) and 全年执行数, as the engine works them out."""
    for form in ctx.forms:
        if form.kind not in INDICATOR_FORMS:
            continue
        calc = ctx.calculator(form)
        _, budget_key, executed_key = budget_keys(form)
        budget, executed = calc.figure(budget_key), calc.figure(executed_key)
        if budget is not None and executed is not None and budget > 0:
            yield form, budget, executed


def check_execution_above_budget(ctx: Context) -> Iterator[Finding]:
    """全年执行数 above 全年预算数: possible (a mid-year top-up spent early) but it needs a word, and the
    执行率得分 stays at most its 分值. Named on the 执行率 cell, the figure a reader sees above 100% (like
    控制率 on 附件1), with the 全年执行数 as related; on the 全年执行数 when the table has no 执行率 cell."""
    for form, budget, executed in _budgets(ctx):
        spent = form.get(budget_keys(form)[2])
        table = execution_table(form.layout)
        if spent is None or table is None or executed <= budget:
            continue
        rate = form.get(table.field_key("total", "rate"))
        message = (
            f"全年执行数{format_amount(executed)}大于全年预算数{format_amount(budget)}"
            f"（执行率{format_rate(executed / budget)}），请核实并说明原因；执行率得分最高为分值"
        )
        if rate is None:
            yield finding(
                Code.EXECUTED_ABOVE_BUDGET,
                form,
                spent.ref,
                message,
                f"≤{format_amount(budget)}",
                format_amount(executed),
            )
            continue
        yield finding(
            Code.EXECUTED_ABOVE_BUDGET,
            form,
            rate.ref,
            message,
            "≤100%",
            format_rate(executed / budget),
            related=(spent.ref,),
        )


def check_costs_above_budget(ctx: Context) -> Iterator[Finding]:
    """附件1: 三公经费, 公用经费 and their parts spent beyond their 预算数."""
    for form in ctx.of_kind(FormKind.BASIC_DATA):
        calc = ctx.calculator(form)
        for line in CONTROLLED_COSTS:
            budget = calc.figure(f"costs.{line}.budget")
            final = calc.figure(f"costs.{line}.final")
            at = form.get(f"costs.{line}.final")
            if budget is None or final is None or at is None or final <= budget:
                continue
            label = _line_label(form, line)
            yield finding(
                Code.COST_ABOVE_BUDGET,
                form,
                at.ref,
                f"{label}决算数{format_amount(final)}超过预算数{format_amount(budget)}"
                f"（超{format_amount(final - budget)}），请核实并说明原因",
                f"≤{format_amount(budget)}",
                format_amount(final),
            )


def _line_label(form: Form, line: str) -> str:
    return field_label(form, f"costs.{line}.final").split("（")[0]


def check_total_execution_cap(ctx: Context) -> Iterator[Finding]:
    """Profiles that cap the total by the execution rate (一体化平台: below 80% at most 89 …)."""
    if not ctx.settings.execution_caps:
        return
    for form, budget, executed in _budgets(ctx):
        total_f = form.get("total.score")
        total = _number(total_f)
        if total is None:
            total = ctx.calculator(form).figure("total.score")
        if total is None:
            continue
        rate = executed / budget
        cap = ctx.settings.execution_cap(rate)
        at = total_f or form.get(budget_keys(form)[1])
        if cap is None or total <= cap or at is None:
            continue
        yield finding(
            Code.TOTAL_ABOVE_EXECUTION_CAP,
            form,
            at.ref,
            f"预算执行率为{format_rate(rate)}，按“{ctx.settings.profile}”规则方案总分不应超过{format_score(cap)}，"
            f"表中总分为{format_score(total)}，超出部分应扣除",
            f"≤{format_score(cap)}",
            format_score(total),
        )


def _rows(ctx: Context) -> Iterator[tuple[Form, BlockRow]]:
    for form in ctx.forms:
        if form.kind in INDICATOR_FORMS:
            for row in form.blocks.get("indicators", []):
                yield form, row


def check_template_residue(ctx: Context) -> Iterator[Finding]:
    """Placeholders of the template (指标1, XXX, *, ≥*, ……, 示例) left in a row."""
    for form, row in _rows(ctx):
        for key in ("name", "target", "actual"):
            f = row.get(key)
            if f is None or f.is_blank or not is_placeholder(f.text):
                continue
            scored = any((_number(row.get(k)) or 0) > 0 for k in ("weight", "score"))
            yield finding(
                Code.TEMPLATE_RESIDUE_SCORED if scored else Code.TEMPLATE_RESIDUE,
                form,
                f.ref,
                f"“{f.text}”是模板占位内容" + ("，该行却有分值或得分" if scored else "，请填写或删除该行"),
                "实际内容",
                f.text,
            )


@memo_text(4096)  # every text cell of a form is asked; a batch repeats the same texts
def is_instruction(text: str) -> bool:
    """Template text telling the filler what to write (结合自评情况，说明…（200字以内）), not content."""
    folded = "".join(unicodedata.normalize("NFKC", text).split())
    return not _NOTE.match(folded) and bool(_INSTRUCTION.search(folded))


def _text_cells(form: Form) -> Iterator[Field]:
    """Every cell of a form the reader took, once each (a line merged across the block is one cell)."""
    seen: set[tuple[int, int]] = set()
    cells = [
        *form.fields.values(),
        *(f for rows in form.blocks.values() for r in rows for f in r.cells.values()),
    ]
    for f in cells:
        where = (f.ref.row, f.ref.col)
        if where not in seen:
            seen.add(where)
            yield f


def check_instruction_text(ctx: Context) -> Iterator[Finding]:
    """The template's instructions left in a cell meant for the unit's own words (青神: 评价结论 still reads
    结合自评情况，说明项目自评总分…（200字以内）)."""
    for form in ctx.forms:
        if form.kind not in INDICATOR_FORMS:
            continue
        # 四川 prints its instruction in the 原因 beside the 执行率: execution_reason_missing judges that cell.
        table = execution_table(form.layout)
        reason = form.get(f"{table.key}.total.reason") if table is not None else None
        for f in _text_cells(form):
            if f is reason:
                continue
            if f.value.kind is Kind.TEXT and is_instruction(f.text):
                yield finding(
                    Code.INSTRUCTION_TEXT_LEFT,
                    form,
                    f.ref,
                    f"“{short_text(f.text)}”是模板的填写说明，请换成本单位的内容",
                    "本单位的内容",
                    f.text,
                )


def check_actual_is_a_measurement(ctx: Context) -> Iterator[Finding]:
    """A figure target answered with a word ("100个" → "完成"): nothing to score it by."""
    for r in ctx.indicator_rows:
        form, row = r.form, r.row
        target, actual = row.get("target"), row.get("actual")
        if target is None or actual is None or actual.is_blank or r.analysis is None:
            continue
        a = parse_value(target.text)
        if a.kind is not Kind.NUMBER and a.low is None:
            continue
        if a.quantity is not None and a.quantity.dimension is Dimension.PLAIN:
            continue  # a bare number may be a wording's placeholder; too weak to flag
        if a == target.value:  # the text reads as the cell did: the context's reading of the row stands
            kind = r.analysis.kind
        else:
            name = row.get("name")
            kind = classify(a, actual.value, name.text if name else "")
        # A deadline (5个工作日内) is answered by 按时完成; a count or an amount is not.
        if kind is IndicatorKind.QUALITATIVE and _WORDING_ONLY.match(canonical(actual.text)):
            yield finding(
                Code.ACTUAL_NOT_A_MEASUREMENT,
                form,
                actual.ref,
                f"{named_indicator(row)}年度指标值为{target.text}，实际完成值只写了“{actual.text}”，"
                "应填写实际完成的数",
                f"与{target.text}可比的数",
                actual.text,
                related=(target.ref,),
            )


def check_impossible_figures(ctx: Context) -> Iterator[Finding]:
    """满意度/覆盖率/合格率 above 100%, and negative actuals."""
    for form, row in _rows(ctx):
        actual, name_f = row.get("actual"), row.get("name")
        if actual is None or actual.is_blank:
            continue
        value = parse_value(actual.text) if actual.value.kind is Kind.TEXT else actual.value
        q = value.quantity
        if q is None:
            continue
        name = canonical(name_f.text) if name_f else ""
        if (
            q.dimension is Dimension.RATE
            and q.number > HUNDRED_PERCENT
            and any(w in name for w in BOUNDED_RATE_WORDS)
        ):
            yield finding(
                Code.RATE_ABOVE_100,
                form,
                actual.ref,
                f"{named_indicator(row)}是比率，实际完成值{format_rate(q.number)}不可能超过100%",
                "≤100.00%",
                actual.text,
            )
        elif q.number < 0:
            yield finding(
                Code.NEGATIVE_ACTUAL,
                form,
                actual.ref,
                f"{named_indicator(row)}实际完成值{actual.text}为负数，请核实（计分时按0计）",
                "≥0",
                actual.text,
            )


def _short_of_weight(row: BlockRow) -> bool:
    weight, score = _number(row.get("weight")), _number(row.get("score"))
    return weight is not None and score is not None and score < weight


def check_deviation_says_something(ctx: Context) -> Iterator[Finding]:
    """A 偏差原因 of "无", "/" or "已完成" beside a score below its 分值; the same text on many rows."""
    for form in ctx.forms:
        if form.kind not in INDICATOR_FORMS:
            continue
        short = [r for r in form.blocks.get("indicators", []) if _short_of_weight(r)]
        texts = Counter(
            canonical(r.cells["deviation"].text)
            for r in short
            if r.get("deviation") is not None and len(canonical(r.cells["deviation"].text)) >= 6
        )
        for row in short:
            deviation = row.get("deviation")
            if deviation is None or deviation.is_blank:
                continue  # deviation_missing speaks of blanks
            text = canonical(deviation.text)
            weight, score = row.cells["weight"].text, row.cells["score"].text
            if text in EMPTY_EXPLANATIONS:
                yield finding(
                    Code.DEVIATION_SAYS_NOTHING,
                    form,
                    deviation.ref,
                    f"{named_indicator(row)}得分{score}低于分值{weight}，偏差原因只写了“{deviation.text}”，"
                    "应写明未达标的原因和改进措施",
                    "偏差原因及改进措施",
                    deviation.text,
                )
            elif texts[text] >= 3:
                yield finding(
                    Code.DEVIATION_REPEATED,
                    form,
                    deviation.ref,
                    f"同一段偏差原因出现在{texts[text]}个未得满分的指标上，请针对每个指标分别说明",
                    "针对本指标的原因",
                    deviation.text[:30],
                )


def check_too_perfect(ctx: Context) -> Iterator[Finding]:
    """Every indicator at full marks although some actual falls short of its target."""
    for form in ctx.forms:
        if form.kind not in INDICATOR_FORMS:
            continue
        rows = [r for r in ctx.indicator_rows if r.form is form and r.weight]
        if len(rows) < 3 or any(_short_of_weight(r.row) or r.score is None for r in rows):
            continue
        short = []
        for r in rows:
            actual = r.row.get("actual")
            if r.analysis is None or actual is None or r.weight is None:
                continue
            sug = suggest_analysed(r.analysis, actual.value, r.weight, ctx.settings)
            if sug.kind in QUANTITATIVE and sug.achieved is False:
                short.append(r.row)
        if short:
            first = short[0]
            yield finding(
                Code.ALL_FULL_MARKS_BUT_SHORT,
                form,
                first.cells["score"].ref,
                f"所有指标均为满分，但有{len(short)}项实际完成值未达到年度指标值"
                f"（如{named_indicator(first)}），请核实评分是否客观",
                "按完成情况评分",
                "全部满分",
            )


def check_dates_within_year(ctx: Context) -> Iterator[Finding]:
    """A 时效 target or actual completed after the year evaluated."""
    for form, row in _rows(ctx):
        if form.year is None:
            continue
        for key in ("target", "actual"):
            f = row.get(key)
            if f is None or f.is_blank:
                continue
            for match in _DATE.finditer(f.text):
                year = int(match.group(1))
                if year > form.year:
                    yield finding(
                        Code.DATE_AFTER_YEAR_END,
                        form,
                        f.ref,
                        f"{named_indicator(row)}的时间{match.group(0)}在{form.year}年度之后，"
                        "年度绩效目标应在本年度内完成",
                        f"{form.year}年内",
                        match.group(0),
                    )
                    break


def check_cost_targets_are_ceilings(ctx: Context) -> Iterator[Finding]:
    """A 成本指标 is a ceiling: written with ≥ (不低于) it rewards spending more."""
    for form, row in _rows(ctx):
        target = row.get("target")
        if target is None or canonical(row.level1) != COST:
            continue
        text = canonical(target.text)
        if text.startswith((">", "≥", "不低于", "不少于")) or text.endswith("以上"):
            yield finding(
                Code.COST_TARGET_NOT_CEILING,
                form,
                target.ref,
                f"{named_indicator(row, '成本指标')}年度指标值写成了“{target.text}”，成本指标应为上限（≤、控制在…以内）",
                "≤" + text.lstrip(">≥").removeprefix("不低于").removeprefix("不少于"),
                target.text,
            )


# An amount off by about 10000 from its target was typed in 元 where 万元 was meant (or the reverse).
_TEN_THOUSAND_BAND = (Decimal(3000), Decimal(30000))


def check_units(ctx: Context) -> Iterator[Finding]:
    """Target and actual in units that cannot be compared (% against 人次), or amounts 10000 apart."""
    for r in ctx.indicator_rows:
        form, row, analysis = r.form, r.row, r.analysis
        target, actual = row.get("target"), row.get("actual")
        if target is None or actual is None or actual.is_blank or analysis is None:
            continue
        # Units that do not compare leave the row UNKNOWN, its note saying why (the scoring rules' words).
        if analysis.kind is IndicatorKind.UNKNOWN and analysis.note.startswith(UNITS_DIFFER):
            yield finding(
                Code.UNIT_MISMATCH,
                form,
                actual.ref,
                f"{named_indicator(row)}{analysis.note}，请用与年度指标值相同的单位填写实际完成值",
                f"与{target.text}同单位",
                actual.text,
                related=(target.ref,),
            )
            continue
        a, b = target.value.quantity, actual.value.quantity
        if (
            a is None
            or b is None
            or a.dimension is not Dimension.AMOUNT
            or b.dimension is not Dimension.AMOUNT
        ):
            continue
        if a.unit == b.unit or a.number <= 0 or b.number <= 0:
            continue
        ratio = max(a.number, b.number) / min(a.number, b.number)
        if _TEN_THOUSAND_BAND[0] <= ratio <= _TEN_THOUSAND_BAND[1]:
            yield finding(
                Code.AMOUNT_UNIT_SUSPECT,
                form,
                actual.ref,
                f"{named_indicator(row)}年度指标值为{target.text}，实际完成值为{actual.text}，"
                "相差约一万倍，可能把“万元”写成了“元”（或相反）",
                f"与{target.text}同单位",
                actual.text,
                related=(target.ref,),
            )
