"""The function table of Logs Insights (spec §5): names, arity, kind, literal arguments.

The parser uses it to report ``UNKNOWN_FUNCTION`` and ``ARITY_ERROR`` at the
call; the compiler (``insights/expressions.py``, on top of ``insights/expr_core.py``) holds one ``fn_<name>``
lowering per entry. Names are case-insensitive and stored lower-case.

``literal`` lists argument positions that must be literals of a given kind:
``period`` (``5m``), ``cidr`` (a string CIDR), ``regex`` (a ``/re/`` or a
string), ``number``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROW = "row"
AGG = "agg"

MANY = 1_000


@dataclass(frozen=True)
class Function:
    name: str
    min_args: int
    max_args: int
    kind: str = ROW
    literal: dict[int, str] = field(default_factory=dict)
    tier: str = "CORE"

    def arity_text(self) -> str:
        if self.min_args == self.max_args:
            n = self.min_args
            return f"{n} argument{'s' if n != 1 else ''}"
        if self.max_args >= MANY:
            return f"at least {self.min_args} argument{'s' if self.min_args != 1 else ''}"
        return f"{self.min_args} to {self.max_args} arguments"


def _table(*fns: Function) -> dict[str, Function]:
    return {f.name: f for f in fns}


FUNCTIONS: dict[str, Function] = _table(
    # §5.1 numeric
    Function("abs", 1, 1),
    Function("ceil", 1, 1),
    Function("floor", 1, 1),
    Function("greatest", 1, MANY),
    Function("least", 1, MANY),
    Function("log", 1, 1),
    Function("sqrt", 1, 1),
    Function("round", 1, 2, literal={1: "number"}, tier="EXT"),
    Function("tonumber", 1, 1, tier="EXT"),
    Function("todouble", 1, 1, tier="EXT"),
    Function("toint", 1, 1, tier="EXT"),
    Function("tolong", 1, 1, tier="EXT"),
    # §5.2 general
    Function("ispresent", 1, 1),
    Function("coalesce", 1, MANY),
    Function("if", 3, 3, tier="EXT"),
    Function("isnumeric", 1, 1, tier="EXT"),
    Function("querystarttime", 0, 0, tier="EXT"),
    Function("queryendtime", 0, 0, tier="EXT"),
    Function("querytimerange", 0, 0, tier="EXT"),
    # §5.3 string
    Function("isempty", 1, 1),
    Function("isblank", 1, 1),
    Function("concat", 1, MANY),
    Function("ltrim", 1, 2),
    Function("rtrim", 1, 2),
    Function("trim", 1, 2),
    Function("strlen", 1, 1),
    Function("toupper", 1, 1),
    Function("tolower", 1, 1),
    Function("substr", 2, 3),
    Function("replace", 3, 3),
    Function("strcontains", 2, 3),
    Function("regexreplace", 3, 3, literal={1: "regex"}, tier="EXT"),
    Function("startswith", 2, 2, tier="EXT"),
    Function("endswith", 2, 2, tier="EXT"),
    Function("unmask", 1, 1, tier="EXT"),
    # §5.4 datetime
    Function("bin", 1, 1, literal={0: "period"}),
    Function("datefloor", 2, 2, literal={1: "period"}),
    Function("dateceil", 2, 2, literal={1: "period"}),
    Function("frommillis", 1, 1),
    Function("tomillis", 1, 1),
    Function("now", 0, 0),
    # §5.6 IP addresses
    Function("isvalidip", 1, 1),
    Function("isvalidipv4", 1, 1),
    Function("isvalidipv6", 1, 1),
    Function("isipinsubnet", 2, 2, literal={1: "cidr"}),
    Function("isipv4insubnet", 2, 2, literal={1: "cidr"}),
    Function("isipv6insubnet", 2, 2, literal={1: "cidr"}),
    Function("ipv4tonumber", 1, 1, tier="EXT"),
    # §5.9 aggregation and non-aggregation stats functions
    Function("count", 0, 1, AGG),
    Function("count_distinct", 1, 1, AGG),
    Function("sum", 1, 1, AGG),
    Function("avg", 1, 1, AGG),
    Function("min", 1, 1, AGG),
    Function("max", 1, 1, AGG),
    Function("stddev", 1, 1, AGG),
    Function("pct", 2, 2, AGG, literal={1: "number"}),
    Function("earliest", 1, 1, AGG),
    Function("latest", 1, 1, AGG),
    Function("sortsfirst", 1, 1, AGG),
    Function("sortslast", 1, 1, AGG),
)

# AWS functions vpcflow recognises but does not implement (spec §5, EXT): the
# error says so instead of "unknown".
NOT_IMPLEMENTED = frozenset(
    {
        "case",
        "messagesize",
        "haversine",
        "split",
        "urlencode",
        "urldecode",
        "base64encode",
        "base64decode",
        "hextoascii",
        "hextodec",
        "dectohex",
        "parsedate",
        "formatdate",
        "strftime",
        "jsonparse",
        "jsonstringify",
        "jsonarraysize",
        "jsonarraycontains",
        "isprivateip",
        "ispublicip",
        "isreservedip",
    }
)


def lookup(name: str) -> Function | None:
    return FUNCTIONS.get(name.lower())
