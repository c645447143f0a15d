"""Data sources, all behind the small protocol in `base`: `sim` (deterministic
simulated market, the offline default), `files` (a directory of daily CSVs) and
`yahoo` (yfinance; the only module that imports it). `select` builds the source a
`--source` value names, including `auto`'s fallback chain."""
