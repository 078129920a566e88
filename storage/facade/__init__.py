"""The parts of ``storage.store.Store``, one per domain, each a mixin over ``base.StoreBase``.

Each method opens one transaction and calls the repositories (``storage.*_repo``, ``storage.outbox``);
``Store`` composes the parts.
"""
