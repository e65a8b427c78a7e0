"""The PromQL instant-vector selector, parsed whole: `name`, `name{matchers}` or `{matchers}`,
each matcher `label op "string"` (op = != =~ !~; strings in " ' or `), nothing else (no
operator, function, range or second selector: `x{a="1"} or y` is an expression). Custom SLIs
(`spec.slis`) and the service's metric names (`spec.metrics`) are checked against it."""

from __future__ import annotations

import re

METRIC_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_STRING = r'"(?:[^"\\]|\\.)*"' + r"|'(?:[^'\\]|\\.)*'|`[^`]*`"
_MATCHER = rf"\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(?:=~|!~|!=|=)\s*(?:{_STRING})\s*"
_MATCHERS = rf"\{{(?:{_MATCHER}(?:,{_MATCHER})*,?)?\s*\}}"
SELECTOR = re.compile(rf"\s*(?:{METRIC_NAME}\s*(?:{_MATCHERS})?|{_MATCHERS})\s*")
