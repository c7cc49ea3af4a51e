"""Scheduled work: sources of due items asked "what is due at now?", and the loops that ask them."""
