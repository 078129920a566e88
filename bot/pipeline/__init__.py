"""The pipeline: schedule, ingest, match, deliver, pacing and retention (never imports telegram)."""
