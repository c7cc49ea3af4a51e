"""Test services and helpers."""

# A SQLite file database gets its ballot key generated beside it; PostgreSQL needs one configured (bot/ballot_key.py):
# the tests' databases and processes on PostgreSQL share this one.
TEST_BALLOT_KEY = "forum-bot test ballot key, not secret"
