"""The Mini App: a page served with a JSON API over the chat's command-group services (no ``telegram``,
no ``storage``); every API call is authenticated by Telegram's init data."""
