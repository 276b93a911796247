"""The deprecation policy on small hand-written schemas."""

from __future__ import annotations

from advocacy.schema_package.compat import WAY_OUT, acknowledged_changes, compare

BASE = """
type Query {
  advocate(id: ID!, locale: String): Advocate
  legacyTotal: Int @deprecated(reason: "use total")
  total: Int
  gifts(status: Status): [String!]!
}
type Advocate { name: String! nickname: String }
enum Status { OFFERED REDEEMED LOST @deprecated(reason: "never used") }
input Filter { status: Status q: String @deprecated }
type Mutation { find(filter: Filter): Int }
"""


def changed(old: str, new: str) -> str:
    after = BASE.replace(old, new)
    assert after != BASE, f"{old!r} is not in the schema"
    return after


def test_removing_a_field_that_was_never_deprecated_fails() -> None:
    result = compare(BASE, changed("  total: Int\n", ""))
    assert not result.ok
    assert result.breaking == ["Field Query.total was removed."]
    assert "deprecated" in WAY_OUT and "later" in WAY_OUT


def test_removing_a_deprecated_field_passes() -> None:
    result = compare(BASE, changed('  legacyTotal: Int @deprecated(reason: "use total")\n', ""))
    assert result.ok, result.breaking
    assert result.retired == ["Query.legacyTotal (deprecated: use total)"]


def test_a_nullable_argument_made_non_null_fails() -> None:
    result = compare(BASE, changed("locale: String)", "locale: String!)"))
    assert result.breaking == [
        "Argument Query.advocate(locale:) has changed type from String to String!."
    ]


def test_adding_a_field_passes() -> None:
    result = compare(BASE, changed("  total: Int\n", "  total: Int\n  count: Int!\n"))
    assert result.ok and result.breaking == [] and result.retired == []
    assert result.report() == "no changes a client could notice"


def test_narrowing_an_output_field_is_fine_but_widening_it_fails() -> None:
    assert compare(BASE, changed("nickname: String", "nickname: String!")).ok
    widened = compare(BASE, changed("name: String!", "name: String"))
    assert widened.breaking == ["Field Advocate.name changed type from String! to String."]


def test_enum_values_and_input_fields_follow_the_same_rule() -> None:
    retired = compare(BASE, changed(' LOST @deprecated(reason: "never used")', ""))
    assert retired.ok and retired.retired == ["Status.LOST (deprecated: never used)"]
    removed = compare(BASE, changed("OFFERED REDEEMED", "OFFERED"))
    assert removed.breaking == ["Enum value Status.REDEEMED was removed."]
    input_field = compare(BASE, changed(" q: String @deprecated", ""))
    assert input_field.ok
    assert input_field.retired == ["Filter.q (deprecated: No longer supported)"]
    required = compare(BASE, changed("q: String @deprecated", "q: String @deprecated need: Int!"))
    assert required.breaking == ["A required field Filter.need was added."]


def test_a_deprecated_argument_may_go_and_a_new_required_one_may_not() -> None:
    old = "type Query { f(a: Int @deprecated, b: Int): Int }"
    assert compare(old, "type Query { f(b: Int): Int }").ok
    added = compare(old, "type Query { f(a: Int @deprecated, b: Int, c: Int!): Int }")
    assert added.breaking == ["A required argument Query.f(c:) was added."]


def test_a_type_may_go_with_the_deprecated_fields_that_used_it() -> None:
    old = """
    interface Node { id: ID! }
    type Query { node: Node, old: Old @deprecated, orphan: Int }
    type Old implements Node { id: ID! inner: Inner }
    type Inner { x: Int }
    type Unused implements Node { id: ID! }
    """
    new = "interface Node { id: ID! } type Query { node: Node, orphan: Int }" + (
        " type Unused implements Node { id: ID! }"
    )
    result = compare(old, new)
    assert result.ok, result.breaking
    assert "Old (only deprecated fields and arguments used it)" in result.retired
    assert "Inner (only deprecated fields and arguments used it)" in result.retired
    # A type nothing referred to may still be reached through its interface: not retired.
    gone = compare(old, new.replace(" type Unused implements Node { id: ID! }", ""))
    assert gone.breaking == ["Unused was removed."]


def test_dangerous_changes_are_reported_not_refused() -> None:
    result = compare(BASE, changed("OFFERED REDEEMED", "OFFERED REDEEMED RETURNED"))
    assert result.ok
    assert result.dangerous == ["Enum value Status.RETURNED was added."]
    assert "dangerous" in result.report()


def test_the_changelog_can_acknowledge_a_deliberate_break() -> None:
    changelog = "## 2027-01-01\n\n- Removed `total`.\n- Breaking: Field Query.total was removed.\n"
    assert acknowledged_changes(changelog) == ["Field Query.total was removed."]
    result = compare(BASE, changed("  total: Int\n", ""), acknowledged_changes(changelog))
    assert result.ok
    assert result.acknowledged == ["Field Query.total was removed."]
