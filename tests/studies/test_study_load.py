"""Loading the studies (core.studies.study): a studies file of `[[studies]]` tables,
the user's `[studies.ID]` config tables (change a built-in study's fields, add a study),
and every mistake as one StudyError (or ConfigError for a key the config does not
know) naming the file, the study and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import ConfigError, Settings, StudyConfig, load_settings
from core.studies.study import (
    Study,
    StudyError,
    apply_config,
    builtin_studies,
    load_studies,
    read_studies_file,
)

STUDY = """
[[studies]]
id = "streak"
title = "RUT win streak"
definition = "Russell 2000 up four sessions in a row or more"
condition = "context.rut_win_streak >= 4"
series = "small_caps"
"""


def write(tmp_path: Path, text: str, name: str = "studies.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(path: Path) -> dict[str, Study]:
    return load_studies(load_settings(path), origin=str(path))


def test_a_studies_file_is_read_with_its_defaults(tmp_path: Path) -> None:
    studies = read_studies_file(write(tmp_path, STUDY))
    streak = studies["streak"]
    assert streak.horizons == (5, 10, 21, 63, 126, 252) and streak.cooldown == 21
    assert streak.headline == 21 and streak.relative_to is None
    assert read_studies_file(tmp_path / "absent.toml") == {}


def test_the_config_changes_a_study_field_by_field_and_adds_studies(tmp_path: Path) -> None:
    base = read_studies_file(write(tmp_path, STUDY))["streak"]
    changed = apply_config("streak", base, StudyConfig(cooldown=5, horizons=(21, 5)), "cfg")
    assert changed.cooldown == 5 and changed.horizons == (5, 21)  # stored ascending
    assert changed.condition == base.condition and changed.series == "small_caps"
    path = write(
        tmp_path,
        '[studies.calm]\ntitle = "Calm"\ndefinition = "VIX below 12"\n'
        'condition = "vix.last < 12"\nhorizons = [5, 10]\nheadline = 10\n',
        "config.toml",
    )
    studies = load(path)
    assert list(studies)[-1] == "calm" and studies["calm"].horizons == (5, 10)
    assert set(builtin_studies()) <= set(studies)
    assert set(load_studies(Settings())) == set(builtin_studies())


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('title = "X"\ndefinition = "d"', "study 'bad': key 'condition': Field required"),
        (
            'title = "X"\ndefinition = "d"\ncondition = "context.rut_win >= 4"',
            "study 'bad': condition 'context.rut_win >= 4': column 9: unknown field"
            " 'context.rut_win' (did you mean 'context.rut_win_streak'?)",
        ),
        (
            'title = "X"\ndefinition = "d"\ncondition = "context.rut_win_streak"',
            "study 'bad': condition 'context.rut_win_streak': column 1: a rule must be true",
        ),
        (
            'title = "X"\ndefinition = "d"\ncondition = "vix.last > 1"\nseries = "gold"',
            "study 'bad': series 'gold' is not a key of [symbols]",
        ),
        (
            'title = "X"\ndefinition = "d"\ncondition = "vix.last > 1"\nheadline = 7',
            "study 'bad': 'headline' 7 is not one of 'horizons'",
        ),
        (
            'title = "X"\ndefinition = "d"\ncondition = "vix.last > 1"\nhorizons = [5, 5]',
            "study 'bad': key 'horizons': 'horizons' lists a horizon twice",
        ),
        (
            'title = "X"\ndefinition = "d"\ncondition = "edge.session == null"',
            "study 'bad': reads the edge section, which has no readings as history",
        ),
        (
            'title = "X"\ndefinition = "d"\ncondition = "vix.last > 1"\nnear = "vix.last > 1"',
            "study 'bad': near 'vix.last > 1' must be a number",
        ),
    ],
)
def test_mistakes_in_the_config_are_one_line_naming_the_study(
    tmp_path: Path, table: str, message: str
) -> None:
    path = write(tmp_path, f"[studies.bad]\n{table}\n", "config.toml")
    with pytest.raises(StudyError) as raised:
        load(path)
    text = str(raised.value)
    assert text.startswith(f"{path}: ") and message in text and "\n" not in text


def test_a_key_no_study_has_is_a_config_error(tmp_path: Path) -> None:
    path = write(tmp_path, '[studies.bad]\ntitel = "X"\n', "config.toml")
    with pytest.raises(
        ConfigError, match=r"key 'studies\.bad\.titel': unknown key; did you mean 'title'"
    ):
        load_settings(path)


def test_a_bad_id_is_refused() -> None:
    settings = Settings(studies={"Bad-Id": StudyConfig(title="x")})
    with pytest.raises(StudyError, match="study id 'Bad-Id'"):
        load_studies(settings)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[studies]\n", "not valid TOML"),
        ('title = "x"\n', "unknown key 'title'"),
        (STUDY + STUDY, "study 'streak': the id is used twice"),
        (
            STUDY.replace('series = "small_caps"', 'serie = "x"'),
            "study 'streak': key 'serie': unknown key",
        ),
        ("[[studies]]\ntitle = 'x'\n", "study '#1': key 'id': Field required"),
    ],
)
def test_mistakes_in_a_studies_file(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(StudyError) as raised:
        read_studies_file(path)
    assert str(raised.value).startswith(f"{path}: ") and message in str(raised.value)
