"""Pure rules: periods, vote counting and forum cadence, with no I/O."""
