"""The chat command groups and their replies, over the real store."""
