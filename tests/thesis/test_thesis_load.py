"""Loading the theses: the built-in bull and bear files (read through importlib
resources; every item has a label, a rule that checks against the Snapshot schema, and
a one-line why), and the user's `[theses.*]` config tables: override a built-in item
field by field, add items, disable items, retitle, add a new thesis; and every mistake
as one ThesisError naming the config file, the thesis and the item."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import ConfigError, load_settings
from core.thesis import (
    BUILTIN,
    ThesisError,
    ValueFormat,
    builtin_path,
    builtin_theses,
    load_theses,
    read_thesis_file,
)

BULL_IDS = [
    "above_7000",
    "above_pivot",
    "near_milestone",
    "rut_streak",
    "breadth_improving",
    "low_iv_rank",
    "vix_near_realized",
    "cta_adding",
    "ema_stack",
    "bands_expanding",
    "momentum",
    "positive_gamma",
]
BEAR_IDS = [
    "bearish_divergence",
    "ceiling_7000",
    "gamma_ceiling",
    "td_exhaustion",
    "vix_up_with_index",
    "top10_concentration",
    "rsp_lagging",
    "small_caps_weak",
    "nasdaq_not_confirming",
    "below_ema50",
    "below_sma200",
    "in_range",
    "below_support",
]


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load(path: Path) -> dict[str, object]:
    return dict(load_theses(load_settings(path).theses, origin=str(path)))


def test_the_builtin_theses() -> None:
    theses = builtin_theses()
    assert tuple(theses) == BUILTIN
    assert [item.id for item in theses["bull"].items] == BULL_IDS
    assert [item.id for item in theses["bear"].items] == BEAR_IDS
    for thesis in theses.values():
        assert thesis.title and thesis.origin.endswith(f"theses/{thesis.name}.toml")
        for item in thesis.items:
            assert item.label and item.why and item.rule.type.kind == "bool", item.id
            assert item.show is not None, item.id
            assert len(item.why) < 110, item.id  # one line


def test_builtin_files_come_from_the_package_and_judge_the_gamma_claims() -> None:
    for name in BUILTIN:
        text = builtin_path(name).read_text(encoding="utf-8")
        assert "Left out" not in text  # the gamma claims were the last ones left out
    theses = builtin_theses()
    positive = theses["bull"].item("positive_gamma").rule.source
    ceiling = theses["bear"].item("gamma_ceiling").rule.source
    assert "gamma.total_gex_bn > 0" in positive and "gamma.zero_gamma" in positive
    assert "gamma.call_wall == gamma.milestone_strike" in ceiling


def test_fixed_levels_are_named_not_numbered() -> None:
    rules = [item.rule.source for thesis in builtin_theses().values() for item in thesis.items]
    for number in ("6992", "6824", "6700"):
        assert not any(number in rule for rule in rules)
    assert any('level("6,992 pivot")' in rule for rule in rules)


def test_no_config_means_the_builtins() -> None:
    theses = load_theses()
    assert list(theses) == ["bull", "bear"]
    assert theses["bull"] is builtin_theses()["bull"]


def test_override_a_threshold_keeps_the_rest_of_the_item(tmp_path: Path) -> None:
    path = config(
        tmp_path,
        '[[theses.bull.items]]\nid = "low_iv_rank"\nrule = "vix.iv_rank_1y < 20"\n',
    )
    bull = load_theses(load_settings(path).theses, origin=str(path))["bull"]
    item = bull.item("low_iv_rank")
    builtin = builtin_theses()["bull"].item("low_iv_rank")
    assert item.rule.source == "vix.iv_rank_1y < 20"
    assert item.label == builtin.label and item.why == builtin.why
    assert item.format == builtin.format and item.origin == str(path)
    assert [i.id for i in bull.items] == BULL_IDS  # same place in the list


def test_add_disable_and_retitle(tmp_path: Path) -> None:
    path = config(
        tmp_path,
        """
[theses.bear]
title = "Bear (mine)"
disable = ["top10_concentration", "below_sma200"]

[[theses.bear.items]]
id = "vix_above_20"
label = "VIX above 20"
rule = "vix.last > 20"
format = ".1f"
why = "Fear is back."
""",
    )
    bear = load_theses(load_settings(path).theses, origin=str(path))["bear"]
    assert bear.title == "Bear (mine)"
    ids = [item.id for item in bear.items]
    assert "top10_concentration" not in ids and "below_sma200" not in ids
    assert ids[-1] == "vix_above_20" and len(ids) == len(BEAR_IDS) - 1
    added = bear.item("vix_above_20")
    assert added.format == ValueFormat(".1f", "") and added.show is not None


def test_a_new_thesis(tmp_path: Path) -> None:
    path = config(
        tmp_path,
        """
[[theses.soft_landing.items]]
id = "vix_calm"
label = "VIX under 18"
rule = "vix.last < 18"
""",
    )
    theses = load_theses(load_settings(path).theses, origin=str(path))
    assert list(theses) == ["bull", "bear", "soft_landing"]
    assert theses["soft_landing"].title == "Soft Landing"
    assert theses["soft_landing"].item("vix_calm").show is not None


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            '[[theses.bull.items]]\nid = "mine"\nlabel = "x"\nrule = "price.lastt > 7000"\n',
            [
                "thesis 'bull' item 'mine'",
                "rule 'price.lastt > 7000'",
                "column 7",
                "unknown field 'price.lastt'",
                "did you mean 'price.last'?",
            ],
        ),
        (
            '[[theses.bull.items]]\nid = "low_iv_rank"\nrule = "vix.iv_rankk < 20"\n',
            ["item 'low_iv_rank'", "unknown field 'vix.iv_rankk'"],
        ),
        (
            '[[theses.bull.items]]\nid = "mine"\nlabel = "x"\nrule = "vix.last"\n',
            ["item 'mine'", "a rule must be true or false"],
        ),
        (
            '[[theses.bull.items]]\nid = "mine"\nrule = "vix.last > 1"\n',
            ["item 'mine'", "a new item needs 'label'"],
        ),
        (
            '[[theses.bull.items]]\nid = "mine"\nlabel = "x"\n',
            ["item 'mine'", "a new item needs 'rule'"],
        ),
        (
            '[[theses.bull.items]]\nid = "m"\nlabel = "x"\nrule = "vix.last > 1"\n'
            'show = "vix.lst"\n',
            ["item 'm'", "show 'vix.lst'", "unknown field 'vix.lst'"],
        ),
        (
            '[[theses.bull.items]]\nid = "m"\nlabel = "x"\nrule = "vix.last > 1"\nformat = "{x}"\n',
            ["item 'm'", "format '{x}'"],
        ),
        (
            '[[theses.bull.items]]\nid = "m"\nlabel = "x"\nrule = \'price.ema_stack == "mixed"\'\n'
            'format = ".1f"\n',
            ["item 'm'", "applies to numbers; the item shows one of"],
        ),
        (
            '[[theses.bull.items]]\nid = "m"\nlabel = "x"\nrule = "vix.last > 1"\n'
            '[[theses.bull.items]]\nid = "m"\nlabel = "y"\nrule = "vix.last > 2"\n',
            ["item 'm'", "the id is used twice"],
        ),
        ('[theses.bull]\ndisable = ["nope"]\n', ["thesis 'bull'", "disable: no item 'nope'"]),
        ('[theses.Soft-Landing]\ntitle = "x"\n', ["thesis name 'Soft-Landing'"]),
        ('[theses.empty]\ntitle = "x"\n', ["thesis 'empty'", "at least one item"]),
    ],
)
def test_config_errors_name_the_file_thesis_and_item(
    tmp_path: Path, text: str, fragments: list[str]
) -> None:
    path = config(tmp_path, text)
    with pytest.raises(ThesisError) as raised:
        load(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: "), message
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[[theses.bull.items]]\nid = "m"\nlable = "x"\n', "theses.bull.items.0.lable"),
        ('[[theses.bull.items]]\nid = "has space"\n', "theses.bull.items.0.id"),
        ("[theses.bull]\ndisable = 3\n", "theses.bull.disable"),
    ],
)
def test_the_shape_of_the_tables_is_checked_with_the_settings(
    tmp_path: Path, text: str, key: str
) -> None:
    path = config(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    assert str(path) in str(raised.value) and key in str(raised.value)


def test_errors_in_a_thesis_file_name_the_file_and_item(tmp_path: Path) -> None:
    path = tmp_path / "bull.toml"
    path.write_text(
        'title = "t"\n[[items]]\nid = "a"\nlabel = "A"\nrule = "price.last > "\n', encoding="utf-8"
    )
    with pytest.raises(ThesisError) as raised:
        read_thesis_file("bull", path)
    assert str(raised.value).startswith(f"{path}: thesis 'bull' item 'a': rule 'price.last > '")
    path.write_text(
        'title = "t"\n[[items]]\nid = "a"\nlabel = "A"\nrule = "x"\nrul = "x"\n', encoding="utf-8"
    )
    with pytest.raises(ThesisError, match=r"key 'items\.0\.rul': unknown key"):
        read_thesis_file("bull", path)
    path.write_text("title = \n", encoding="utf-8")
    with pytest.raises(ThesisError, match="not valid TOML"):
        read_thesis_file("bull", path)


@pytest.mark.parametrize(
    ("text", "spec", "suffix", "value", "shown"),
    [
        ("+.2f%", "+.2f", "%", -0.3141, "-0.31%"),
        (".1f pp", ".1f", " pp", 3.44, "3.4 pp"),
        ("d sessions", "d", " sessions", 3, "3 sessions"),
        (",.0f", ",.0f", "", 6978.03, "6,978"),
        ("d", "d", "", 4.6, "5"),
        ("", "", "", 1.5, "1.50"),
    ],
)
def test_value_formats(text: str, spec: str, suffix: str, value: float, shown: str) -> None:
    parsed = ValueFormat.parse(text)
    assert (parsed.spec, parsed.suffix) == (spec, suffix)
    assert parsed.apply(value) == shown


@pytest.mark.parametrize(
    "text", ["{x}", ".1f" + "x" * 20, ".999f", "999999d", ".1f\n", ".1f.2", "+.1f-"]
)
def test_bad_value_formats(text: str) -> None:
    with pytest.raises(ValueError):
        ValueFormat.parse(text)
