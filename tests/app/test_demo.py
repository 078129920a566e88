"""The demo runs on a fresh machine: bundled feeds, loopback only, the expected alerts, exit 0."""

from __future__ import annotations

import io
import re

from bot.entry.demo import run_demo


async def test_demo_shows_the_expected_alerts_once() -> None:
    out = io.StringIO()
    assert await run_demo(out) == 0
    text = out.getvalue()
    subscribed = text.split("=== 1.")[1].split("=== 2.")[0]
    assert "[➕ 滨州 · 3 in 90 days]" in subscribed, "Binzhou offers 滨州 with the stored evidence"
    assert "you> [➕ 滨州 · 3 in 90 days]\nSubscription #1 is now Binzhou OR 滨州" in subscribed
    alerts = text.split("=== 3.")[1].split("=== 4.")[0]
    assert "滨州黄河绿色铝产业园开园" in alerts and "濱州港第二個滾裝泊位啟用" in alerts, (
        "Chinese releases alert"
    )
    assert "濱州增設觀鳥步道" not in alerts, "a release stored before the subscription alerted"
    assert "Binzhou Opens Yellow River Green Aluminum Park" in alerts
    assert "Weiqiao Pioneering Group Unveils Recycled Cotton Line" in alerts
    assert "Qingdao Port and Rotterdam Sign Green Shipping Corridor" in alerts
    assert "Shandong Aluminum Exports Climb" not in alerts, "the exclusion -aluminum was ignored"
    assert "Northwind Therapeutics" not in alerts
    assert alerts.count("Binzhou Opens Yellow River") == 1, "one story on two wires alerted twice"
    assert "also on" in alerts
    assert "<b>" not in alerts, "HTML was not turned into terminal text"
    again = text.split("=== 4.")[1].split("=== 5.")[0]
    assert re.search(r"new items: 0, alerts queued: 0, sent: 0", again)
    search = text.split("=== 5.")[1].split("=== 6.")[0]
    assert "/recent Binzhou" in search and "Binzhou Opens Yellow River" in search
    assert "滨州黄河绿色铝产业园开园" in search
    assert "[🔕 Mute 1 d]  [✖ Unsubscribe]  [❓ Why?]" in alerts, "alerts carry their buttons"
    digest = text.split("=== 6.")[1]
    assert "alerts held for the digest: 2" in digest and "sent before 08:00: 0" in digest
    assert digest.count("Digest 08:00 (Asia/Shanghai) · 2 stories") == 1
    assert "Binzhou Port Adds a Second Ro-Ro Berth" in digest and "Shandong Solar Farms" in digest
    assert "Demo finished: 5 alerts and 1 digest delivered" in text
