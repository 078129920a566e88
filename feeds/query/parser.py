"""Recursive-descent parser from lexemes to a node tree.

Grammar (``OR`` binds tighter than the implicit AND, as in web search)::

    query   := and_expr
    and_expr:= or_expr ( ["AND"] or_expr )*
    or_expr := unary ( "OR" unary )*
    unary   := ( "NOT" | "-" )* primary
    primary := "(" and_expr ")" | "title:" primary | "source:" (word | phrase) | word | phrase
"""

from __future__ import annotations

import dataclasses

from feeds.query.lexer import Kind, Lexeme, QueryError, lex
from feeds.query.nodes import And, Field, Node, Not, Or, Source, Term
from feeds.query.normalize import is_cjk, normalize_text, tokenize

MAX_DEPTH = 8
MIN_PREFIX = 3
_STOP = (Kind.RPAREN, Kind.OR, Kind.AND)


class _Parser:
    def __init__(self, text: str) -> None:
        self.lexemes = lex(text)
        self.pos = 0
        self.depth = 0

    def peek(self) -> Lexeme | None:
        return self.lexemes[self.pos] if self.pos < len(self.lexemes) else None

    def take(self) -> Lexeme:
        lexeme = self.lexemes[self.pos]
        self.pos += 1
        return lexeme

    def parse(self) -> Node:
        node = self.and_expr()
        extra = self.peek()
        if extra is not None:  # only a stray ")" can stop and_expr early
            raise QueryError("unbalanced_parenthesis", extra.index + 1)
        return node

    def and_expr(self) -> Node:
        parts = [self.or_expr()]
        while (lexeme := self.peek()) is not None and lexeme.kind != Kind.RPAREN:
            if lexeme.kind == Kind.AND:
                self.take()
                self.operand_after(lexeme)
            parts.append(self.or_expr())
        return _join(And, parts)

    def or_expr(self) -> Node:
        first = self.peek()
        if first is not None and first.kind in (Kind.OR, Kind.AND):
            raise QueryError("operator_needs_terms", first.index + 1, operator=str(first.kind))
        parts = [self.unary()]
        while (lexeme := self.peek()) is not None and lexeme.kind == Kind.OR:
            self.take()
            self.operand_after(lexeme)
            parts.append(self.unary())
        return _join(Or, parts)

    def operand_after(self, operator: Lexeme) -> None:
        following = self.peek()
        if following is None or following.kind in _STOP:
            raise QueryError("operator_needs_terms", operator.index + 1, operator=str(operator.kind))

    def unary(self) -> Node:
        negations = 0
        while (lexeme := self.peek()) is not None and lexeme.kind in (Kind.NOT, Kind.MINUS):
            self.take()
            following = self.peek()
            if following is None or following.kind in _STOP:
                raise QueryError("needs_term_after", lexeme.index + 1, operator=lexeme.text)
            negations += 1
        node = self.primary()
        for _ in range(negations):
            node = node.part if isinstance(node, Not) else Not(node)
        return node

    def primary(self) -> Node:
        lexeme = self.peek()
        if lexeme is None or lexeme.kind in _STOP:
            raise QueryError("missing_term_at_end")  # guarded by callers
        self.take()
        if lexeme.kind == Kind.LPAREN:
            return self.group(lexeme)
        if lexeme.kind == Kind.FIELD:
            return self.field(lexeme)
        if lexeme.kind in (Kind.WORD, Kind.PHRASE):
            return make_term(lexeme)
        raise QueryError("needs_term_after", lexeme.index + 1, operator=lexeme.text)

    def group(self, opening: Lexeme) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError("nesting_too_deep", opening.index + 1, depth=self.depth, limit=MAX_DEPTH)
        following = self.peek()
        if following is not None and following.kind == Kind.RPAREN:
            raise QueryError("empty_parentheses", opening.index + 1)
        if following is None:
            raise QueryError("unbalanced_parenthesis", opening.index + 1)
        node = self.and_expr()
        closing = self.peek()
        if closing is None:
            raise QueryError("unbalanced_parenthesis", opening.index + 1)
        self.take()
        self.depth -= 1
        return node

    def field(self, prefix: Lexeme) -> Node:
        target = self.peek()
        if prefix.text == "source":
            if target is None or target.kind not in (Kind.WORD, Kind.PHRASE):
                raise QueryError("source_needs_name", prefix.index + 1)
            self.take()
            return Source(" ".join(_tokens(target)))
        if target is None or target.kind not in (Kind.WORD, Kind.PHRASE, Kind.LPAREN):
            raise QueryError("title_needs_term", prefix.index + 1)
        return _in_title(self.primary())


def parse(text: str) -> Node:
    """The node tree of a query text (already stripped and length-checked); raises ``QueryError``."""
    return _Parser(text).parse()


def make_term(lexeme: Lexeme) -> Term:
    """A term from a word or phrase lexeme: normalized tokens, with a checked trailing ``*`` on words."""
    prefix = lexeme.kind == Kind.WORD and lexeme.text.endswith("*")
    if lexeme.kind == Kind.WORD and "*" in lexeme.text[:-1]:
        raise QueryError("star_not_at_end", lexeme.index + 1, word=lexeme.text)
    tokens = _tokens(lexeme, allow_empty=prefix)
    if prefix and tokens and is_cjk(tokens[-1]):
        prefix = False  # CJK terms already match inside longer text
    elif prefix and (not tokens or len(tokens[-1]) < MIN_PREFIX):
        raise QueryError("prefix_too_short", lexeme.index + 1, word=lexeme.text, minimum=MIN_PREFIX)
    return Term(tokens, prefix=prefix)


def _tokens(lexeme: Lexeme, allow_empty: bool = False) -> tuple[str, ...]:
    tokens = tuple(tokenize(normalize_text(lexeme.text)))
    if not tokens and not allow_empty:
        shown = f'"{lexeme.text}"' if lexeme.kind == Kind.PHRASE else lexeme.text
        raise QueryError("nothing_to_search", lexeme.index + 1, term=shown)
    return tokens


def _in_title(node: Node) -> Node:
    if isinstance(node, Term):
        return dataclasses.replace(node, field=Field.TITLE)
    if isinstance(node, And | Or):
        return type(node)(tuple(_in_title(part) for part in node.parts))
    if isinstance(node, Not):
        return Not(_in_title(node.part))
    return node


def _join(kind: type[And] | type[Or], parts: list[Node]) -> Node:
    """One node for several parts, flattening nested nodes of the same kind."""
    flat: list[Node] = []
    for part in parts:
        flat.extend(part.parts if isinstance(part, kind) else (part,))
    return flat[0] if len(flat) == 1 else kind(tuple(flat))


def count_terms(node: Node) -> int:
    """How many terms and sources a query holds (negated ones included)."""
    if isinstance(node, (And, Or)):
        total = 0
        for part in node.parts:
            total += 1 if isinstance(part, (Term, Source)) else count_terms(part)
        return total
    if isinstance(node, Not):
        return count_terms(node.part)
    return 1
