"""Settings: the documented defaults, the example 规则.toml, and Chinese errors naming file and key."""

from __future__ import annotations

import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from xl_selfeval.errors import UserError
from xl_selfeval.settings import Settings, load_settings

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

EXAMPLE = Path(__file__).resolve().parent.parent / "templates" / "规则示例.toml"


def write(tmp_path: Path, text: str, name: str = "规则.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def user_error(path: Path) -> str:
    with pytest.raises(UserError) as caught:
        load_settings(path)
    return str(caught.value)


# --- defaults ------------------------------------------------------------------------------------------


def without_sources(settings: Settings) -> Settings:
    return replace(settings, profile_sources=())


def test_without_a_config_file_the_defaults_apply() -> None:
    # The default profile 全国 is the documented defaults, with its sources.
    assert without_sources(load_settings(None)) == Settings()
    assert load_settings(None).profile_sources


def test_defaults_are_the_common_convention() -> None:
    s = Settings()
    assert s.negative_formula == "ratio"
    assert s.achieved_band == (Decimal("0.8"), Decimal("1"))
    assert s.partial_band == (Decimal("0.6"), Decimal("0.8"))
    assert s.failed_band == (Decimal("0"), Decimal("0.6"))
    assert s.over_achievement == Decimal("1.3")
    assert dict(s.weights) == {"产出指标": 50, "效益指标": 30, "满意度指标": 10, "预算执行率": 10}
    assert s.execution_weight == 10
    assert [name for _, name in s.grades] == ["优", "良", "中", "差"]
    assert (s.max_file_mb, s.max_zip_ratio) == (50, 200)


def test_default_weights_total_100() -> None:
    assert sum(Settings().weights.values()) == 100


def test_cost_indicators_count_with_output_unless_they_have_their_own_weight() -> None:
    assert Settings().weight_group("成本指标") == "产出指标"
    assert Settings().weight_group("效益指标") == "效益指标"
    assert Settings().weight_group("其他") is None
    own = Settings(weights={**Settings().weights, "成本指标": Decimal("10")})
    assert own.weight_group("成本指标") == "成本指标"


def test_settings_cannot_be_changed_in_place() -> None:
    s = Settings()
    with pytest.raises(TypeError):
        s.weights["产出指标"] = Decimal("60")  # type: ignore[index]


# --- the example file ----------------------------------------------------------------------------------


def test_the_example_file_documents_exactly_the_defaults() -> None:
    assert without_sources(load_settings(EXAMPLE)) == Settings()


def test_the_example_file_sets_every_key() -> None:
    data = tomllib.loads(EXAMPLE.read_text("utf-8"))
    assert set(data) == {"scoring", "weights", "grades", "limits"}
    assert set(data["scoring"]) == {
        "negative_formula",
        "over_achievement",
        "deviation_penalty",
        "execution_caps",
        "bands",
    }
    assert set(data["scoring"]["bands"]) == {"achieved", "partial", "failed"}
    assert set(data["weights"]) == {"产出指标", "效益指标", "满意度指标", "预算执行率"}
    assert set(data["limits"]) == {"max_file_mb", "max_zip_ratio"}
    # The optional 成本指标 weight is shown, commented out.
    assert '# "成本指标" = 10' in EXAMPLE.read_text("utf-8")


# --- overrides -----------------------------------------------------------------------------------------


def test_a_province_variant_overrides_only_what_it_names(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [scoring]
        negative_formula = "deviation"
        over_achievement = 1.5

        [scoring.bands]
        achieved = [0.85, 1.0]

        [weights]
        "产出指标" = 40
        "成本指标" = 10

        [limits]
        max_file_mb = 20
        """,
    )
    s = load_settings(path)
    assert s.negative_formula == "deviation"
    assert s.over_achievement == Decimal("1.5")
    assert s.achieved_band == (Decimal("0.85"), Decimal("1.0"))
    assert s.partial_band == Settings().partial_band
    assert dict(s.weights) == {
        "产出指标": 40,
        "成本指标": 10,
        "效益指标": 30,
        "满意度指标": 10,
        "预算执行率": 10,
    }
    assert s.max_file_mb == 20
    assert s.max_zip_ratio == 200


def test_toml_floats_become_the_decimal_that_was_typed(tmp_path: Path) -> None:
    s = load_settings(
        write(tmp_path, "[scoring]\nover_achievement = 1.3\n[scoring.bands]\npartial = [0.6, 0.7]")
    )
    # Decimal(1.3) would be 1.3000000000000000444…; str() keeps what the user typed.
    assert str(s.over_achievement) == "1.3"
    assert s.partial_band == (Decimal("0.6"), Decimal("0.7"))


def test_the_execution_weight_is_the_weight_of_预算执行率(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, '[weights]\n"预算执行率" = 15\n"产出指标" = 45'))
    assert s.execution_weight == 15


def test_a_grades_table_replaces_the_whole_scale_highest_first(tmp_path: Path) -> None:
    path = write(tmp_path, '[grades]\n"合格" = 60\n"不合格" = 0\n"优秀" = 85')
    assert load_settings(path).grades == ((85, "优秀"), (60, "合格"), (0, "不合格"))


def test_notepad_utf8_with_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "规则.toml"
    path.write_bytes('\ufeff[scoring]\nnegative_formula = "deviation"\n'.encode())
    assert load_settings(path).negative_formula == "deviation"


# --- errors name the file and the key ------------------------------------------------------------------


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    message = user_error(tmp_path / "没有.toml")
    assert "找不到规则文件" in message and "没有.toml" in message


def test_a_folder_is_not_a_rules_file(tmp_path: Path) -> None:
    assert "文件夹" in user_error(tmp_path)


def test_bad_toml_names_the_file_and_the_line(tmp_path: Path) -> None:
    message = user_error(write(tmp_path, "[scoring]\nnegative_formula = \n"))
    assert "规则.toml" in message and "第2行" in message and "TOML" in message


def test_an_unquoted_chinese_key_gets_a_hint(tmp_path: Path) -> None:
    message = user_error(write(tmp_path, "[weights]\n产出指标 = 50\n"))
    assert "第2行" in message and '"产出指标" = 50' in message


def test_a_file_not_in_utf8_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "规则.toml"
    path.write_bytes('[weights]\n"产出指标" = 50\n'.encode("gbk"))
    assert "UTF-8" in user_error(path)


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("[scoring]\nnegative_formula = 'linear'", "scoring.negative_formula", "ratio"),
        ("[scoring]\nover_achievement = '1.3'", "scoring.over_achievement", "数字"),
        ("[scoring]\nover_achievement = 0.9", "scoring.over_achievement", "不小于 1"),
        ("[scoring]\nover_achievement = true", "scoring.over_achievement", "数字"),
        ("[scoring]\nover_achievement = nan", "scoring.over_achievement", "有限"),
        ("[scoring.bands]\nachieved = [0.8]", "scoring.bands.achieved", "两个数字"),
        ("[scoring.bands]\npartial = [0.8, 0.6]", "scoring.bands.partial", "下限不大于上限"),
        ("[scoring.bands]\nfailed = [0, 1.2]", "scoring.bands.failed", "0 到 1"),
        ('[weights]\n"产出指标" = -5', "weights.产出指标", "不小于 0"),
        ("[limits]\nmax_file_mb = 50.5", "limits.max_file_mb", "正整数"),
        ("[limits]\nmax_zip_ratio = 0", "limits.max_zip_ratio", "正整数"),
        ('[grades]\n"优" = 90\n"良" = 80', "grades", "门槛为 0"),
        ('[grades]\n"优" = 90\n"良" = 90\n"差" = 0', "grades", "门槛相同"),
        ("scoring = 5", "scoring", "表"),
    ],
)
def test_a_wrong_value_names_the_file_and_the_key(tmp_path: Path, text: str, key: str, expected: str) -> None:
    message = user_error(write(tmp_path, text))
    assert "规则.toml" in message
    assert f" {key} " in message
    assert expected in message


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[scoring]\nnegativ_formula = 'ratio'", "scoring.negativ_formula"),
        ("[scoring.bands]\ndone = [0.8, 1]", "scoring.bands.done"),
        ('[weights]\n"产出" = 50', "weights.产出"),
        ("[limit]\nmax_file_mb = 5", "limit"),
        ("[limits]\nmax_file_kb = 5", "limits.max_file_kb"),
    ],
)
def test_an_unknown_key_is_refused_not_ignored(tmp_path: Path, text: str, key: str) -> None:
    message = user_error(write(tmp_path, text))
    assert "规则.toml" in message and f" {key} " in message and "不是可用的设置项" in message
