//! [`Extra`]: the fields of a token response that have no place in a [`crate::Token`].

use std::fmt;
use std::ops::Index;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A token response's other fields by name, kept as sent.
///
/// A name appears once: inserting it again replaces its value. Iteration is in name order.
/// Serialized as a JSON object, the form the stores write. `Debug` shows the names only
/// (values can be secrets, e.g. an ID token).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Extra(Map<String, Value>);

/// What indexing by a name that is absent gives, as indexing a [`Value`] does.
static NULL: Value = Value::Null;

impl Extra {
    /// No fields.
    pub fn new() -> Self {
        Self(Map::new())
    }

    /// Sets the field `name` to `value`; returns the value it replaced.
    pub fn insert(&mut self, name: impl Into<String>, value: Value) -> Option<Value> {
        self.0.insert(name.into(), value)
    }

    /// The value of field `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// Whether field `name` is present.
    pub fn contains_key(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// Removes field `name`, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.0.remove(name)
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
        self.0.keys().map(String::as_str)
    }

    /// The fields, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v))
    }
}

impl<'a> IntoIterator for &'a Extra {
    type Item = (&'a String, &'a Value);
    type IntoIter = serde_json::map::Iter<'a>;

    /// The fields, in name order.
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
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
    fn from(map: Map<String, Value>) -> Self {
        Self(map)
    }
}

impl From<Extra> for Map<String, Value> {
    fn from(extra: Extra) -> Self {
        extra.0
    }
}

impl<N: Into<String>> FromIterator<(N, Value)> for Extra {
    /// The fields in turn, as [`Extra::insert`] would add them: a repeated name keeps its
    /// last value.
    fn from_iter<I: IntoIterator<Item = (N, Value)>>(fields: I) -> Self {
        Self(fields.into_iter().map(|(n, v)| (n.into(), v)).collect())
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
