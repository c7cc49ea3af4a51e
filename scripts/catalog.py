"""Keep the gettext catalogs in step with the code: `python scripts/catalog.py sync|check` (see bot/catalogs.py)."""

import sys

from bot.catalogs import main

sys.exit(main(sys.argv[1:]))
