"""The Telegram adapter: the only package that imports python-telegram-bot."""
