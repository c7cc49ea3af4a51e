"""Pure rules of the forum: no I/O, no clock, no translation."""
