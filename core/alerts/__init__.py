"""Alerts and the day's log: rules in the language of core.rules that say when the
picture changes (a level crossed, a checklist item flipping, the gamma regime turning),
and the record of what changed. `alert` holds the definition (`Alert`, checked against
the Snapshot's fields when compiled) and `catalog` the alerts in force (`builtin.toml`
with the config's `[alerts.ID]` tables); `watch` is the pure state machine that turns
successive readings into firings, with hysteresis and cool-downs (`step` for one
refresh, `over_history` for a span); `statuses` finds the checklist items whose status
changed; `entry` is one line of the log (`LogEntry`), `journal` the stored log and the
watch state that survives a restart (its own SQLite file: the cache is disposable, the
log is not), `log_format` its text, JSON and CSV; `watcher` is what the engine runs on
each healthy live cycle, and `replay` runs the same over a span of history without
storing anything; `deliver` writes the ways a firing reaches a person through the
terminal (the bell, OSC 9/777/99 notifications, wrapped for tmux) and runs a user's
command."""
