"""Plain-text rendering of a Snapshot for `regime snapshot --format text`: the same
readings the panels show, one short block per section (each section writes its own,
see `core.section`), with "unknown" where a value could not be computed and the
section's status line saying why. No colour and no terminal library: it is meant
for pipes, logs and cron mail."""

from __future__ import annotations

from core import format as fmt
from core.snapshot import Snapshot


def render_text(snapshot: Snapshot) -> str:
    """The whole Snapshot as a short plain-text report."""
    market = snapshot.market
    lines = [f"Regime · {snapshot.source.label} · as of {fmt.ny_time(snapshot.as_of)}"]
    if snapshot.source.detail:
        lines.append(f"  source: {snapshot.source.detail}")
    upcoming = market.next_close if market.phase == "regular" else market.next_open
    verb = "closes" if market.phase == "regular" else "opens"
    when = f" · {verb} {fmt.ny_time(upcoming)}" if upcoming else ""
    lines.append(f"Market: {market.phase}{when}")
    for section, reading in snapshot.sections():
        lines.append("")
        lines.extend(section.text(reading))
    return "\n".join(lines)
