"""Transports: the only modules that speak a chat network's protocol (console, Telegram, Matrix)."""
