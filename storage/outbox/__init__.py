"""The two outboxes (alert deliveries and spike alerts) over one lease discipline (``lease``).

A row exists before anything is sent; a sender takes rows with a lease (``sending``, ``claimed_by``,
``lease_until``); only the holder of the lease settles a row (sent, retry, give up) or releases it untried;
a lease that runs out returns the row to pending. ``enqueue`` writes delivery rows from matches, ``views``
reads them, ``claims`` takes them, ``settle`` records the outcome; ``spikes`` is the spike alert outbox.
"""
