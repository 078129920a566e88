"""The subscription query language and the matcher.

Query language
--------------

==========================  ===================================================================
``Binzhou Shandong``        every term must appear (AND)
``"Weiqiao Pioneering"``    a phrase: the words next to each other, in order; spaces, line
                            breaks and punctuation between them do not matter
``aluminium OR aluminum``   either side (``OR`` in capitals; lowercase ``or`` is a word)
``-sports``, ``NOT sports`` must not appear; works on phrases and groups too: ``-(a b)``
``(Binzhou OR Dongying)``   grouping: ``(Binzhou OR Dongying) Shandong``
``alumin*``                 any word starting with ``alumin`` (at least 3 letters before ``*``)
``title:Binzhou``           only in the headline; also ``title:"..."`` and ``title:(a OR b)``
``source:xinhua``           only items from feeds whose name contains ``xinhua``
==========================  ===================================================================

``OR`` binds tighter than the spaces between terms: ``Binzhou aluminium OR aluminum`` means
``Binzhou (aluminium OR aluminum)``. ``AND`` may be written but is the same as a space.

How text matches
----------------

* Text and query are normalized alike: full-width letters become ASCII, case is ignored (``Straße`` =
  ``strasse``), accents are ignored (``Zürich`` = ``zurich``).
* A word matches whole words only: ``coal`` matches ``coal-fired`` and ``Coal.`` but not ``coalition``;
  ``China`` matches ``China's``; ``5G`` does not match ``5GW``. Chinese, Japanese or Korean characters
  end a word, so ``Binzhou`` matches inside ``滨州Binzhou市``.
* Chinese, Japanese and Korean terms match anywhere, even inside a longer run: ``滨州`` matches
  ``山东省滨州市``.
* Terms match in the title or the body unless ``title:`` is given.

Limits: 512 characters, 32 terms, 8 levels of parentheses; a query needs at least one term that must
appear (``-sports`` alone, or ``a OR -b``, is refused). Invalid queries are refused with a plain message
saying what and where (``QueryError``); nothing the user types is ever run as a regular expression.

Matching many queries
---------------------

``SubscriptionIndex`` holds every active query in one inverted index keyed by each query's *anchors*
(a term every match must contain); an item is prepared once (``Document``: its distinct words and CJK
character pairs), those keys are looked up, and only the queries found are checked, each by a plan made
when it was added (``plan``): a lone word or CJK term matches outright, ANDs and exclusions of words are
set tests, and only phrases, prefixes, ``title:`` and ``source:`` terms run a compiled predicate. Under
its anchor a query that needs one more key is filed by it (``postings``), so a document without that key
never reaches the query's checks. Load many
stored queries with ``SubscriptionIndex.load_texts`` (each distinct text parsed once; ``freeze=True`` keeps
the collector from rescanning them); common query shapes are parsed without the general parser
(``shortcut``). The index counts which words and CJK pairs are common in the first documents it matches
(``frequency``) and then, once, re-anchors each AND or phrase on its rarest option (``rebalance``; the
results never change, only how many queries are checked).
"""

from feeds.query.document import Document
from feeds.query.explain import Explanation, MatchedTerm
from feeds.query.highlight import highlight_spans, unshown_spans
from feeds.query.index import SubscriptionIndex
from feeds.query.lexer import QueryError
from feeds.query.normalize import normalize_text
from feeds.query.query import Query, parse_query

__all__ = [
    "Document",
    "Explanation",
    "MatchedTerm",
    "Query",
    "QueryError",
    "SubscriptionIndex",
    "highlight_spans",
    "normalize_text",
    "parse_query",
    "unshown_spans",
]
