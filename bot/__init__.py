"""Wirewatch composition root: settings, CLI, scheduler jobs, chat services, Telegram adapter, delivery."""
