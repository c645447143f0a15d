"""Alerts: rules in the language of core.rules that say when the picture changes (a
level crossed, a checklist item flipping, the gamma regime turning). `alert` holds the
definition (`Alert`, a pydantic model checked against the Snapshot's fields when
compiled); `watch` the pure state machine that turns successive readings into firings
(`step` for one refresh, `over_history` for a replay), with a `WatchState` that
survives a restart so an alert that already fired does not fire again. Neither module
delivers anything (toasts, bells, OSC escapes) nor stores anything: callers do."""
