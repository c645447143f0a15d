"""Historical-edge studies (issue 11): what happened after setups like today's. A study
is data (`builtin.toml`, the user's `[studies.ID]` tables): a condition in the rule
language evaluated over the history of readings, the series whose forward returns it
measures, its horizons and cool-down. `study` holds the definition and its loading,
`events` finds the events, `forward` the forward returns and drawdowns, `stats` the
statistics against the baseline, `run` puts them together into a `result.StudyResult`."""
