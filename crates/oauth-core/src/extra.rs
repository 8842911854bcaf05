//! [`Extra`]: the fields of a token response that have no place in a [`crate::Token`].
//!
//! Providers send a handful at most (an account ID, an ID token, a field added last month), and
//! a provider crate names most of them with a string it knows at compile time. So they are a
//! short list rather than a map: adding one moves its value in and allocates nothing for the
//! name, and a token holding two costs one allocation instead of a tree node and two names.

use std::borrow::Cow;
use std::fmt;
use std::ops::Index;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// A token response's other fields by name, kept as sent.
///
/// A name appears once: inserting it again replaces its value. Iteration follows insertion
/// order; equality does not depend on it. Serialized as a JSON object, the form the stores
/// write. `Debug` shows the names only (values can be secrets, e.g. an ID token).
#[derive(Clone, Default)]
pub struct Extra(Vec<(Cow<'static, str>, Value)>);

/// What indexing by a name that is absent gives, as indexing a [`Value`] does.
static NULL: Value = Value::Null;

impl Extra {
    /// No fields.
    pub const fn new() -> Self {
        Self(Vec::new())
    }

    /// Sets the field `name` to `value`; returns the value it replaced. Looks through the
    /// fields already there: to add many at once, collect them instead.
    pub fn insert(&mut self, name: impl Into<Cow<'static, str>>, value: Value) -> Option<Value> {
        let name = name.into();
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some((_, old)) => Some(std::mem::replace(old, value)),
            None => {
                self.0.push((name, value));
                None
            }
        }
    }

    /// The value of field `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// Whether field `name` is present.
    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Removes field `name`, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let at = self.0.iter().position(|(n, _)| n == name)?;
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

    /// The names, in insertion order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(n, _)| n.as_ref())
    }

    /// The fields, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.into_iter()
    }

    /// `fields` without repeated names, as inserting them in turn would leave them, in
    /// O(n log n): inserting one by one compares each name with every earlier one, which a
    /// document with many fields would turn into seconds of work.
    fn from_fields(mut fields: Vec<(Cow<'static, str>, Value)>) -> Self {
        if fields.len() < 2 {
            return Self(fields);
        }
        let mut order: Vec<usize> = (0..fields.len()).collect();
        order.sort_by(|&a, &b| fields[a].0.cmp(&fields[b].0).then(a.cmp(&b)));
        let mut dropped = vec![false; fields.len()];
        let mut moves = Vec::new();
        for run in order.chunk_by(|&a, &b| fields[a].0 == fields[b].0) {
            if let [first, .., last] = *run {
                moves.push((first, last));
                for &later in &run[1..] {
                    dropped[later] = true;
                }
            }
        }
        for (first, last) in moves {
            fields[first].1 = std::mem::take(&mut fields[last].1);
        }
        Self(
            fields
                .into_iter()
                .zip(dropped)
                .filter_map(|(field, dropped)| (!dropped).then_some(field))
                .collect(),
        )
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

    /// The fields, in insertion order.
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

impl PartialEq for Extra {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(n, v)| other.get(n) == Some(v))
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
    /// The map's fields (its names are distinct already), in its order.
    fn from(map: Map<String, Value>) -> Self {
        Self(map.into_iter().map(|(n, v)| (Cow::Owned(n), v)).collect())
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
    /// first place and its last value.
    fn from_iter<I: IntoIterator<Item = (N, Value)>>(fields: I) -> Self {
        Self::from_fields(fields.into_iter().map(|(n, v)| (n.into(), v)).collect())
    }
}

impl Serialize for Extra {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (name, value) in self.iter() {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Extra {
    /// A JSON object; a repeated name keeps its last value, as [`Map`] does.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;

        impl<'de> Visitor<'de> for Fields {
            type Value = Extra;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of extra fields")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Extra, A::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
                while let Some((name, value)) = map.next_entry::<String, Value>()? {
                    fields.push((Cow::Owned(name), value));
                }
                Ok(Extra::from_fields(fields))
            }
        }

        deserializer.deserialize_map(Fields)
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
    }

    #[test]
    fn collecting_keeps_each_name_where_inserting_would() {
        let fields = [("a", 1), ("b", 2), ("a", 3), ("c", 4), ("b", 5), ("a", 6)];
        let collected: Extra = fields.iter().map(|&(n, v)| (n, json!(v))).collect();
        let mut inserted = Extra::new();
        for (n, v) in fields {
            inserted.insert(n, json!(v));
        }
        let order = |e: &Extra| {
            e.iter()
                .map(|(n, v)| (n.to_owned(), v.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(order(&collected), order(&inserted));
        assert_eq!(
            order(&collected),
            [
                ("a".into(), json!(6)),
                ("b".into(), json!(5)),
                ("c".into(), json!(4))
            ]
        );
        let read: Extra = serde_json::from_str(r#"{"b":1,"a":2,"b":3}"#).unwrap();
        assert_eq!(read.keys().collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(read["b"], 3);
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
        let extra: Extra = [("id_token", json!("eyJ")), ("n", json!({"x": 1}))]
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
        assert_eq!(extra.keys().collect::<Vec<_>>(), ["b"]);
        let fields: Vec<_> = (&extra).into_iter().collect();
        assert_eq!(fields, [("b", &json!(2))]);
    }
}
