"""The pipeline: schedule, ingest, match, deliver, pacing, retention (no telegram import)."""
