"""Query refusals and descriptions in the chat's language; ``feeds.query`` keeps its English and no Babel."""

from __future__ import annotations

import pickle

import pytest

from bot.chat.context import ChatContext
from bot.chat.i18n import translator
from bot.chat.query_text import QUERY_ERRORS, describe, query_error_text
from bot.chat.replies import help_text
from bot.chat.service import ChatService
from bot.pipeline.match import MatchService
from feeds.models import ChatKind
from feeds.query import Document, QueryError, parse_query
from feeds.query.lexer import MESSAGES
from storage.store import Store
from tests.cjk_text import ascii_punctuation_next_to_han

# (id, query, code, 简体 refusal, 繁體 refusal)
REFUSALS = [
    ("empty", "   ", "empty", "查询是空的", "查詢是空的"),
    ("control", "a\x07b", "control_character", "第 2 个字符是控制字符", "第 2 個字元是控制字元"),
    ("too-long", "a " * 300, "too_long", "查询太长（599 > 512 个字符）", "查詢太長（599 > 512 個字元）"),
    (
        "only-negative",
        "-sports",
        "no_required_term",
        "查询至少需要一个必须出现的词",
        "查詢至少需要一個必須出現的詞",
    ),
    (
        "unclosed-quote",
        'Binzhou "',
        "unclosed_quote",
        "第 9 个字符处的引号没有闭合",
        "第 9 個字元處的引號沒有閉合",
    ),
    (
        "unclosed-after",
        '"Weiqiao group',
        "unclosed_quote_after",
        '"Weiqiao 处的引号没有闭合',
        '"Weiqiao 處的引號沒有閉合',
    ),
    ("dangling-minus", "a - b", "minus_needs_term", "第 3 个字符处的“-”后面", "第 3 個字元處的「-」後面"),
    ("unknown-field", "foo:bar", "unknown_field", "字段“foo:”未知", "欄位「foo:」不明"),
    (
        "empty-title",
        "title: x",
        "title_needs_term",
        "“title:”后面必须紧跟一个词",
        "「title:」後面必須緊接一個詞",
    ),
    ("empty-source", "x source:", "source_needs_name", "紧跟信息源名称", "緊接資訊來源名稱"),
    (
        "unbalanced",
        "a) b",
        "unbalanced_parenthesis",
        "第 2 个字符处的括号不成对",
        "第 2 個字元處的括號不成對",
    ),
    ("dangling-or", "a OR", "operator_needs_terms", "“OR”两边都需要有词", "「OR」兩邊都需要有詞"),
    (
        "dangling-not",
        "a NOT",
        "needs_term_after",
        "第 3 个字符处的“NOT”后面需要一个词",
        "「NOT」後面需要一個詞",
    ),
    ("deep", "(" * 9 + "a" + ")" * 9, "nesting_too_deep", "嵌套太深（9 > 8）", "巢狀層數太深（9 > 8）"),
    ("empty-parens", "a () b", "empty_parentheses", "第 3 个字符处的括号是空的", "第 3 個字元處的括號是空的"),
    ("star-inside", "a*b", "star_not_at_end", "“*”只能放在词尾", "「*」只能放在詞尾"),
    ("short-prefix", "al*", "prefix_too_short", "前缀“al*”在“*”前至少需要 3 个字母", "字首「al*」在「*」前"),
    (
        "no-letters",
        'a "!!"',
        "nothing_to_search",
        '第 3 个字符处的 "!!" 中没有',
        '第 3 個字元處的 "!!" 中沒有',
    ),
    (
        "too-many",
        " ".join(f"w{i}" for i in range(33)),
        "too_many_terms",
        "词太多（33 > 32）",
        "詞太多（33 > 32）",
    ),
]


def _refusal(query: str) -> QueryError:
    with pytest.raises(QueryError) as caught:
        parse_query(query)
    return caught.value


def test_every_code_has_a_msgid_equal_to_the_english_text() -> None:
    assert QUERY_ERRORS == MESSAGES


@pytest.mark.parametrize(
    ("query", "code", "hans", "hant"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_refusals_in_every_language(query: str, code: str, hans: str, hant: str) -> None:
    error = _refusal(query)
    assert error.code == code
    assert query_error_text(error, translator("en")) == str(error)  # English unchanged
    assert hans in query_error_text(error, translator("zh-Hans"))
    assert hant in query_error_text(error, translator("zh-Hant"))


def test_every_code_is_exercised() -> None:
    assert {r[2] for r in REFUSALS} | {"missing_term_at_end"} == set(MESSAGES)  # the last one is guarded


def test_user_text_in_a_refusal_is_escaped_and_the_error_survives_pickling() -> None:
    error = _refusal('<b>&x "<i>')
    assert error.code == "unclosed_quote_after"
    assert "&lt;i&gt;" in query_error_text(error, translator("zh-Hans"))
    again = pickle.loads(pickle.dumps(error))
    assert (again.code, again.position, again.args_map, str(again)) == (
        error.code,
        error.position,
        error.args_map,
        str(error),
    )


DESCRIBED = [
    ("one-term", "Binzhou", "“binzhou”", "「binzhou」"),
    (
        "and-not",
        "Binzhou Shandong -aluminum",
        "全部包含：“binzhou”、“shandong”；都不包含：“aluminum”",
        "都不包含",
    ),
    (
        "or",
        "aluminium OR aluminum",
        "任意一个：“aluminium”、“aluminum”",
        "任一個：「aluminium」、「aluminum」",
    ),
    (
        "phrase-title",
        'title:"Weiqiao Pioneering"',
        "标题中的“weiqiao pioneering”（词组）",
        "標題中的「weiqiao",
    ),
    ("prefix", "alumin*", "“alumin*”（前缀）", "「alumin*」（字首）"),
    ("source", "Binzhou source:globe", "来自名称包含“globe”的信息源", "來自名稱包含「globe」的資訊來源"),
    (
        "nested-not",
        "Binzhou NOT (coal OR steel)",
        "都不包含：（任意一个：“coal”、“steel”）",
        "都不包含：（任一個：「coal」、「steel」）",
    ),
    ("cjk", "滨州 OR 魏桥", "任意一个：“滨州”、“魏桥”", "任一個：「滨州」、「魏桥」"),
]


@pytest.mark.parametrize(("query", "hans", "hant"), [d[1:] for d in DESCRIBED], ids=[d[0] for d in DESCRIBED])
def test_descriptions_in_every_language(query: str, hans: str, hant: str) -> None:
    parsed = parse_query(query)
    assert describe(parsed, translator("en")) == parsed.describe()  # English unchanged
    assert hans in describe(parsed, translator("zh-Hans"))
    assert hant in describe(parsed, translator("zh-Hant"))
    for language in ("zh-Hans", "zh-Hant"):
        assert ascii_punctuation_next_to_han(describe(parsed, translator(language))) == []


async def test_the_chat_answers_a_bad_query_and_a_subscription_in_chinese(store: Store) -> None:
    service = ChatService(store, MatchService(store))
    hans = ChatContext(3101, ChatKind.PRIVATE, user_id=3101, language_code="zh-cn")
    refused = (await service.handle(hans, "subscribe", "Binzhou OR")).html
    assert "这个查询无法使用：“OR”两边都需要有词。" in refused
    assert "needs a term" not in refused
    subscribed = (await service.handle(hans, "subscribe", "滨州 -铝业")).html
    assert "全部包含" not in subscribed and "“滨州”；都不包含：“铝业”" in subscribed
    english = ChatContext(3102, ChatKind.PRIVATE, user_id=3102, language_code="en-GB")
    assert '"OR" needs a term on both sides' in (await service.handle(english, "recent", "a OR")).html


def test_every_language_help_states_the_cross_script_rule_the_matcher_follows() -> None:
    """The help says 滨州 finds 濱州 but not Binzhou, and how to catch both: the matcher agrees."""
    for language in ("en", "zh-Hans", "zh-Hant"):
        text = help_text(is_admin=False, t=translator(language))
        assert " OR Binzhou</code>" in text and ("Binzhou：" in text or "Binzhou:" in text), language
    texts = ("滨州黄河", "濱州黃河", "Binzhou opens a park")
    found = [parse_query("滨州").explain(Document.from_parts("", t, "")) is not None for t in texts]
    assert found == [True, True, False]
    both = parse_query("滨州 OR Binzhou")
    assert all(both.explain(Document.from_parts("", t, "")) is not None for t in texts)
