"""Hand-written fakes of our own ports, for tests that need a store only as a prop (test code, not shipped).

``memory_store.MemoryStore`` is checked by the same contract suite as the real store (``tests/contracts``),
so it cannot drift from it."""
