//! One Sell resource's records: compact JSON text per record, the ids in id
//! order, exact-match indexes built on first use and kept up to date on
//! every write, and sorted orders cached until the next write. A page of an
//! unfiltered list is a slice of the id order; a filtered one is an index
//! look-up.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

/// The separator of a field path's parts in index keys.
const SEP: char = '\u{1f}';

/// How many sorted orders are kept at once.
const SORT_CACHE: usize = 8;

/// A field path, e.g. `["address", "city"]` for `address[city]`.
pub(crate) type FieldPath = Vec<String>;

/// Reads `a[b][c]` as `["a", "b", "c"]`.
pub(crate) fn field_path(key: &str) -> FieldPath {
    let mut parts = Vec::new();
    let (head, mut rest) = match key.find('[') {
        Some(at) => (&key[..at], &key[at..]),
        None => (key, ""),
    };
    parts.push(head.to_owned());
    while let Some(stripped) = rest.strip_prefix('[') {
        match stripped.find(']') {
            Some(end) => {
                parts.push(stripped[..end].to_owned());
                rest = &stripped[end + 1..];
            }
            None => break,
        }
    }
    parts
}

/// The value at `path` in `value`.
pub(crate) fn lookup<'v>(value: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, part| v.get(part.as_str()))
}

/// The text a filter compares: strings lower-cased, numbers and booleans as
/// written; `None` for null, absent, arrays and objects.
pub(crate) fn filter_key(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.to_lowercase()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The records of one resource.
#[derive(Debug, Default)]
pub(crate) struct Table {
    next_id: i64,
    rows: HashMap<i64, Arc<str>>,
    /// Live ids, ascending.
    order: Vec<i64>,
    version: u64,
    sorted: HashMap<String, (u64, Arc<Vec<i64>>)>,
    indexes: HashMap<String, HashMap<String, Vec<i64>>>,
}

impl Table {
    /// An empty table whose first id is `first_id`.
    pub fn new(first_id: i64) -> Self {
        Table {
            next_id: first_id,
            ..Table::default()
        }
    }

    /// The next id this table gives out.
    pub fn next_id(&mut self) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// The record with `id`, as JSON text.
    pub fn get(&self, id: i64) -> Option<&Arc<str>> {
        self.rows.get(&id)
    }

    /// The record with `id`, parsed.
    pub fn get_value(&self, id: i64) -> Option<Value> {
        self.rows
            .get(&id)
            .and_then(|text| serde_json::from_str(text).ok())
    }

    /// Every record in id order, as JSON text.
    pub fn iter(&self) -> impl Iterator<Item = (i64, &Arc<str>)> {
        self.order
            .iter()
            .filter_map(|id| self.rows.get(id).map(|row| (*id, row)))
    }

    /// Adds a record that already carries its `id` (ids must grow).
    pub fn insert(&mut self, id: i64, record: &Value) -> Arc<str> {
        let text: Arc<str> = Arc::from(record.to_string());
        self.insert_text(id, Arc::clone(&text), Some(record));
        text
    }

    /// Adds a record given as JSON text (seeding: no parse).
    pub fn insert_text(&mut self, id: i64, text: Arc<str>, parsed: Option<&Value>) {
        if !self.indexes.is_empty() {
            let parsed_here;
            let value = match parsed {
                Some(v) => v,
                None => {
                    parsed_here = serde_json::from_str::<Value>(&text).unwrap_or(Value::Null);
                    &parsed_here
                }
            };
            self.index_add(id, value);
        }
        if self.order.last().is_none_or(|last| *last < id) {
            self.order.push(id);
        } else if let Err(at) = self.order.binary_search(&id) {
            self.order.insert(at, id);
        }
        self.next_id = self.next_id.max(id + 1);
        self.rows.insert(id, text);
        self.version += 1;
    }

    /// Replaces record `id` (which must exist) with `record`.
    pub fn replace(&mut self, id: i64, old: &Value, record: &Value) -> Arc<str> {
        self.index_remove(id, old);
        self.index_add(id, record);
        let text: Arc<str> = Arc::from(record.to_string());
        self.rows.insert(id, Arc::clone(&text));
        self.version += 1;
        text
    }

    /// Removes record `id`; returns its last JSON text.
    pub fn remove(&mut self, id: i64) -> Option<Arc<str>> {
        let text = self.rows.remove(&id)?;
        if !self.indexes.is_empty()
            && let Ok(old) = serde_json::from_str::<Value>(&text)
        {
            self.index_remove(id, &old);
        }
        if let Ok(at) = self.order.binary_search(&id) {
            self.order.remove(at);
        }
        self.version += 1;
        Some(text)
    }

    fn index_add(&mut self, id: i64, value: &Value) {
        for (name, index) in &mut self.indexes {
            let path: Vec<String> = name.split(SEP).map(str::to_owned).collect();
            if let Some(key) = filter_key(lookup(value, &path)) {
                let ids = index.entry(key).or_default();
                if let Err(at) = ids.binary_search(&id) {
                    ids.insert(at, id);
                }
            }
        }
    }

    fn index_remove(&mut self, id: i64, value: &Value) {
        for (name, index) in &mut self.indexes {
            let path: Vec<String> = name.split(SEP).map(str::to_owned).collect();
            if let Some(key) = filter_key(lookup(value, &path))
                && let Some(ids) = index.get_mut(&key)
            {
                if let Ok(at) = ids.binary_search(&id) {
                    ids.remove(at);
                }
                if ids.is_empty() {
                    index.remove(&key);
                }
            }
        }
    }

    /// The ids (ascending) whose field at `path` equals `wanted`
    /// (case-insensitively for text). Builds the field's index on first use.
    pub fn matching(&mut self, path: &[String], wanted: &str) -> Vec<i64> {
        let name = path.join(&SEP.to_string());
        if !self.indexes.contains_key(&name) {
            let mut index: HashMap<String, Vec<i64>> = HashMap::new();
            for id in &self.order {
                let Some(text) = self.rows.get(id) else {
                    continue;
                };
                let Ok(value) = serde_json::from_str::<Value>(text) else {
                    continue;
                };
                if let Some(key) = filter_key(lookup(&value, path)) {
                    index.entry(key).or_default().push(*id);
                }
            }
            self.indexes.insert(name.clone(), index);
        }
        self.indexes
            .get(&name)
            .and_then(|index| index.get(&wanted.to_lowercase()))
            .cloned()
            .unwrap_or_default()
    }

    /// The ids in the order `sort_by` names (`field`, `field:desc`,
    /// comma-separated for several), ties by id; cached until the next write.
    pub fn sorted(&mut self, sort_by: &str) -> Arc<Vec<i64>> {
        if let Some((version, ids)) = self.sorted.get(sort_by)
            && *version == self.version
        {
            return Arc::clone(ids);
        }
        let keys: Vec<(FieldPath, bool)> = sort_by
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|spec| match spec.rsplit_once(':') {
                Some((field, dir)) => (field_path(field), dir.eq_ignore_ascii_case("desc")),
                None => (field_path(spec), false),
            })
            .collect();
        let mut rows: Vec<(i64, Vec<Value>)> = self
            .iter()
            .map(|(id, text)| {
                let value = serde_json::from_str::<Value>(text).unwrap_or(Value::Null);
                let key = keys
                    .iter()
                    .map(|(path, _)| lookup(&value, path).cloned().unwrap_or(Value::Null))
                    .collect();
                (id, key)
            })
            .collect();
        rows.sort_by(|(a_id, a), (b_id, b)| {
            for (i, (_, desc)) in keys.iter().enumerate() {
                let ord = compare(&a[i], &b[i]);
                let ord = if *desc { ord.reverse() } else { ord };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            a_id.cmp(b_id)
        });
        let ids = Arc::new(rows.into_iter().map(|(id, _)| id).collect::<Vec<_>>());
        if self.sorted.len() >= SORT_CACHE {
            self.sorted.clear();
        }
        self.sorted
            .insert(sort_by.to_owned(), (self.version, Arc::clone(&ids)));
        ids
    }

    /// Every id, ascending.
    pub fn ids(&self) -> &[i64] {
        &self.order
    }
}

/// Orders JSON values for sorting: null (and absent) last, then booleans,
/// numbers, strings (case-insensitively), arrays and objects.
fn compare(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Bool(_) => 0,
            Value::Number(_) => 1,
            Value::String(_) => 2,
            Value::Array(_) => 3,
            Value::Object(_) => 4,
            Value::Null => 5,
        }
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
        (Value::String(x), Value::String(y)) => x
            .to_lowercase()
            .cmp(&y.to_lowercase())
            .then_with(|| x.cmp(y)),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// Merges a partial update into a record: top-level attributes replace,
/// `custom_fields` merges key by key.
pub(crate) fn merge(record: &mut Map<String, Value>, update: Map<String, Value>) {
    for (key, value) in update {
        if key == "custom_fields"
            && let Value::Object(fields) = value
        {
            let target = record
                .entry("custom_fields")
                .or_insert_with(|| Value::Object(Map::new()));
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            if let Value::Object(existing) = target {
                existing.extend(fields);
            }
            continue;
        }
        record.insert(key, value);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn paths_read_brackets() {
        assert_eq!(field_path("email"), vec!["email"]);
        assert_eq!(field_path("address[city]"), vec!["address", "city"]);
        assert_eq!(
            field_path("custom_fields[external id]"),
            vec!["custom_fields", "external id"]
        );
    }

    #[test]
    fn indexes_follow_writes_and_sorts_follow_versions() {
        let mut t = Table::new(1);
        for (i, name) in ["b", "A", "c"].iter().enumerate() {
            let id = t.next_id();
            t.insert(id, &json!({"id": id, "name": name, "n": 3 - i}));
        }
        assert_eq!(t.matching(&field_path("name"), "a"), vec![2]);
        assert_eq!(*t.sorted("name"), vec![2, 1, 3]);
        assert_eq!(*t.sorted("n:desc"), vec![1, 2, 3]);
        let old = t.get_value(2).unwrap_or_default();
        t.replace(2, &old, &json!({"id": 2, "name": "z", "n": 0}));
        assert!(t.matching(&field_path("name"), "a").is_empty());
        assert_eq!(t.matching(&field_path("name"), "Z"), vec![2]);
        assert_eq!(*t.sorted("name"), vec![1, 3, 2]);
        t.remove(1);
        assert_eq!(t.ids(), &[2, 3]);
        assert!(t.matching(&field_path("name"), "b").is_empty());
    }
}
