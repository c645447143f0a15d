"""One module per panel's analysis, each pure: pandas data in, a Snapshot part out.
They never fetch, never read the clock and never look past the last bar given."""
