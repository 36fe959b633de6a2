//! Query-builder filters from plain Rust values.
//!
//! `POST /api/query-builder/filter/{entity}` takes a tree of rule groups
//! (react-querybuilder's format): a group combines rules and further groups
//! with `and` / `or`, may be negated, and nests to any depth. The generated
//! types spell that tree out in full (`QueryBuilderQuery` →
//! `QueryBuilderQueryQuery` → `QueryBuilderRuleOrGroup::Group(QueryBuilderRuleGroup)`
//! → …, every field an `Option`, operators an open enum); this module builds
//! it from nested function calls instead:
//!
//! ```
//! use conecrm_api::query::{and, or, rule, rule_without_value};
//! use conecrm_api::types::QueryBuilderQuery;
//!
//! let filter = and([
//!     rule("name", "contains", "acme"),
//!     or([rule("city", "=", "Montréal"), rule("city", "=", "Laval")]),
//!     !and([rule("isActive", "=", "false"), rule_without_value("primaryEmail", "null")]),
//! ]);
//! let body = QueryBuilderQuery::try_from(filter.clone())?;
//! assert_eq!(
//!     serde_json::to_value(&body)?,
//!     serde_json::json!({"query": {"combinator": "and", "rules": [
//!         {"field": "name", "operator": "contains", "value": "acme"},
//!         {"combinator": "or", "rules": [
//!             {"field": "city", "operator": "=", "value": "Montréal"},
//!             {"field": "city", "operator": "=", "value": "Laval"}]},
//!         {"combinator": "and", "not": true, "rules": [
//!             {"field": "isActive", "operator": "=", "value": "false"},
//!             {"field": "primaryEmail", "operator": "null"}]}
//!     ]}})
//! );
//! // A query read back (e.g. from a saved filter) converts the other way.
//! assert_eq!(conecrm_api::query::Filter::from(body), filter);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A [`Filter`] goes straight into the generated call, which converts it when
//! the request is built: `client.query_builder_filter().entity("contact").body(filter)`.
//! Operators and combinators are written as on the wire; values the client
//! does not know (the symbolic operators `=`, `>=`, …, or an operator the
//! server adds later) are sent as they are.

use crate::types::error::ConversionError;
use crate::types::{
    QueryBuilderQuery, QueryBuilderQueryQuery, QueryBuilderRule, QueryBuilderRuleGroup,
    QueryBuilderRuleOrGroup,
};

/// A node of a query-builder filter: one rule, or a group of nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// A comparison of one field.
    Rule(Rule),
    /// Rules and groups combined with `and` / `or`.
    Group(Group),
}

/// A comparison of one field: `field operator value`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rule {
    /// The field to filter on (e.g. `primaryEmail`).
    pub field: String,
    /// The operator as on the wire (`contains`, `=`, `between`, …).
    pub operator: Option<String>,
    /// The value to compare against; `None` for operators without one
    /// (`null`, `notNull`).
    pub value: Option<String>,
    /// Where the value comes from (react-querybuilder: `value` or `field`).
    pub value_source: Option<String>,
    /// The rule's id, if it has one.
    pub id: Option<String>,
}

/// Rules and groups combined with a combinator.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Group {
    /// How the entries combine (`and`, `or`) as on the wire.
    pub combinator: Option<String>,
    /// Whether the whole group is negated.
    pub not: Option<bool>,
    /// The entries, rules and groups, nested to any depth.
    pub rules: Vec<Filter>,
    /// The group's id, if it has one.
    pub id: Option<String>,
}

/// A rule comparing `field` with `value` using `operator` (as on the wire:
/// `contains`, `beginsWith`, `=`, `>=`, `in`, …).
pub fn rule(
    field: impl Into<String>,
    operator: impl Into<String>,
    value: impl Into<String>,
) -> Filter {
    Filter::Rule(Rule {
        field: field.into(),
        operator: Some(operator.into()),
        value: Some(value.into()),
        ..Rule::default()
    })
}

/// A rule whose operator takes no value (`null`, `notNull`).
pub fn rule_without_value(field: impl Into<String>, operator: impl Into<String>) -> Filter {
    Filter::Rule(Rule {
        field: field.into(),
        operator: Some(operator.into()),
        ..Rule::default()
    })
}

/// A group that matches when every entry matches.
pub fn and(entries: impl IntoIterator<Item = Filter>) -> Filter {
    group("and", entries)
}

/// A group that matches when any entry matches.
pub fn or(entries: impl IntoIterator<Item = Filter>) -> Filter {
    group("or", entries)
}

/// A group with the given combinator (as on the wire).
pub fn group(combinator: impl Into<String>, entries: impl IntoIterator<Item = Filter>) -> Filter {
    Filter::Group(Group {
        combinator: Some(combinator.into()),
        rules: entries.into_iter().collect(),
        ..Group::default()
    })
}

impl Filter {
    /// The negation of this filter (also written `!filter`): a group gets
    /// `not: true`; a rule is wrapped in a negated `and` group (rules cannot
    /// be negated themselves).
    #[must_use]
    pub fn negate(self) -> Filter {
        match self {
            Filter::Group(mut group) => {
                group.not = Some(true);
                Filter::Group(group)
            }
            rule @ Filter::Rule(_) => Filter::Group(Group {
                combinator: Some("and".to_owned()),
                not: Some(true),
                rules: vec![rule],
                id: None,
            }),
        }
    }

    /// Sets the rule's or group's id (react-querybuilder gives each node one;
    /// the server does not require it).
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Filter {
        match &mut self {
            Filter::Rule(rule) => rule.id = Some(id.into()),
            Filter::Group(group) => group.id = Some(id.into()),
        }
        self
    }

    /// How deep the tree is: 1 for a rule or a group of rules, one more for
    /// each level of nested groups.
    pub fn depth(&self) -> usize {
        match self {
            Filter::Rule(_) => 1,
            Filter::Group(group) => {
                let below = group
                    .rules
                    .iter()
                    .filter(|entry| matches!(entry, Filter::Group(_)))
                    .map(Filter::depth)
                    .max()
                    .unwrap_or(0);
                1 + below
            }
        }
    }
}

impl std::ops::Not for Filter {
    type Output = Filter;

    /// See [`Filter::negate`].
    fn not(self) -> Filter {
        self.negate()
    }
}

impl From<Rule> for Filter {
    fn from(rule: Rule) -> Self {
        Filter::Rule(rule)
    }
}

impl From<Group> for Filter {
    fn from(group: Group) -> Self {
        Filter::Group(group)
    }
}

fn parse<T>(text: Option<String>) -> Result<Option<T>, ConversionError>
where
    T: TryFrom<String, Error = ConversionError>,
{
    text.map(T::try_from).transpose()
}

impl TryFrom<Rule> for QueryBuilderRule {
    type Error = ConversionError;
    fn try_from(rule: Rule) -> Result<Self, ConversionError> {
        Ok(QueryBuilderRule {
            field: rule.field,
            id: rule.id,
            operator: parse(rule.operator)?,
            value: rule.value,
            value_source: rule.value_source,
        })
    }
}

impl TryFrom<Group> for QueryBuilderRuleGroup {
    type Error = ConversionError;
    fn try_from(group: Group) -> Result<Self, ConversionError> {
        Ok(QueryBuilderRuleGroup {
            combinator: parse(group.combinator)?,
            id: group.id,
            not: group.not,
            rules: group
                .rules
                .into_iter()
                .map(QueryBuilderRuleOrGroup::try_from)
                .collect::<Result<_, _>>()?,
        })
    }
}

impl TryFrom<Filter> for QueryBuilderRuleOrGroup {
    type Error = ConversionError;
    fn try_from(filter: Filter) -> Result<Self, ConversionError> {
        Ok(match filter {
            Filter::Rule(rule) => QueryBuilderRuleOrGroup::Rule(rule.try_into()?),
            Filter::Group(group) => QueryBuilderRuleOrGroup::Group(group.try_into()?),
        })
    }
}

/// The request body. The root of a query is a group that cannot be negated
/// (the seed's `QueryBuilderQuery.query` has no `not`): a rule, or a negated
/// group, is wrapped in an `and` group.
impl TryFrom<Filter> for QueryBuilderQuery {
    type Error = ConversionError;
    fn try_from(filter: Filter) -> Result<Self, ConversionError> {
        let root = match filter {
            Filter::Group(group) if group.not != Some(true) => group,
            other => Group {
                combinator: Some("and".to_owned()),
                rules: vec![other],
                ..Group::default()
            },
        };
        Ok(QueryBuilderQuery {
            query: Some(QueryBuilderQueryQuery {
                combinator: parse(root.combinator)?,
                id: root.id,
                rules: root
                    .rules
                    .into_iter()
                    .map(QueryBuilderRuleOrGroup::try_from)
                    .collect::<Result<_, _>>()?,
            }),
        })
    }
}

impl From<QueryBuilderRule> for Rule {
    fn from(rule: QueryBuilderRule) -> Self {
        Rule {
            field: rule.field,
            operator: rule.operator.map(|o| o.to_string()),
            value: rule.value,
            value_source: rule.value_source,
            id: rule.id,
        }
    }
}

impl From<QueryBuilderRuleGroup> for Group {
    fn from(group: QueryBuilderRuleGroup) -> Self {
        Group {
            combinator: group.combinator.map(|c| c.to_string()),
            not: group.not,
            rules: group.rules.into_iter().map(Filter::from).collect(),
            id: group.id,
        }
    }
}

impl From<QueryBuilderRuleOrGroup> for Filter {
    fn from(entry: QueryBuilderRuleOrGroup) -> Self {
        match entry {
            QueryBuilderRuleOrGroup::Rule(rule) => Filter::Rule(rule.into()),
            QueryBuilderRuleOrGroup::Group(group) => Filter::Group(group.into()),
        }
    }
}

/// The root group of a query (an empty group when the query has none).
impl From<QueryBuilderQuery> for Filter {
    fn from(query: QueryBuilderQuery) -> Self {
        let root = query.query.unwrap_or_default();
        Filter::Group(Group {
            combinator: root.combinator.map(|c| c.to_string()),
            not: None,
            rules: root.rules.into_iter().map(Filter::from).collect(),
            id: root.id,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests panic on failure")]

    use serde_json::json;

    use super::*;
    use crate::types::{QueryBuilderOperator, QueryBuilderOperatorKnown};

    #[test]
    fn a_lone_rule_or_a_negated_root_is_wrapped() {
        let body = QueryBuilderQuery::try_from(rule("city", "endsWith", "al")).unwrap();
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"query": {"combinator": "and", "rules": [
                {"field": "city", "operator": "endsWith", "value": "al"}]}})
        );
        let body = QueryBuilderQuery::try_from(!or([rule("a", "in", "1,2")])).unwrap();
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"query": {"combinator": "and", "rules": [
                {"combinator": "or", "not": true, "rules": [
                    {"field": "a", "operator": "in", "value": "1,2"}]}]}})
        );
    }

    #[test]
    fn operators_are_typed_where_known() {
        let QueryBuilderRuleOrGroup::Rule(r) =
            QueryBuilderRuleOrGroup::try_from(rule("x", "doesNotContain", "y")).unwrap()
        else {
            panic!("a rule")
        };
        assert_eq!(
            r.operator,
            Some(QueryBuilderOperator::Known(
                QueryBuilderOperatorKnown::DoesNotContain
            ))
        );
        let negated_rule = !rule("x", "!=", "y");
        assert_eq!(negated_rule.depth(), 1);
        let Filter::Group(g) = &negated_rule else {
            panic!("a group")
        };
        assert_eq!(g.not, Some(true));
    }

    #[test]
    fn depth_counts_nested_groups() {
        let tree = and([
            rule("a", "=", "1"),
            or([rule("b", "=", "2"), and([rule("c", "=", "3")])]),
        ]);
        assert_eq!(tree.depth(), 3);
        assert_eq!(rule("a", "=", "1").depth(), 1);
    }

    #[test]
    fn ids_are_kept_both_ways() {
        let tree = and([rule("a", "=", "1").with_id("r1")]).with_id("g1");
        let body = QueryBuilderQuery::try_from(tree.clone()).unwrap();
        assert_eq!(body.query.as_ref().unwrap().id.as_deref(), Some("g1"));
        assert_eq!(Filter::from(body), tree);
    }
}
