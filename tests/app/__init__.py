"""The whole app in this process against the fake Telegram server and loopback feed servers."""
