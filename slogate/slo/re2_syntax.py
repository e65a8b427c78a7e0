"""What Python's `re` accepts but Prometheus' RE2 (Go's regexp) refuses.

A regex in an SLO file is compiled by Prometheus only when the first query runs, after a
whole gate run; this finds the Python-only constructs at validation (exit 2) instead:
lookarounds `(?=` `(?!` `(?<=` `(?<!`, atomic groups `(?>`, conditionals `(?(`,
backreferences `\\1`, and possessive quantifiers `*+` `++` `?+` `{n}+`.
"""

from __future__ import annotations

import re

from slogate.slo.selector_syntax import regex_matcher_values

_REPETITION = re.compile(r"\{\d+(?:,\d*)?\}")
_GROUPS = (
    ("(?<=", "a lookbehind (?<=...)"),
    ("(?<!", "a negative lookbehind (?<!...)"),
    ("(?=", "a lookahead (?=...)"),
    ("(?!", "a negative lookahead (?!...)"),
    ("(?>", "an atomic group (?>...)"),
    ("(?(", "a conditional (?(...)"),
)


def re2_unsupported(pattern: str) -> str | None:
    """The first construct of `pattern` RE2 refuses, described; None when there is none."""
    i, in_class = 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            following = pattern[i + 1 : i + 2]
            if not in_class and following in tuple("123456789"):
                return f"a backreference (\\{following})"
            i += 2
            continue
        if in_class:
            in_class = char != "]"
            i += 1
            continue
        if char == "[":
            i += 1
            i += pattern.startswith("^", i)
            i += pattern.startswith("]", i)  # a ] first in a class is literal
            in_class = True
            continue
        for opening, what in _GROUPS:
            if pattern.startswith(opening, i):
                return what
        end = i + 1
        if char == "{" and (repetition := _REPETITION.match(pattern, i)):
            end = repetition.end()
        quantifier = char in "*+" or end > i + 1 or (char == "?" and pattern[i - 1 : i] != "(")
        if quantifier and pattern.startswith("+", end):
            return f"a possessive quantifier ({pattern[i : end + 1]})"
        i = end
    return None


def selector_re2_problem(selector: str) -> str | None:
    """Why Prometheus would refuse a regex matcher of `selector`; None when it would not."""
    for pattern in regex_matcher_values(selector):
        unsupported = re2_unsupported(pattern)
        if unsupported:
            return (
                f'a regular expression Prometheus (RE2) accepts in the matcher "{pattern}": '
                f"{unsupported} is Python-only"
            )
    return None
