"""Forum Bot: a chat bot for the Open Government Forum."""
