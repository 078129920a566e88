"""``wirewatch match QUERY``: test a query against a text read from stdin; prints ``match`` or ``no match``.

Kept apart from the other commands and dispatched before the settings are loaded: it reads no config and no
database, so it imports only the query language and starts fast (measured with ``python -X importtime``).
"""

from __future__ import annotations

import argparse
from typing import TextIO

MATCH = 0
NO_MATCH = 1
BAD_QUERY = 2
PROMPT = "Type or paste the text to test, then press Ctrl-D on a line of its own:"


def match(args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """0 match, 1 no match, 2 invalid query; one verdict line, and with ``--explain`` what matched where."""
    from feeds.query import Document, QueryError, parse_query

    try:
        query = parse_query(args.query)
    except QueryError as exc:
        print(f"wirewatch: bad query: {exc}", file=stderr)
        return BAD_QUERY
    if stdin.isatty():
        print(PROMPT, file=stderr, flush=True)
    document = Document.from_parts(args.title, stdin.read(), args.source)
    explanation = query.explain(document)
    if args.explain:
        print(f"query: {query.describe()}", file=stdout)
    print("match" if explanation is not None else "no match", file=stdout)
    if args.explain:
        for term in explanation.terms if explanation else ():
            spans = ", ".join(f"{a}-{b}" for a, b in term.spans)
            print(f"matched {term.term!r} in {term.field} at {spans}", file=stdout)
    return MATCH if explanation is not None else NO_MATCH
