"""Checks of the arithmetic within one form: every derived figure, the income and spending splits, 控制率."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from xl_selfeval.checks.context import Context, edit, field_label, finding, fmt_of, show
from xl_selfeval.checks.rules import AMOUNT_TOLERANCE, RATE_TOLERANCE, SCORE_TOLERANCE
from xl_selfeval.checks.text_figures import text_figures_in
from xl_selfeval.compute import derived_cells
from xl_selfeval.findings import Code, Finding
from xl_selfeval.forms.basic_data import PUBLIC_FUNDS_PARTS
from xl_selfeval.forms.department import INCOME_KEYS, SPENDING_KEYS
from xl_selfeval.forms.layout import BlockSum, ExecutionScore, Expr, Fmt, FormKind, Ratio, Ref, Sum
from xl_selfeval.model import Field, Form, rate_of
from xl_selfeval.scoring import execution_score
from xl_selfeval.values import Kind, round_half_up


def agrees(actual: Decimal, expected: Decimal, fmt: Fmt) -> bool:
    """Whether a typed figure is what the form displays for the exact one."""
    if fmt is Fmt.RATE:
        return abs(actual - expected) <= RATE_TOLERANCE or actual == round_half_up(expected, _places(actual))
    tolerance = SCORE_TOLERANCE if fmt is Fmt.SCORE else AMOUNT_TOLERANCE
    return abs(actual - expected) <= tolerance


def _places(x: Decimal) -> int:
    exponent = x.normalize().as_tuple().exponent
    return max(2, -exponent) if isinstance(exponent, int) else 2


def typed_figure(f: Field, fmt: Fmt) -> Decimal | None:
    return rate_of(f) if fmt is Fmt.RATE else f.number


def stored(value: Decimal, fmt: Fmt) -> Decimal:
    """The figure we write back: rates to 4 decimals (0.00%), amounts and scores to the fen."""
    return round_half_up(value, 4 if fmt is Fmt.RATE else 2)


def explain(form: Form, expr: Expr, ctx: Context) -> str:
    """'1701.93÷2769.05', '4.3+0+1.13'… the figures the expected value comes from."""
    calc = ctx.calculator(form)

    def fig(e: Expr) -> str:
        value = calc.evaluate(e)
        if isinstance(e, Ref):
            return show(value, fmt_of(form, e.key))
        return show(value, Fmt.AMOUNT)

    if isinstance(expr, Ratio):
        return f"{fig(expr.num)}÷{fig(expr.den)}"
    if isinstance(expr, ExecutionScore):
        return f"{fig(expr.weight)}×min({fig(expr.rate)},100%)"
    if isinstance(expr, Sum) and all(isinstance(t, Ref) for t in expr.terms):
        return "+".join(fig(t) for t in expr.terms)
    if isinstance(expr, BlockSum):
        return _block_words(expr)
    if isinstance(expr, Sum):
        return "+".join(fig(t) if not isinstance(t, BlockSum) else _block_words(t) for t in expr.terms)
    return ""


def _block_words(expr: BlockSum) -> str:
    if expr.block == "indicators":
        return "各指标" + ("分值" if expr.column == "weight" else "得分") + "合计"
    return "各明细行合计"


def _code(key: str, expr: Expr) -> Code:
    if key == "total.score":
        return Code.TOTAL_SCORE_WRONG
    if key == "total.weight":
        return Code.WEIGHT_TOTAL_WRONG
    if isinstance(expr, Ratio):
        return Code.RATE_WRONG
    if isinstance(expr, ExecutionScore):
        return Code.EXECUTION_SCORE_WRONG
    return Code.SUM_WRONG


def check_derived_figures(ctx: Context) -> Iterator[Finding]:
    """Every derived cell of every form against the figure its inputs give."""
    for form in ctx.forms:
        calc = ctx.calculator(form)
        derived = derived_cells(form.layout)
        located = [form.fields[k] for k in derived if k in form.fields]
        # A form made from our template keeps most derived cells as formulas; one formula in a typed form
        # does not make every typed total "a formula replaced by a constant".
        formula_based = bool(located) and 2 * sum(f.is_formula for f in located) >= len(located)
        for key, expr in derived.items():
            f = form.get(key)
            if f is None:
                continue
            fmt = fmt_of(form, key)
            expected = calc.figure(key)
            if f.is_formula:
                if text_figures_in(form, expr):
                    continue  # the formula is right; check_text_figures names the text cell it reads
                actual = typed_figure(f, fmt)
                if actual is not None and expected is not None and not agrees(actual, expected, fmt):
                    want, got = show(expected, fmt), show(actual, fmt)
                    yield finding(
                        _code(key, expr),
                        form,
                        f.ref,
                        f"{field_label(form, key)}的公式结果为{got}，按本表数据应为{want}（{explain(form, expr, ctx)}），请检查公式"
                        + _text_numbers_hint(form, expr),
                        want,
                        got,
                    )
                continue
            if formula_based and not f.is_blank:
                typed_shown = _shown(f, fmt)
                yield finding(
                    Code.FORMULA_REPLACED_BY_CONSTANT,
                    form,
                    f.ref,
                    f"{field_label(form, key)}应为公式，表中被改成了手填数字{typed_shown}",
                    "公式",
                    typed_shown,
                )
            if not calc.from_parts(key):
                yield from _total_over_blank_parts(form, key, expr, f)
            if expected is None:
                continue
            if f.is_blank and key == "total.weight" and not formula_based:
                continue  # many published forms show only 总分 on that row: nothing to fill in
            if f.is_blank:
                # Worded once for the finding and the fix recalc writes: explain shows every figure again.
                label, want, how = field_label(form, key), show(expected, fmt), explain(form, expr, ctx)
                fix = edit(
                    f,
                    stored(expected, fmt),
                    fmt.number_format,
                    None,
                    f"已按本表数据填入{label}（{how}）",
                    "fill",
                )
                score = _score_of_rate(form, key)
                if score is not None:  # a score worked out from a rate nobody typed: which figure is it from?
                    yield finding(
                        Code.RATE_BLANK_BUT_SCORED,
                        form,
                        f.ref,
                        f"{label}未填，执行率得分却填了{score.text}；按本表数据执行率应为{want}"
                        f"（{how}），请填写执行率并核对得分",
                        want,
                        "空白",
                        related=(score.ref,),
                        fix=fix,
                    )
                    continue
                if _weight_and_rate_typed(form, expr):  # half filled in: the score is what the reader misses
                    yield finding(
                        Code.EXECUTION_SCORE_BLANK,
                        form,
                        f.ref,
                        f"{label}未填，分值和执行率已填，按本表数据应为{want}（{how}），请填写得分",
                        want,
                        "空白",
                        fix=fix,
                    )
                    continue
                yield finding(
                    Code.DERIVED_BLANK,
                    form,
                    f.ref,
                    f"{label}未填，按本表数据应为{want}（{how}）",
                    want,
                    "空白",
                    fix=fix,
                )
                continue
            actual = typed_figure(f, fmt)
            if actual is None:
                want = show(expected, fmt)
                fix = edit(f, stored(expected, fmt), fmt.number_format, f.text, f"原值{f.text}", "correct")
                yield finding(
                    Code.NOT_A_NUMBER,
                    form,
                    f.ref,
                    f"{field_label(form, key)}应为数字{want}，表中为“{f.text}”",
                    want,
                    f.text,
                    fix=fix,
                )
                continue
            if any(agrees(actual, e, fmt) for e in _acceptable(ctx, form, key, expr, expected)):
                continue
            shown, want = _shown(f, fmt), show(expected, fmt)
            message = f"{field_label(form, key)}应为{want}（{explain(form, expr, ctx)}），表中为{shown}"
            if key == "total.score":
                message += _total_hint(form, ctx, actual)
            fix = edit(f, stored(expected, fmt), fmt.number_format, shown, f"原值{shown}", "correct")
            yield finding(_code(key, expr), form, f.ref, message, want, shown, fix=fix)


def _total_over_blank_parts(form: Form, key: str, expr: Expr, f: Field) -> Iterator[Finding]:
    """A total typed over parts all left blank in its column while their lines are filled in other columns
    (援滇: 年初/全年预算数 0 on each source line, 全年执行数 blank on each, yet 9034 in the total): the lines
    are in use, so their column adds up to 0 like Excel's SUM. Recalc writes nothing: which side is
    missing is for the unit to say."""
    if not isinstance(expr, Sum) or not all(isinstance(t, Ref) for t in expr.terms) or f.number is None:
        return
    parts = [form.get(t.key) for t in expr.terms if isinstance(t, Ref)]
    if f.number == 0 or any(p is None or not p.is_blank for p in parts):
        return
    lines = {p.key.rsplit(".", 1)[0] for p in parts if p is not None}
    in_use = [
        k for k, other in form.fields.items() if k.rsplit(".", 1)[0] in lines and other.number is not None
    ]
    if not in_use:
        return  # only the total line is filled, as many forms do: nothing to add up
    fmt = fmt_of(form, key)
    label = field_label(form, key)
    yield finding(
        Code.SUM_WRONG,
        form,
        f.ref,
        f"{label}为{show(f.number, fmt)}，但各资金来源行的这一列都未填（其他列已填），"
        f"按各行之和应为{show(Decimal(0), fmt)}，请补填各来源的数或核对合计",
        show(Decimal(0), fmt),
        show(f.number, fmt),
        related=tuple(p.ref for p in parts if p is not None),
    )


def _score_of_rate(form: Form, rate_key: str) -> Field | None:
    """The 执行率得分 typed beside a rate: the filled score field worked out from ``rate_key``, if any."""
    for key, expr in derived_cells(form.layout).items():
        if isinstance(expr, ExecutionScore) and isinstance(expr.rate, Ref) and expr.rate.key == rate_key:
            score = form.get(key)
            if score is not None and score.number is not None:
                return score
    return None


def _weight_and_rate_typed(form: Form, expr: Expr) -> bool:
    """An 执行率得分 whose 分值 and 执行率 are both typed as figures (a blank template types neither rate)."""
    if (
        not isinstance(expr, ExecutionScore)
        or not isinstance(expr.weight, Ref)
        or not isinstance(expr.rate, Ref)
    ):
        return False
    weight, rate = form.get(expr.weight.key), form.get(expr.rate.key)
    return weight is not None and weight.number is not None and rate is not None and rate_of(rate) is not None


def _shown(f: Field, fmt: Fmt) -> str:
    """A typed figure as the form shows it: a rate stored as the number 0.966 reads 96.60%; one typed as
    text ("0.966", "96.6%") reads as typed, so the note's old value is what the accountant entered."""
    figure = typed_figure(f, fmt)
    if (
        fmt is Fmt.RATE
        and f.value.kind is Kind.NUMBER
        and figure is not None
        and not isinstance(f.cell.value, str)
    ):
        return show(figure, fmt)
    return f.text


def _acceptable(ctx: Context, form: Form, key: str, expr: Expr, expected: Decimal) -> Iterator[Decimal]:
    """The exact figure, and for 执行率得分 (and a 总分 counting it) also the one worked from the rate as
    the form displays it (61.25% → 6.13 where 61.245% gives 6.12): both are what an accountant computes.
    Lazily: the second is worked out only when the typed figure is not the exact one."""
    yield expected
    calc = ctx.calculator(form)
    score_key = next(
        (k for k, e in derived_cells(form.layout).items() if isinstance(e, ExecutionScore)), None
    )
    if score_key is None:
        return
    score_expr = derived_cells(form.layout)[score_key]
    assert isinstance(score_expr, ExecutionScore)
    rate, weight = calc.evaluate(score_expr.rate), calc.evaluate(score_expr.weight)
    exact = calc.figure(score_key)
    if rate is None or exact is None:
        return
    shown_rate = execution_score(weight or Decimal(0), round_half_up(rate, 4))
    if shown_rate is None or shown_rate == exact:
        return
    if key == score_key:
        yield shown_rate
    elif key == "total.score":
        yield expected - exact + shown_rate


def _text_numbers_hint(form: Form, expr: Expr) -> str:
    """A SUM that skips figures typed as text is the usual cause of a wrong formula total."""
    blocks = [
        t
        for t in ((expr,) if isinstance(expr, BlockSum) else getattr(expr, "terms", ()))
        if isinstance(t, BlockSum)
    ]
    for block in blocks:
        for row in form.blocks.get(block.block, []):
            f = row.get(block.column)
            if f is not None and isinstance(f.cell.value, str) and f.number is not None:
                return f"；{f.ref.address}等单元格的数字是文本格式（如“{f.text}”），公式不会计入，请改为数字"
    return ""


def _total_hint(form: Form, ctx: Context, actual: Decimal) -> str:
    """Name the usual cause: a 总分 that leaves out the 执行率得分."""
    calc = ctx.calculator(form)
    scores = [v for v in calc.column("indicators", "score") if v is not None]
    if scores and abs(sum(scores, Decimal(0)) - actual) <= SCORE_TOLERANCE:
        return "；总分漏加了预算执行率得分"
    return ""


# The total a form may type in a list's own header ("按支出性质分:1925.67"), read beside the list's parts.
_STATED_TOTALS = {INCOME_KEYS: "sources.left_total", SPENDING_KEYS: "sources.right_total"}


def check_splits(ctx: Context) -> Iterator[Finding]:
    """附件2: 按收入性质分 adds up to 全年预算数, 按支出性质分 to 全年执行数; a total typed in the list's header
    is where the finding goes, as that is the figure the unit wrote for the split."""
    for form in ctx.of_kind(FormKind.DEPARTMENT):
        for keys, total_key, what in (
            (INCOME_KEYS, "budget.total.budget", "按收入性质分各项之和应等于全年预算数"),
            (SPENDING_KEYS, "budget.total.executed", "按支出性质分（基本支出+项目支出）应等于全年执行数"),
        ):
            parts = [form.get(k) for k in keys]
            present = [p for p in parts if p is not None and p.number is not None]
            total = form.get(total_key)
            whole = total.number if total is not None else None
            if not present or total is None or whole is None:
                continue
            if any(p is not None and p.is_blank for p in parts) and keys is SPENDING_KEYS:
                continue  # a blank part is filled from the other forms (see cross.py)
            added = sum((p.number or Decimal(0) for p in present), Decimal(0))
            stated = form.get(_STATED_TOTALS[keys])
            typed = stated.number if stated is not None else None
            if abs(added - whole) <= AMOUNT_TOLERANCE and (
                typed is None or abs(typed - whole) <= AMOUNT_TOLERANCE
            ):
                continue
            figures = "+".join(show(p.number, Fmt.AMOUNT) for p in present)
            said = (
                f"，表中合计写的是{show(typed, Fmt.AMOUNT)}"
                if typed is not None and abs(typed - added) > AMOUNT_TOLERANCE
                else ""
            )
            yield finding(
                Code.SPLIT_MISMATCH,
                form,
                stated.ref if stated is not None and typed is not None else present[0].ref,
                f"{what}：{figures}={show(added, Fmt.AMOUNT)}{said}，"
                f"而全年{'预算' if keys is INCOME_KEYS else '执行'}数为{show(whole, Fmt.AMOUNT)}",
                show(whole, Fmt.AMOUNT),
                show(typed if typed is not None else added, Fmt.AMOUNT),
                related=(total.ref, *(p.ref for p in present)),
            )


def check_public_funds(ctx: Context) -> Iterator[Finding]:
    """附件1: 公用经费's 其中 rows are a partial breakdown: their sum may not exceed it."""
    for form in ctx.of_kind(FormKind.BASIC_DATA):
        for column in ("prev_final", "budget", "final"):
            whole = form.get(f"costs.public_funds.{column}")
            parts = [form.get(f"costs.{p}.{column}") for p in PUBLIC_FUNDS_PARTS]
            numbers = [p.number for p in parts if p is not None and p.number is not None]
            if whole is None or not numbers:
                continue
            added = sum(numbers, Decimal(0))
            if whole.number is not None and added - whole.number > AMOUNT_TOLERANCE:
                yield finding(
                    Code.BREAKDOWN_EXCEEDS_TOTAL,
                    form,
                    whole.ref,
                    f"{field_label(form, whole.key)}为{show(whole.number, Fmt.AMOUNT)}，小于其中各项之和{show(added, Fmt.AMOUNT)}",
                    f"≥{show(added, Fmt.AMOUNT)}",
                    show(whole.number, Fmt.AMOUNT),
                )


def check_control_rate(ctx: Context) -> Iterator[Finding]:
    for form in ctx.of_kind(FormKind.BASIC_DATA):
        f = form.get("staff.value.control_rate")
        rate = ctx.calculator(form).figure("staff.value.control_rate")
        if f is not None and rate is not None and rate > 1:
            yield finding(
                Code.CONTROL_RATE_OVER_100,
                form,
                f.ref,
                f"控制率为{show(rate, Fmt.RATE)}，实际在职人数超过编制数，请说明原因",
                "≤100%",
                show(rate, Fmt.RATE),
            )
