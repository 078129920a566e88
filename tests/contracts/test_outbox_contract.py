"""Contract: the alert outbox — enqueue (one alert per story per chat, ever; new means first seen after the
subscription), claims with a lease, and settlement only by the lease holder (``MatchStore``,
``OutboxStore``, ``AlertStore``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from feeds.models import ChatKind, Item
from feeds.values import Claim, MatchRecord
from tests.contracts.conftest import T0, WINDOW, Ports, chat_with_subscription, feed, release

LATER = T0 + timedelta(minutes=10)


def stored(ports: Ports, *identities: str) -> list[Item]:
    """New releases of feed ``alpha``, each its own story."""
    return ports.add_items(feed(ports), [release(i) for i in identities], WINDOW)


def enqueue(ports: Ports, items: list[Item], sub: int, chat_id: int) -> int:
    matches = [MatchRecord(item.id, sub, chat_id) for item in items]
    return ports.record_matches([item.id for item in items], matches, T0)


def claim(ports: Ports, owner: str, *, chats: int = 10, per_chat: int = 10, lease: int = 60) -> list[int]:
    taken = ports.claim_alerts(Claim(owner, LATER + timedelta(seconds=lease), chats, per_chat), LATER)
    return [alert.delivery_id for alert in taken]


def test_enqueue_is_one_alert_per_story_per_chat_ever(ports: Ports) -> None:
    sub = chat_with_subscription(ports, 5)
    items = stored(ports, "a", "b")
    assert enqueue(ports, items, sub, 5) == 2
    assert enqueue(ports, items, sub, 5) == 0  # idempotent
    second = ports.add_subscription(5, "harbor", T0 - timedelta(hours=1)).id
    assert enqueue(ports, items, second, 5) == 0  # the chat has these stories already
    assert ports.count_pending(5) == 2
    assert ports.unmatched_items(10) == []


def test_only_releases_first_seen_after_the_subscription_alert(ports: Ports) -> None:
    ports.touch_chat(5, ChatKind.PRIVATE)
    late = ports.add_subscription(5, "ferry", T0 + timedelta(minutes=1)).id
    assert enqueue(ports, stored(ports, "a"), late, 5) == 0


def test_paused_or_gone_chats_and_other_chats_get_nothing(ports: Ports) -> None:
    sub = chat_with_subscription(ports, 5)
    ports.set_paused(5, True)
    [a] = stored(ports, "a")
    assert enqueue(ports, [a], sub, 5) == 0
    ports.set_paused(5, False)
    assert enqueue(ports, [a], sub, 6) == 0  # the matcher named another chat
    ports.deactivate_chat(5)
    assert enqueue(ports, [a], sub, 5) == 0


def test_a_story_on_two_wires_is_one_alert_with_both_sources(ports: Ports) -> None:
    sub = chat_with_subscription(ports, 5)
    link = "https://wire.example.com/ferry"
    [first] = ports.add_items(feed(ports, "alpha"), [release("a", link=link)], WINDOW)
    [copy] = ports.add_items(feed(ports, "beta"), [release("b", link=link)], WINDOW)
    assert copy.story_id == first.story_id
    assert enqueue(ports, [first, copy], sub, 5) == 1
    assert [(s.feed_name, s.link) for s in ports.story_sources(first.story_id)] == [
        ("alpha", link),
        ("beta", link),
    ]


def test_claims_take_whole_chats_once(ports: Ports) -> None:
    a, b = chat_with_subscription(ports, 5), chat_with_subscription(ports, 6)
    items = stored(ports, "1", "2", "3")
    enqueue(ports, items[:2], a, 5)
    enqueue(ports, items[2:], b, 6)
    first = ports.claim_alerts(Claim("w1", LATER + timedelta(minutes=1), 1, 10), LATER)
    assert [(x.chat_id, x.item.id, x.query) for x in first] == [
        (5, items[0].id, "ferry"),
        (5, items[1].id, "ferry"),
    ]
    assert first[0].chat_kind is ChatKind.PRIVATE and first[0].attempts == 0
    assert [x.chat_id for x in ports.claim_alerts(Claim("w2", LATER, 10, 10), LATER)] == [6]
    assert claim(ports, "w3") == []
    assert ports.count_pending() == 3  # being sent is not sent yet


def test_per_chat_limit_and_kinds(ports: Ports) -> None:
    sub = chat_with_subscription(ports, -8, kind=ChatKind.GROUP)
    enqueue(ports, stored(ports, "1", "2", "3"), sub, -8)
    assert ports.claim_alerts(Claim("w1", LATER, 10, 10, kinds=[ChatKind.PRIVATE]), LATER) == []
    assert len(claim(ports, "w1", per_chat=2)) == 2
    assert claim(ports, "w2") == []  # the chat has rows being sent


def test_only_the_lease_holder_settles(ports: Ports) -> None:
    sub = chat_with_subscription(ports, 5)
    enqueue(ports, stored(ports, "1", "2"), sub, 5)
    ids = claim(ports, "w1")
    assert ports.mark_sent(ids, LATER, "w2") == 0
    assert ports.mark_retry(ids, not_before=LATER, error="x", owner="w2") == 0
    ports.give_up(ids, "x", "w2")
    assert ports.mark_sent(ids[:1], LATER, "w1") == 1
    assert ports.mark_sent(ids[:1], LATER, "w1") == 0
    assert ports.count_pending(5) == 1
    ports.give_up(ids[1:], "blocked", "w1")
    assert ports.count_pending(5) == 0


def test_a_lease_that_ran_out_is_taken_by_the_next_claimer(ports: Ports) -> None:
    sub = chat_with_subscription(ports, 5)
    enqueue(ports, stored(ports, "1"), sub, 5)
    ids = claim(ports, "dead", lease=-1)
    assert claim(ports, "dead") == []  # its own expired lease stays its own
    assert claim(ports, "alive") == ids
    assert ports.mark_sent(ids, LATER, "dead") == 0
    assert ports.renew_leases("alive", LATER + timedelta(hours=1)) == 1
    assert ports.mark_sent(ids, LATER, "alive") == 1


def test_release_returns_rows_untried(ports: Ports) -> None:
    sub = chat_with_subscription(ports, 5)
    enqueue(ports, stored(ports, "1", "2"), sub, 5)
    ids = claim(ports, "w1")
    assert ports.release_claims("w1", ids[:1]) == 1
    assert ports.release_claims("w2") == 0
    assert ports.release_claims("w1") == 1
    again = ports.claim_alerts(Claim("w2", LATER + timedelta(minutes=1), 10, 10), LATER)
    assert [(a.delivery_id, a.attempts) for a in again] == [(ids[0], 0), (ids[1], 0)]


def test_a_retry_waits_and_holds_its_chats_later_rows(ports: Ports) -> None:
    sub = chat_with_subscription(ports, 5)
    enqueue(ports, stored(ports, "1", "2"), sub, 5)
    first, second = claim(ports, "w1")
    ports.release_claims("w1", [second])
    assert (
        ports.mark_retry([first], not_before=LATER + timedelta(minutes=5), error="timeout", owner="w1") == 1
    )
    assert claim(ports, "w2") == []
    retried = ports.claim_alerts(
        Claim("w2", LATER + timedelta(hours=1), 10, 10), LATER + timedelta(minutes=5)
    )
    assert [(a.delivery_id, a.attempts) for a in retried] == [(first, 1), (second, 0)]
    assert ports.mark_retry([second], not_before=LATER, error="x") == 0  # no owner: pending rows only


def test_deactivating_a_chat_cancels_what_waits(ports: Ports) -> None:
    sub = chat_with_subscription(ports, 5)
    enqueue(ports, stored(ports, "1", "2"), sub, 5)
    claim(ports, "w1", per_chat=1)
    assert ports.deactivate_chat(5) == 2
    assert ports.count_pending(5) == 0
    chat = ports.get_chat(5)
    assert chat is not None and not chat.active


def test_a_claimed_alert_carries_at_most_a_message_of_the_body(ports: Ports) -> None:
    sub = chat_with_subscription(ports, 5)
    fid = feed(ports)
    short = replace(release("1"), language="zh-Hans")
    long = replace(release("2"), body="x" * 5000)
    items = ports.add_items(fid, [short, long], WINDOW)
    assert [item.language for item in items] == ["zh-Hans", None]
    enqueue(ports, items, sub, 5)
    first, second = ports.claim_alerts(Claim("w1", LATER, 10, 10), LATER)
    assert (first.item.body, first.item.language) == (short.body, "zh-Hans")
    assert second.item.body == "x" * 4096
    whole = ports.get_delivery(second.delivery_id)
    assert whole is not None and whole.item.body == long.body and whole.item.title == long.title


def test_removing_a_subscription_cancels_its_alerts_and_keeps_the_row(ports: Ports) -> None:
    sub = chat_with_subscription(ports, 5)
    enqueue(ports, stored(ports, "1"), sub, 5)
    [alert] = ports.pending_alerts(LATER, 10)
    ports.remove_subscription(5, sub)
    assert ports.count_pending(5) == 0
    gone = ports.get_delivery(alert.delivery_id)
    assert gone is not None and gone.subscription_id is None and gone.query is None
    assert ports.get_delivery(alert.delivery_id + 100) is None


def test_migration_moves_waiting_alerts_without_doubling_a_story(ports: Ports) -> None:
    sub = chat_with_subscription(ports, -5, kind=ChatKind.GROUP)
    items = stored(ports, "1", "2")
    enqueue(ports, items, sub, -5)
    new_sub = chat_with_subscription(ports, -100, "ferry", ChatKind.SUPERGROUP)
    enqueue(ports, items[:1], new_sub, -100)
    ports.migrate_chat(-5, -100, ChatKind.SUPERGROUP)
    moved = ports.pending_alerts(LATER, 10)
    assert sorted((a.chat_id, a.item.id) for a in moved) == [(-100, items[0].id), (-100, items[1].id)]
    assert ports.count_pending(-5) == 0


def test_match_batch_takes_queued_items_and_enqueues_in_one_unit(ports: Ports) -> None:
    sub = chat_with_subscription(ports, 5)
    fid = feed(ports)
    [backlog] = ports.add_items(fid, [release("backlog")], WINDOW, first_poll=True)  # never queued
    items = ports.add_items(fid, [release("1"), release("2")], WINDOW)
    seen: list[list[int]] = []

    def match(batch: list[Item]) -> list[tuple[list[int], list[MatchRecord]]]:
        seen.append([item.id for item in batch])
        return [([batch[0].id], [MatchRecord(batch[0].id, sub, 5)])]

    assert ports.match_batch(10, match, T0) == (2, 1)
    assert seen == [[items[0].id, items[1].id]]
    assert [item.id for item in ports.unmatched_items(10)] == [items[1].id]  # of no group: stays
    through = ports.matched_items_since(T0 - timedelta(hours=1), 10)
    assert [item.id for item in through] == [backlog.id, items[0].id]
    assert ports.matched_items_since(T0, 10) == []  # first seen after ``since`` only


def test_heartbeats_count_the_living_workers_of_a_role(ports: Ports) -> None:
    alive = timedelta(seconds=30)
    assert ports.worker_heartbeat("a", "deliver", T0, alive) == 1
    assert ports.worker_heartbeat("b", "deliver", T0 + timedelta(seconds=10), alive) == 2
    assert ports.worker_heartbeat("c", "fetch", T0 + timedelta(seconds=10), alive) == 1
    assert ports.worker_heartbeat("b", "deliver", T0 + timedelta(seconds=50), alive) == 1
    ports.forget_worker("b")
    assert ports.worker_heartbeat("a", "deliver", T0 + timedelta(seconds=60), alive) == 1
