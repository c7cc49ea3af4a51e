"""Monitoring the action plan: commitments, their milestones, status updates, the plan's import, overdue work.

Queries and state changes only; the chat wording is in bot/wording/tracking.py, the pure rules in
bot/rules/progress.py.
"""
