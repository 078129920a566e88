"""``wirewatch feeds add|remove|export|import`` run as a user runs them, against a loopback feed server."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from feeds.opml import parse_opml
from tests.e2e.test_cli import wirewatch
from tests.feed_pages import titled_feed
from tests.feed_server import FeedServer

FEED = titled_feed("Harbor Wire", [("h-1", "Solar ferry opens", datetime(2026, 11, 26, 8, 30, tzinfo=UTC))])


def config_for(tmp_path: Path, server: FeedServer, db: str, with_config_feed: bool = True) -> Path:
    port = server.base_url.rsplit(":", 1)[1]
    path = tmp_path / f"{db}.toml"
    text = (
        f'[database]\nurl = "sqlite:///{tmp_path / db}.db"\n'
        f"[polling]\nallowed_ports = [{port}]\nallow_private_networks = true\n"  # the feed server is loopback
    )
    if with_config_feed:
        text += f'[[feeds]]\nname = "Config Wire"\nurl = "{server.url("/config.xml")}"\n'
    path.write_text(text)
    return path


def test_add_list_remove(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.add("/harbor.xml", FEED)
    feed_server.redirect("/old", "/harbor.xml", 302)
    config = str(config_for(tmp_path, feed_server, "one"))
    added = wirewatch(
        "feeds",
        "add",
        feed_server.url("/harbor.xml"),
        "--name",
        "Harbor",
        "--interval",
        "5m",
        "--config",
        config,
    )
    assert added.returncode == 0, added.stderr
    assert (
        "Added #2 Harbor: Harbor Wire" in added.stdout
        and "1 item, the newest from 2026-11-26 08:30 UTC" in added.stdout
        and "5 minutes" in added.stdout
    )
    again = wirewatch("feeds", "add", feed_server.url("/old"), "--config", config)
    assert again.returncode == 1 and "polled already, as #2 Harbor" in again.stderr
    listing = wirewatch("feeds", "--config", config)
    rows = {line.split("  ")[0]: line.split() for line in listing.stdout.splitlines()[1:]}
    assert "ORIGIN" in listing.stdout
    assert "cli" in rows["Harbor"] and "config" in rows["Config Wire"]
    missing = wirewatch("feeds", "add", feed_server.url("/none.xml"), "--config", config)
    assert missing.returncode == 1 and "HTTP 404" in missing.stderr
    bad = wirewatch("feeds", "add", "file:///etc/passwd", "--config", config)
    assert bad.returncode == 1 and "refused: only http and https links" in bad.stderr
    assert wirewatch("feeds", "add", "x", "--interval", "soon", "--config", config).returncode == 2
    config_feed = wirewatch("feeds", "remove", "Config Wire", "--config", config)
    assert config_feed.returncode == 1 and "config file" in config_feed.stderr
    removed = wirewatch("feeds", "remove", "harbor", "--config", config)
    assert removed.returncode == 0 and "Removed #2 Harbor" in removed.stdout
    assert "Harbor" not in wirewatch("feeds", "--config", config).stdout


def test_export_imported_into_an_empty_database_gives_the_same_feeds(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.add("/harbor.xml", FEED)
    first = str(config_for(tmp_path, feed_server, "first"))
    assert wirewatch("feeds", "add", feed_server.url("/harbor.xml"), "--config", first).returncode == 0
    exported = tmp_path / "feeds.opml"
    done = wirewatch("feeds", "export", "-o", str(exported), "--config", first)
    assert done.returncode == 0 and "Wrote 2 feeds" in done.stdout
    empty = str(config_for(tmp_path, feed_server, "empty", with_config_feed=False))
    imported = wirewatch("feeds", "import", str(exported), "--config", empty)
    assert imported.returncode == 0, imported.stderr
    assert "added as Harbor Wire" in imported.stdout and "added as Config Wire" in imported.stdout
    assert "2 added, 0 already present, 0 refused." in imported.stdout
    again = wirewatch("feeds", "import", str(exported), "--config", empty)
    assert "0 added, 2 already present, 0 refused." in again.stdout
    back = wirewatch("feeds", "export", "--config", empty)
    assert back.returncode == 0
    assert parse_opml(back.stdout.encode()) == parse_opml(exported.read_bytes())
    broken = tmp_path / "broken.opml"
    broken.write_text('<!DOCTYPE x [<!ENTITY a "b">]><opml><body/></opml>')
    refused = wirewatch("feeds", "import", str(broken), "--config", empty)
    assert refused.returncode == 1 and "can't import" in refused.stderr
