"""Regime's widgets: one per dashboard panel (price, RSI, breadth, VIX, trend,
checklist), the status line, and the small shared pieces they stand on (the Panel
base, the value table, number and freshness formatting). Widgets never fetch or
compute: each renders its part of a Snapshot and nothing else."""
