"""The chat: transport-free chat service, replies and rendering (no telegram import)."""
