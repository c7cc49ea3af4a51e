"""The public web site: the register, commitments, meetings, members and open data, read from the bot's database.

`bot/web/site.py` turns a path into a page (server-rendered HTML, no JavaScript); `server.py` serves it with
aiohttp (`forum-bot web`, or `forum-bot run` with `[web] enabled = true`); `build.py` writes it as static files
(`forum-bot site build DIR`). Pages read through bot/domain/ queries and bot/wording/, never a handler; what
the public may see is bot/domain/visibility.py's to say."""
