"""The last Snapshot, kept on disk so that the next start paints real readings at
once — before pandas, the calendar and the store are even loaded — and then replaces
them with the engine's first refresh. The file is keyed by the source setting, so a
simulated reading is never shown for another source, and replays neither read nor
write it. A restored Snapshot is never passed off as fresh: panels that were LIVE,
DELAYED or CLOSED become STALE (their as-of time shows the age) and the source line
says it is the last run's reading. The file is written to a temporary file of a
unique name beside it and then renamed over it, so two processes saving at once never
mix their bytes; a file that cannot be loaded (not JSON, a Snapshot that no longer
validates, a NaN where a model forbids one) is discarded, and the start proceeds
without it. A Snapshot saved before a section was added (one with no `gamma`) still
loads: each section it lacks shows its fallback, saying it was not in the last run's
readings. This module imports only pydantic models (the sections' declarations)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
from pydantic import ValidationError

from core.atomic_file import write_atomically
from core.section import Registry, builtin
from core.snapshot import Freshness, PanelStatus, Snapshot

if TYPE_CHECKING:
    from core.config import Settings

log = logging.getLogger(__name__)

FILE_NAME = "last-snapshot.json"
AGED_STATES: frozenset[Freshness] = frozenset({"LIVE", "DELAYED", "CLOSED"})
"""States that stop being true once the process that saw them has gone."""
NOT_SAVED = "not in the last run's readings"
"""What a section added since the Snapshot was saved says until the first refresh."""


def last_snapshot_path() -> Path:
    """Where the last Snapshot is kept: the platform's user cache directory."""
    return Path(platformdirs.user_cache_dir("regime")) / FILE_NAME


def save(path: Path, snapshot: Snapshot, source: str) -> None:
    """Write `snapshot` for the `source` setting, atomically; failures are logged, never
    raised (losing this file only costs the next start its instant paint)."""
    payload = json.dumps({"source": source, "snapshot": snapshot.model_dump(mode="json")})
    try:
        write_atomically(path, payload.encode())
    except OSError as error:
        log.warning("could not save the last snapshot to %s: %s", path, error)


def load(
    path: Path, source: str, sections: Registry | None = None, settings: Settings | None = None
) -> Snapshot | None:
    """The Snapshot saved for `source` with `sections` (default: the built-in ones), or
    None: absent or unreadable, saved for another source, or discarded (see `discard`)
    because it is not JSON or its Snapshot no longer validates. A section it lacks
    shows its fallback (with `settings`, default ones: see `with_missing_sections`)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        payload = json.loads(data)
    except ValueError as error:  # not UTF-8 text, or not JSON
        discard(path, f"not JSON ({error})")
        return None
    if not isinstance(payload, dict):
        discard(path, "not a saved Snapshot")
        return None
    if payload.get("source") != source:
        return None
    registry = sections if sections is not None else builtin()
    try:
        saved = with_missing_sections(payload.get("snapshot"), registry, settings)
        return registry.snapshot_model.model_validate(saved)
    except ValidationError as error:
        discard(path, f"its Snapshot does not validate ({error.error_count()} errors)")
        return None


def with_missing_sections(saved: Any, registry: Registry, settings: Settings | None = None) -> Any:
    """`saved` (a Snapshot as JSON) with each section of `registry` it lacks (added since
    it was saved) as that section's fallback, STALE, saying `NOT_SAVED`; as it is when
    it lacks none, or every one (then it is no Snapshot of these sections)."""
    if not isinstance(saved, dict):
        return saved
    missing = [section for section in registry if section.key not in saved]
    if not missing or len(missing) == len(registry.sections):
        return saved
    if settings is None:
        from core.config import Settings

        # Defaults only, not the environment's: a fallback reads no more than the index.
        settings = Settings.model_construct()
    status = PanelStatus(state="STALE", detail=NOT_SAVED)
    added = {
        section.key: section.fallback(status, settings).model_dump(mode="json")
        for section in missing
    }
    return {**saved, **added}


def discard(path: Path, why: str) -> None:
    """Delete the saved Snapshot at `path`, which cannot be shown (`why`), so that no
    later start trips on it; a file that cannot be deleted is left, logged."""
    log.warning("discarding the last snapshot %s: %s", path, why)
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        log.warning("could not delete %s: %s", path, error)


def _aged(status: PanelStatus) -> PanelStatus:
    # The last run's failure text is not this run's: only its one line stays.
    status = status.model_copy(update={"full_detail": None})
    if status.state not in AGED_STATES:
        return status
    return status.model_copy(update={"state": "STALE"})


def restored(snapshot: Snapshot) -> Snapshot:
    """`snapshot` as the last run's reading: aged states become STALE and the source
    line says where the readings come from."""
    update: dict[str, object] = {
        section.key: reading.model_copy(update={"status": _aged(reading.status)})
        for section, reading in snapshot.sections()
    }
    when = f"{snapshot.as_of:%Y-%m-%d %H:%M}"
    update["source"] = snapshot.source.model_copy(
        update={
            "label": f"{snapshot.source.label} · last run",
            "detail": f"showing the last run's readings (as of {when}) while the engine starts",
        }
    )
    return snapshot.model_copy(update=update)
