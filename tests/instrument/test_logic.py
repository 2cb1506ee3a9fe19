"""The skip-logic language: parsing, printing, checking and evaluating conditions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.errors import LandscapeError, Location
from survey.instrument.loader import parse_instrument_text
from survey.instrument.logic import (
    BoolOp,
    Call,
    Compare,
    Expr,
    ListLiteral,
    Literal,
    Name,
    Not,
    check_expression,
    evaluate,
    is_shown,
    parse_expression,
    references,
    unparse,
)

# -- parsing -------------------------------------------------------------------------


def test_parse_builds_the_tree_with_precedence() -> None:
    tree = parse_expression("not a == 'x' or b in [1, -2.5] and selected(m, 'o')")
    assert tree == BoolOp("or", (
        Not(Compare("==", Name("a"), Literal("x"))),
        BoolOp("and", (
            Compare("in", Name("b"), ListLiteral((Literal(1), Literal(-2.5)))),
            Call("selected", Name("m"), Literal("o")),
        )),
    ))


def test_parse_records_columns_for_messages() -> None:
    tree = parse_expression("q  == 'yes'")
    assert isinstance(tree, Compare)
    assert (tree.left.column, tree.column, tree.right.column) == (1, 4, 7)


@pytest.mark.parametrize(("text", "printed"), [
    ("a=='x'", "a == 'x'"),
    ('a == "it\'s"', "a == 'it\\'s'"),
    ("(a == 1)", "a == 1"),
    ("not (a == 1 or b == 2)", "not (a == 1 or b == 2)"),
    ("(a == 1 or b == 2) and c", "(a == 1 or b == 2) and c"),
    ("x not in ['a','b',]", "x not in ['a', 'b']"),
    ("count(m)>=2", "count(m) >= 2"),
    ("rank( r , 'o' ) <= 3", "rank(r, 'o') <= 3"),
    ("answered(q) and true", "answered(q) and true"),
    ("n > 1e3", "n > 1000.0"),
    ("(a == 1) == false", "(a == 1) == false"),
])
def test_unparse_prints_canonical_text(text: str, printed: str) -> None:
    tree = parse_expression(text)
    assert unparse(tree) == printed
    assert parse_expression(printed) == tree


@pytest.mark.parametrize(("text", "column", "needle"), [
    ("", 1, "empty"),
    ("   ", 1, "empty"),
    ("q == ", 6, "expected a value"),
    ("q = 'a'", 3, "use '=='"),
    ("a && b", 3, "use 'and'"),
    ("a || b", 3, "use 'or'"),
    ("!a", 1, "use 'not'"),
    ("q == 'open", 6, "never closed"),
    ("(q == 'a'", 10, "to close the '('"),
    ("q == 'a')", 9, "unexpected ')'"),
    ("1 < n < 5", 7, "cannot be chained"),
    ("q in 'a'", 6, "needs a list"),
    ("q in [a]", 7, "expected text in quotes"),
    ("q in ['a' 'b']", 11, "expected ',' or ']'"),
    ("__import__('os')", 1, "unknown function '__import__'"),
    ("len(q) > 1", 1, "unknown function 'len'"),
    ("selected(q)", 11, "selected(question, 'option')"),
    ("selected(q, other)", 13, "option code in quotes"),
    ("count('q')", 7, "question code first"),
    ("q == True", 6, "lower case"),
    ("q == -'a'", 7, "'-' must be followed by a number"),
    ("q == 1" + "0" * 40, 6, "too long"),
    ("q == 1e999", 6, "too large"),
    ("a and", 6, "expected a value"),
    ("q @ 1", 3, "unexpected character '@'"),
    ("(" * 60 + "a" + ")" * 60, 41, "nested too deeply"),
])
def test_syntax_errors_name_the_column(text: str, column: int, needle: str) -> None:
    with pytest.raises(LandscapeError) as caught:
        parse_expression(text)
    (problem,) = caught.value.issues
    assert problem.code == "I206"
    assert problem.location.column == column
    assert needle in problem.message
    assert f"column {column}" in problem.message


def test_references_lists_every_question_named() -> None:
    tree = parse_expression("a == 'x' or (not answered(b) and rank(c, 'o') < count(d))")
    assert references(tree) == {"a", "b", "c", "d"}


# -- property tests ---------------------------------------------------------------------

_ALPHABET = st.sampled_from([*"abqn_01 9.-'\"()[],=!<>&|@\\\n\t",
                             "and ", " or ", "not ", " in ", "true", "false", "count(",
                             "rank(", "selected(", "answered(", "==", "'x'", "é", "\x00"])


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(_ALPHABET, max_size=30).map("".join)))
def test_parse_never_raises_anything_but_landscape_error(text: str) -> None:
    try:
        tree = parse_expression(text)
    except LandscapeError as exc:
        assert [i.code for i in exc.issues] == ["I206"]
        return
    # Whatever parses prints back to text that parses to the same tree.
    assert parse_expression(unparse(tree)) == tree


_CODES = st.sampled_from(["a", "b", "q_1", "in_partnership"])
_LITERALS = st.one_of(
    st.booleans().map(Literal),
    st.integers(-10**6, 10**6).map(Literal),
    st.floats(-1e6, 1e6, allow_nan=False).map(Literal),
    st.text(max_size=8).map(Literal),
)
_NAMES = _CODES.map(Name)
_CALLS = st.one_of(
    st.builds(Call, st.sampled_from(["answered", "count"]), _NAMES),
    st.builds(Call, st.sampled_from(["selected", "rank"]), _NAMES, st.text(max_size=5)
              .map(Literal)),
)
_ATOMS = st.one_of(_LITERALS, _NAMES, _CALLS)


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    return st.one_of(
        st.builds(Compare, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), children,
                  children),
        st.builds(Compare, st.sampled_from(["in", "not in"]), children,
                  st.lists(_LITERALS, max_size=3).map(lambda items: ListLiteral(tuple(items)))),
        st.builds(Not, children),
        st.builds(BoolOp, st.sampled_from(["and", "or"]),
                  st.lists(children, min_size=2, max_size=3).map(tuple)),
    )


_TREES = st.recursive(_ATOMS, _extend, max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(_TREES)
def test_unparse_then_parse_gives_the_same_tree(tree: Expr) -> None:
    assert parse_expression(unparse(tree)) == tree


_ANSWER_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=3),
    st.sets(st.text(max_size=2), max_size=3), st.lists(st.text(max_size=2), max_size=3),
    st.dictionaries(st.text(max_size=2), st.one_of(st.integers(), st.text(max_size=1)),
                    max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(_TREES, st.dictionaries(_CODES, _ANSWER_VALUES))
def test_evaluate_never_raises_and_returns_a_bool(tree: Expr, answers: dict[str, object]) -> None:
    assert isinstance(evaluate(tree, answers), bool)


# -- evaluation ----------------------------------------------------------------------

ANSWERS: dict[str, object] = {
    "choice": "yes",
    "multi": {"a", "c"},
    "multi_list": ["b"],
    "ranks": {"x": 1, "y": 2},
    "n": 4,
    "rating": 3,
    "agree": True,
    "text": "Cardiff Council",
}


@pytest.mark.parametrize(("condition", "expected"), [
    ("choice == 'yes'", True),
    ("choice != 'yes'", False),
    ("'yes' == choice", True),
    ("choice in ['no', 'yes']", True),
    ("choice not in ['no', 'yes']", False),
    ("selected(choice, 'yes')", True),
    ("selected(multi, 'a') and not selected(multi, 'b')", True),
    ("selected(multi_list, 'b')", True),
    ("count(multi) == 2", True),
    ("count(multi_list) < 2", True),
    ("rank(ranks, 'x') == 1", True),
    ("rank(ranks, 'y') <= 1", False),
    ("count(ranks) == 2", True),
    ("n >= 4 and n < 5", True),
    ("n == 4.0", True),
    ("n in [1, 2, 3]", False),
    ("rating > 2", True),
    ("agree", True),
    ("agree == true", True),
    ("not agree", False),
    ("text == 'Cardiff Council'", True),
    ("n == '4'", False),   # a number is not text
    ("agree == 1", False),  # true is not 1
    ("choice > 1", False),  # ordering needs numbers
    ("(choice == 'no' or n > 3) and answered(text)", True),
    # Unanswered questions: every comparison is false; answered() tests presence.
    ("missing == 'a'", False),
    ("missing != 'a'", False),
    ("not (missing == 'a')", True),
    ("missing in ['a']", False),
    ("missing not in ['a']", False),
    ("answered(missing)", False),
    ("not answered(missing)", True),
    ("selected(missing, 'a')", False),
    ("count(missing) >= 0", False),
    ("rank(ranks, 'z') > 0", False),  # an unranked option has no position
    ("rank(missing, 'x') == 1", False),
    ("missing", False),
    ("answered(choice)", True),
])
def test_evaluate(condition: str, expected: bool) -> None:
    assert evaluate(parse_expression(condition), ANSWERS) is expected
    assert evaluate(condition, ANSWERS) is expected  # text is parsed (and cached)


def test_evaluate_treats_none_as_unanswered() -> None:
    assert evaluate("answered(q)", {"q": None}) is False
    assert evaluate("q != 'a'", {"q": None}) is False


# -- checking against an instrument ----------------------------------------------------

DEMO = """
instrument: demo
version: 1.0.0
title: Demo
paths:
  partner: {label: Partners, when: "involved == 'yes'"}
questions:
  - code: involved
    type: single_choice
    label: Involved
    options: [{code: 'yes', label: 'Yes'}, {code: 'no', label: 'No'}]
  - {code: agree, type: consent, label: Agree}
  - code: topics
    type: multiple_choice
    label: Topics
    options: [{code: housing, label: Housing}, {code: health, label: Health}]
  - code: priorities
    type: ranking
    label: Priorities
    options: [{code: money, label: Money}, {code: time, label: Time}]
  - {code: staff, type: number, label: Staff}
  - {code: region, type: place, level: region, label: Region}
  - {code: org, type: organisation, label: Organisation}
  - {code: detail, type: free_text, label: Detail, path: partner, relevant: "staff > 2"}
"""


@pytest.fixture(scope="module")
def demo():  # type: ignore[no-untyped-def]
    return parse_instrument_text(DEMO, "demo/1.0.0.yaml")


@pytest.mark.parametrize(("condition", "codes"), [
    ("involved == 'yes' and agree", []),
    ("selected(topics, 'health') or count(topics) > 1", []),
    ("rank(priorities, 'money') <= 1 and count(priorities) == 2", []),
    ("staff >= 3 and region in ['wales', 'london'] and org != 'x'", []),
    ("answered(priorities) and not answered(topics)", []),
    ("selected(involved, 'no')", []),
    ("nobody == 'x'", ["I207"]),
    ("detail == 'x'", ["I208"]),
    ("involved == 'maybe'", ["I214"]),
    ("involved in ['yes', 'perhaps']", ["I214"]),
    ("region == 'mordor'", ["I214"]),
    ("selected(topics, 'sport')", ["I214"]),
    ("rank(priorities, 'love') == 1", ["I214"]),
    ("priorities > 3", ["I209"]),
    ("priorities == 'money'", ["I209"]),
    ("topics == 'housing'", ["I209"]),
    ("'housing' in topics_list == 1", ["I206"]),
    ("staff == 'three'", ["I209"]),
    ("'three' == staff", ["I209"]),
    ("involved == 1", ["I209"]),
    ("agree == 'yes'", ["I209"]),
    ("involved > 'a'", ["I209", "I209"]),
    ("count(involved) > 0", ["I209"]),
    ("rank(topics, 'housing') == 1", ["I209"]),
    ("selected(priorities, 'money')", ["I209"]),
    ("count(topics)", ["I209"]),
    ("staff", ["I209"]),
    ("involved", ["I209"]),
    ("staff > 1 and 'text'", ["I209"]),
    ("staff in [1, 'two']", ["I209"]),
    ("[1, 2] == staff", ["I209"]),
    ("staff == org", ["I209"]),
    ("staff < count(topics)", []),
])
def test_check_expression(demo, condition: str, codes: list[str]) -> None:  # type: ignore[no-untyped-def]
    try:
        tree = parse_expression(condition)
    except LandscapeError as exc:
        assert [i.code for i in exc.issues] == codes
        return
    where = Location(file="demo/1.0.0.yaml", line=3, question="detail")
    found = check_expression(tree, demo, demo.index_of("detail"), where)
    assert sorted(i.code for i in found) == sorted(codes), [str(i) for i in found]
    for problem in found:
        assert problem.location.file == "demo/1.0.0.yaml"
        assert problem.location.question == "detail"
        assert "column" in problem.message


def test_check_messages_say_how_to_fix(demo) -> None:  # type: ignore[no-untyped-def]
    def messages(condition: str) -> str:
        tree = parse_expression(condition)
        return " ".join(i.message for i in check_expression(tree, demo, 7, Location()))

    assert "rank(priorities, 'money') <= 3" in messages("priorities > 3")
    assert "selected(topics, 'housing')" in messages("topics == 'housing'")
    assert "its options: yes, no" in messages("involved == 'maybe'")
    assert "did you mean 'involved'" in messages("involvd == 'yes'")
    assert "compare it with true or false" in messages("agree == 'yes'")
    assert "'detail' itself" in messages("answered(detail)")
    assert "asked later" in check_expression(parse_expression("staff > 1"), demo, 2,
                                             Location())[0].message


def test_is_shown_combines_path_and_relevant(demo) -> None:  # type: ignore[no-untyped-def]
    assert is_shown(demo, "detail", {"involved": "yes", "staff": 3})
    assert not is_shown(demo, "detail", {"involved": "no", "staff": 3})
    assert not is_shown(demo, "detail", {"involved": "yes", "staff": 2})
    assert not is_shown(demo, "detail", {"involved": "yes"})
    assert is_shown(demo, demo.question("staff"), {})


def test_is_shown_rejects_unknown_questions_and_paths() -> None:
    iv = parse_instrument_text("""
instrument: demo
version: 1.0.0
title: Demo
questions:
  - {code: a, type: free_text, label: A, path: nowhere}
""")
    with pytest.raises(LandscapeError) as caught:
        is_shown(iv, "a", {})
    assert caught.value.issues[0].code == "I213"
    with pytest.raises(LandscapeError) as caught:
        is_shown(iv, "zzz", {})
    assert caught.value.issues[0].code == "I110"


@pytest.mark.parametrize("module", ["tree", "tokens", "parser", "checks", "evaluate"])
def test_examples(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"survey.instrument.logic.{module}"),
                             optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
