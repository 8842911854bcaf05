//! [`Extra`]: the fields of a token response that have no place in a [`crate::Token`].

use std::borrow::Cow;
use std::fmt;
use std::ops::Index;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// A token response's other fields by name, kept as sent.
///
/// A name appears once: inserting it again replaces its value. Iteration is in name order.
/// Serialized as a JSON object, the form the stores write. `Debug` shows the names only
/// (values can be secrets, e.g. an ID token).
///
/// A vector sorted by name rather than a `serde_json::Map`: a process holding many tokens pays
/// for each one's fields, and a tree node costs about a third of a connection's memory where
/// the two fields a RingCentral token has take a few words (README, "Performance"). Names a
/// provider crate knows at compile time are kept without a copy.
#[derive(Clone, Default, PartialEq)]
pub struct Extra(Vec<(Cow<'static, str>, Value)>);

/// What indexing by a name that is absent gives, as indexing a [`Value`] does.
static NULL: Value = Value::Null;

impl Extra {
    /// No fields.
    pub const fn new() -> Self {
        Self(Vec::new())
    }

    /// Where field `name` is, or would be.
    fn find(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(n, _)| n.as_ref().cmp(name))
    }

    /// Sets the field `name` to `value`; returns the value it replaced.
    pub fn insert(&mut self, name: impl Into<Cow<'static, str>>, value: Value) -> Option<Value> {
        let name = name.into();
        match self.find(&name) {
            Ok(at) => Some(std::mem::replace(&mut self.0[at].1, value)),
            Err(at) => {
                self.0.insert(at, (name, value));
                None
            }
        }
    }

    /// The value of field `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.find(name).ok().map(|at| &self.0[at].1)
    }

    /// Whether field `name` is present.
    pub fn contains_key(&self, name: &str) -> bool {
        self.find(name).is_ok()
    }

    /// Removes field `name`, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let at = self.find(name).ok()?;
        Some(self.0.remove(at).1)
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The names, in name order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(n, _)| n.as_ref())
    }

    /// The fields, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.into_iter()
    }
}

/// What iterating over `&Extra` yields each field as.
type Field<'a> = (&'a str, &'a Value);

impl<'a> IntoIterator for &'a Extra {
    type Item = Field<'a>;
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Cow<'static, str>, Value)>,
        fn(&'a (Cow<'static, str>, Value)) -> Field<'a>,
    >;

    /// The fields, in name order.
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(n, v)| (n.as_ref(), v))
    }
}

impl Index<&str> for Extra {
    type Output = Value;

    /// The value of field `name`, or `Value::Null` when it is absent.
    fn index(&self, name: &str) -> &Value {
        self.get(name).unwrap_or(&NULL)
    }
}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Extra")
            .field(&self.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl From<Map<String, Value>> for Extra {
    /// The map's fields (its names are distinct already).
    fn from(map: Map<String, Value>) -> Self {
        let mut fields: Vec<(Cow<'static, str>, Value)> =
            map.into_iter().map(|(n, v)| (Cow::Owned(n), v)).collect();
        // In order already, unless serde_json's `preserve_order` is on in this build.
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        Self(fields)
    }
}

impl From<Extra> for Map<String, Value> {
    fn from(extra: Extra) -> Self {
        extra
            .0
            .into_iter()
            .map(|(n, v)| (n.into_owned(), v))
            .collect()
    }
}

impl<N: Into<Cow<'static, str>>> FromIterator<(N, Value)> for Extra {
    /// The fields in turn, as [`Extra::insert`] would add them: a repeated name keeps its
    /// last value.
    fn from_iter<I: IntoIterator<Item = (N, Value)>>(fields: I) -> Self {
        let mut fields: Vec<(Cow<'static, str>, Value)> =
            fields.into_iter().map(|(n, v)| (n.into(), v)).collect();
        // Stable: a name's values stay in the order given, and the last one is kept.
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        fields.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                std::mem::swap(later, kept);
            }
            same
        });
        Self(fields)
    }
}

impl Serialize for Extra {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Extra {
    /// A JSON object; a repeated name keeps its last value, as [`Map`] does.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Map::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_name_is_kept_once_and_its_last_value_wins() {
        let mut extra = Extra::new();
        assert_eq!(extra.insert("owner_id", json!("1")), None);
        assert_eq!(
            extra.insert(String::from("owner_id"), json!("2")),
            Some(json!("1"))
        );
        assert_eq!(extra.len(), 1);
        assert_eq!(extra["owner_id"], "2");
        assert_eq!(extra["absent"], Value::Null);
        let read: Extra = serde_json::from_str(r#"{"a":1,"a":2}"#).unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!(read["a"], 2);
        let collected: Extra = [("a", json!(1)), ("b", json!(2)), ("a", json!(3))]
            .into_iter()
            .collect();
        assert_eq!(collected.len(), 2);
        assert_eq!(collected["a"], 3);
    }

    #[test]
    fn every_way_in_keeps_the_fields_in_name_order() {
        let mut inserted = Extra::new();
        for (n, v) in [("c", 1), ("a", 2), ("b", 3)] {
            inserted.insert(n, json!(v));
        }
        let collected: Extra = [("c", json!(1)), ("a", json!(2)), ("b", json!(3))]
            .into_iter()
            .collect();
        let read: Extra = serde_json::from_str(r#"{"c":1,"a":2,"b":3}"#).unwrap();
        let mapped = Extra::from(Map::from(read.clone()));
        for extra in [&inserted, &collected, &read, &mapped] {
            assert_eq!(extra.keys().collect::<Vec<_>>(), ["a", "b", "c"]);
            assert_eq!(
                (extra["a"].clone(), extra["c"].clone()),
                (json!(2), json!(1))
            );
            assert!(extra.contains_key("b") && !extra.contains_key("d"));
        }
        assert_eq!(inserted, read);
        assert_eq!(collected, mapped);
    }

    #[test]
    fn equality_ignores_order_but_not_values() {
        let ab: Extra = [("a", json!(1)), ("b", json!(2))].into_iter().collect();
        let ba: Extra = [("b", json!(2)), ("a", json!(1))].into_iter().collect();
        let other: Extra = [("a", json!(1)), ("b", json!(3))].into_iter().collect();
        assert_eq!(ab, ba);
        assert_ne!(ab, other);
        assert_ne!(ab, Extra::new());
    }

    #[test]
    fn it_round_trips_through_json_and_a_map() {
        let extra: Extra = [("n", json!({"x": 1})), ("id_token", json!("eyJ"))]
            .into_iter()
            .collect();
        let text = serde_json::to_string(&extra).unwrap();
        assert_eq!(text, r#"{"id_token":"eyJ","n":{"x":1}}"#);
        assert_eq!(serde_json::from_str::<Extra>(&text).unwrap(), extra);
        let map = Map::from(extra.clone());
        assert_eq!(Extra::from(map), extra);
        assert!(serde_json::from_str::<Extra>("[1]").is_err());
    }

    #[test]
    fn debug_shows_names_not_values() {
        let mut extra = Extra::new();
        extra.insert("id_token", json!("eyJ-secret"));
        let shown = format!("{extra:?}");
        assert!(
            shown.contains("id_token") && !shown.contains("eyJ-secret"),
            "{shown}"
        );
    }

    #[test]
    fn removing_gives_the_value_back_once() {
        let mut extra: Extra = [("a", json!(1)), ("b", json!(2))].into_iter().collect();
        assert_eq!(extra.remove("a"), Some(json!(1)));
        assert_eq!(extra.remove("a"), None);
        assert!(!extra.contains_key("a"));
        assert_eq!(extra.keys().collect::<Vec<_>>(), ["b"]);
        assert_eq!(extra.iter().collect::<Vec<_>>(), [("b", &json!(2))]);
    }
}
