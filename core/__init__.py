"""Regime's engine: configuration, market session, data sources, store, indicators,
signals, theses and the Snapshot they produce. Nothing here imports textual or rich
(a test enforces it), so the engine runs headless in scripts, cron jobs and tests."""
