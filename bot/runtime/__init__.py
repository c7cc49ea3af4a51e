"""Running the bot: the process (bot/runtime/process.py), the real-time scheduler, and the receiver lock that lets
one process at a time receive each network's events."""
