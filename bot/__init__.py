"""Forum Bot: the chat bot that runs the day-to-day coordination of a multistakeholder forum."""
