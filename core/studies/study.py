"""A historical-edge study as data: its definition (`Study`, one `[[studies]]` table of
`core/studies/builtin.toml` or a user's `[studies.ID]` table) and its loading (the
built-ins with the user's tables applied, every rule parsed and checked against the
Snapshot's fields at load time, like the theses' rules). Pydantic only at module level:
the rule language and the settings are imported when studies are loaded."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.toml_tables import array_of_tables

if TYPE_CHECKING:
    from core.config import Settings, StudyConfig

__all__ = [
    "COOLDOWN",
    "HORIZONS",
    "Study",
    "StudyError",
    "builtin_path",
    "builtin_studies",
    "check_study",
    "load_studies",
    "names_read",
]

HORIZONS = (5, 10, 21, 63, 126, 252)
"""Forward horizons in sessions: a week, two weeks, a month, a quarter, six months, a year."""
COOLDOWN = 21
"""Sessions a condition must not have held before a session for it to be a new event."""
ID = re.compile(r"[a-z][a-z0-9_]*")


class StudyError(ValueError):
    """A study that cannot be loaded; the message names the file (or the settings), the
    study and the field, on one line fit to print as it is."""


class Study(BaseModel):
    """One study's definition (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=1)
    """The setup in a few words, as the Edge panel lists it."""
    definition: str = Field(min_length=1)
    """The study in words: what the condition means, what is measured, over what."""
    condition: str = Field(min_length=1)
    """A rule over the readings (`context.rut_win_streak >= 4`), true on a setup's sessions."""
    series: str = "index"
    """Whose forward return is measured: a key of `[symbols]` (index, small_caps, ...)."""
    relative_to: str | None = None
    """Another key of `[symbols]`: measure `series` relative to it (the ratio's return)."""
    horizons: tuple[int, ...] = HORIZONS
    """Ascending, distinct, each at least 1 (given in any order, stored sorted)."""
    headline: int = 21
    """The horizon the Edge panel shows; one of `horizons`."""
    cooldown: int = Field(COOLDOWN, ge=0)
    reading: str | None = None
    """An expression shown for each event (what triggered it); default: the condition's
    first field."""
    decline_pct: float | None = Field(None, gt=0)
    """Also count the events whose fall within a horizon reached this (10: a 10 % correction)."""
    near: str | None = None
    """An expression for how far the last session is from triggering, in percent (the
    Edge panel's "nearest setups" when none is active)."""

    @field_validator("horizons")
    @classmethod
    def _sorted_horizons(cls, horizons: tuple[int, ...]) -> tuple[int, ...]:
        if not horizons:
            raise ValueError("'horizons' needs at least one horizon")
        if min(horizons) < 1:
            raise ValueError("'horizons' are sessions, each at least 1")
        if len(set(horizons)) != len(horizons):
            raise ValueError("'horizons' lists a horizon twice")
        return tuple(sorted(horizons))

    @model_validator(mode="after")
    def _headline_measured(self) -> Study:
        if self.headline not in self.horizons:
            raise ValueError(f"'headline' {self.headline} is not one of 'horizons' {self.horizons}")
        return self


# -- loading --------------------------------------------------------------------------


def _where(origin: str, study: str | None) -> str:
    return f"{origin}: study '{study}'" if study else origin


def _invalid(origin: str, study: str | None, error: ValidationError) -> StudyError:
    """One line for a study's first validation error, naming its key."""
    first = error.errors()[0]
    key = ".".join(str(part) for part in first["loc"])
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    elif first["type"] == "value_error":
        message = str(first.get("ctx", {}).get("error", first["msg"]))
    else:
        message = first["msg"]
    where = _where(origin, study)
    return StudyError(f"{where}: key '{key}': {message}" if key else f"{where}: {message}")


def check_study(study: Study, origin: str) -> None:
    """Parse and check `study`'s condition, reading and near against the Snapshot's
    fields, and its series against `[symbols]`; StudyError naming `origin`, the study
    and the field when one is wrong."""
    from core.config import Symbols
    from core.rules import RuleError, compile_rule

    where = _where(origin, study.id)
    for field in ("series", "relative_to"):
        key = getattr(study, field)
        if key is not None and key not in Symbols.model_fields:
            known = ", ".join(Symbols.model_fields)
            raise StudyError(f"{where}: {field} '{key}' is not a key of [symbols] ({known})")
    if study.relative_to is not None and study.relative_to == study.series:
        raise StudyError(f"{where}: relative_to '{study.relative_to}' is the series itself")
    expressions = (("condition", "condition"), ("reading", "value"), ("near", "value"))
    for field, kind in expressions:
        source = getattr(study, field)
        if source is None:
            continue
        try:
            rule = compile_rule(source, kind="condition" if kind == "condition" else "value")
        except RuleError as error:
            raise StudyError(f"{where}: {field} {source!r}: {error}") from None
        if field == "near" and rule.type.kind != "number":
            shown = rule.type.describe()
            raise StudyError(f"{where}: near {source!r} must be a number (percent); it is {shown}")
    from core.section import builtin

    flat = [section.key for section in builtin() if section.readings is None]
    for key in sorted(names_read(study) & set(flat)):
        raise StudyError(f"{where}: reads the {key} section, which has no readings as history")


def names_read(study: Study) -> frozenset[str]:
    """The top-level names the study's condition, reading and near read: section keys
    (`price` for `price.last` and for `level(...)`) and envelope fields (`as_of`)."""
    from core.rules import parse, roots_read

    names: set[str] = set()
    for source in (study.condition, study.reading, study.near):
        if source is not None:
            names.update(roots_read(parse(source)))
    return frozenset(names)


def builtin_path() -> Traversable:
    """Where the built-in studies are stored (inside the installed package)."""
    return resources.files("core") / "studies" / "builtin.toml"


def read_studies_file(path: Traversable) -> dict[str, Study]:
    """The studies of a TOML file of `[[studies]]` tables, by id, checked; StudyError
    naming the file (and the study) when bad. No file: no studies."""
    origin = str(path)
    if not path.is_file():
        return {}
    tables = array_of_tables(path, "studies", StudyError)
    studies: dict[str, Study] = {}
    for number, table in enumerate(tables, start=1):
        name = table.get("id")
        label = name if isinstance(name, str) else f"#{number}"
        try:
            study = Study.model_validate(table)
        except ValidationError as error:
            raise _invalid(origin, label, error) from None
        if study.id in studies:
            raise StudyError(f"{_where(origin, study.id)}: the id is used twice")
        check_study(study, origin)
        studies[study.id] = study
    return studies


@cache
def builtin_studies() -> Mapping[str, Study]:
    """The built-in studies by id, in file order, read once (none without the file)."""
    return read_studies_file(builtin_path())


def apply_config(study_id: str, base: Study | None, table: StudyConfig, origin: str) -> Study:
    """`base` (None for a new study) with the fields `table` gives replaced; checked."""
    if ID.fullmatch(study_id) is None or len(study_id) > 64:
        raise StudyError(
            f"{origin}: study id '{study_id}': use lower-case letters, digits and '_'"
            " (starting with a letter, up to 64)"
        )
    given: dict[str, Any] = table.model_dump(exclude_none=True)
    fields = {**base.model_dump(), **given} if base is not None else {"id": study_id, **given}
    try:
        study = Study.model_validate(fields)
    except ValidationError as error:
        raise _invalid(origin, study_id, error) from None
    check_study(study, origin)
    return study


def load_studies(settings: Settings, *, origin: str = "settings") -> dict[str, Study]:
    """The built-in studies with `settings.studies` applied, by id: a table with a
    built-in id changes the fields it gives, any other id adds a study (built-ins first,
    in file order). `origin` names where the tables came from (the config file) in
    error messages. Raises StudyError, one line naming the file, the study and the key."""
    studies = dict(builtin_studies())
    for study_id, table in settings.studies.items():
        studies[study_id] = apply_config(study_id, studies.get(study_id), table, origin)
    return studies
