"""Test services and helpers."""

from datetime import UTC, datetime

# A SQLite file database gets its ballot key generated beside it; PostgreSQL needs one configured (bot/ballot_key.py):
# the tests' databases and processes on PostgreSQL share this one.
TEST_BALLOT_KEY = "forum-bot test ballot key, not secret"

# The simulated moment every test's forum starts at unless it says otherwise (the `forum` fixture, helpers that
# build a Forum): Monday 15 January 2024, 09:00 in Paris. No test depends on the day it runs; a transcript's first
# `@at` moves the clock from here (forward, running what falls due, or back).
FORUM_EPOCH = datetime(2024, 1, 15, 8, 0, tzinfo=UTC)
