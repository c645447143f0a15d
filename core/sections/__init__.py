"""The sections of the Snapshot, one module each; every module here that defines
`SECTION` is registered by `core.section.builtin()` (see core/section.py)."""
