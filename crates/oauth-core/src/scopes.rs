//! [`Scopes`]: the scopes a token was granted.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The scopes a token was granted, in the server's order.
///
/// Held as RFC 6749 §3.3 writes them, one string of space-separated scope tokens: the server's
/// `scope` field is kept as it arrived (one allocation, none when it is moved in) and read
/// token by token. Serialized as a JSON array of the tokens.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Scopes(String);

impl Scopes {
    /// No scopes.
    pub const fn new() -> Self {
        Self(String::new())
    }

    /// The scopes in a `scope` string: separated by any run of ASCII whitespace (some servers
    /// use several spaces, or tabs). A string already in the canonical form (single spaces,
    /// nothing around) is kept as it is.
    pub fn parse(scope: impl Into<String>) -> Self {
        let scope = scope.into();
        if is_canonical(scope.as_bytes()) {
            Self(scope)
        } else {
            scope.split_ascii_whitespace().collect()
        }
    }

    /// The scope tokens, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + Clone + '_ {
        self.0.split(' ').filter(|s| !s.is_empty())
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether `scope` is one of them.
    pub fn contains(&self, scope: &str) -> bool {
        self.iter().any(|s| s == scope)
    }

    /// The space-separated form, as a `scope` parameter takes it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `scope` is tokens separated by single spaces, with nothing around them. It runs for
/// every token a server sends; written without early exits it took about half the
/// instructions of a loop that stops at the first offending byte.
fn is_canonical(scope: &[u8]) -> bool {
    let other_whitespace = scope.iter().fold(false, |found, &b| {
        found | (b.is_ascii_whitespace() & (b != b' '))
    });
    let double_space = scope
        .iter()
        .zip(scope.iter().skip(1))
        .fold(false, |found, (&a, &b)| found | ((a == b' ') & (b == b' ')));
    !other_whitespace
        && !double_space
        && scope.first() != Some(&b' ')
        && scope.last() != Some(&b' ')
}

impl<S: AsRef<str>> FromIterator<S> for Scopes {
    /// The scopes `scopes` lists; an empty item, or one with whitespace inside, is split like
    /// a `scope` string.
    fn from_iter<I: IntoIterator<Item = S>>(scopes: I) -> Self {
        let mut joined = String::new();
        for scope in scopes {
            for token in scope.as_ref().split_ascii_whitespace() {
                if !joined.is_empty() {
                    joined.push(' ');
                }
                joined.push_str(token);
            }
        }
        Self(joined)
    }
}

impl From<Vec<String>> for Scopes {
    fn from(scopes: Vec<String>) -> Self {
        scopes.into_iter().collect()
    }
}

impl fmt::Debug for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<const N: usize> PartialEq<[&str; N]> for Scopes {
    fn eq(&self, other: &[&str; N]) -> bool {
        self.iter().eq(other.iter().copied())
    }
}

impl<const N: usize> PartialEq<[&str; N]> for &Scopes {
    fn eq(&self, other: &[&str; N]) -> bool {
        (*self).eq(other)
    }
}

impl Serialize for Scopes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Scopes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<String>::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_canonical_scope_string_is_kept_and_others_are_normalised() {
        for (scope, expected) in [
            ("read write", "read write"),
            ("  read \t write\n", "read write"),
            ("read  write", "read write"),
            ("", ""),
            ("   ", ""),
        ] {
            let scopes = Scopes::parse(scope);
            assert_eq!(scopes.as_str(), expected, "{scope:?}");
            assert_eq!(scopes.len(), expected.split_whitespace().count());
        }
        assert_eq!(Scopes::parse("read write"), ["read", "write"]);
        assert!(Scopes::parse(" ").is_empty());
    }

    #[test]
    fn only_single_inner_spaces_are_canonical() {
        for canonical in ["", "a", "read write", "a b:c d/e"] {
            assert!(is_canonical(canonical.as_bytes()), "{canonical:?}");
        }
        for other in [" ", " a", "a ", "a  b", "a\tb", "a\nb", "a\x0cb", "a b "] {
            assert!(!is_canonical(other.as_bytes()), "{other:?}");
        }
    }

    #[test]
    fn scopes_from_a_list_equal_those_from_a_string() {
        let listed: Scopes = ["read", "write:all"].into_iter().collect();
        assert_eq!(listed, Scopes::parse("read write:all"));
        assert!(listed.contains("write:all") && !listed.contains("write"));
        assert_eq!(
            Scopes::from(vec![" a  b".to_owned(), String::new()]),
            ["a", "b"]
        );
    }

    #[test]
    fn scopes_are_a_json_array() {
        let scopes = Scopes::parse("read write");
        let json = serde_json::to_string(&scopes).unwrap();
        assert_eq!(json, r#"["read","write"]"#);
        assert_eq!(serde_json::from_str::<Scopes>(&json).unwrap(), scopes);
        assert_eq!(format!("{scopes:?}"), r#"["read", "write"]"#);
    }
}
