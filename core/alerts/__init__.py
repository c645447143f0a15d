"""Alerts (issue 12): rules in the language of core.rules that say when the picture
changes (a level crossed, a checklist item flipping, the gamma regime turning). `alert`
holds the definition (`Alert`, a pydantic model checked against the Snapshot's fields
when compiled); `watch` the pure state machine that turns successive readings into
firings (`step` for one refresh, `over_history` for a replay), with a `WatchState` that
survives a restart so an alert that already fired does not fire again; `deliver` the
ways a firing reaches a person (the bell, OSC 9/777/99 desktop notifications through the
terminal, wrapped for tmux, and a user's command). Not yet wired into the engine, the
app or the CLI; nothing here stores anything."""
