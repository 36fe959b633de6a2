//! Loading and checking a hand-written OpenAPI document before generation.
//!
//! progenitor and openapiv3 report problems vaguely or panic (a 3.1 document
//! fails with "did not match any variant of untagged enum ReferenceOr"), so the
//! checks here run first and name the file, the operation and the place.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use openapiv3::{OpenAPI, Operation, StatusCode};
use serde_json::Value;

/// A spec read from disk: its bytes, its JSON tree and its typed form.
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    /// The path used in messages (as given, usually repo-relative).
    pub path: PathBuf,
    /// The file's exact bytes (hashed into the generated file's header).
    pub bytes: Vec<u8>,
    /// The document as a JSON tree (for `$ref` checks).
    pub json: Value,
    /// The typed document.
    pub openapi: OpenAPI,
}

/// One problem found in a spec, attached to an operation where there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `operation_id (METHOD /path)`, or `None` for document-level problems.
    pub operation: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.operation {
            Some(op) => write!(f, "operation {op}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Why a spec could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Read {
        /// The spec file.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not YAML (or JSON).
    #[error("{file}: not valid YAML: {message}")]
    Yaml {
        /// The spec file.
        file: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// The `openapi:` version is missing or not 3.0.x.
    #[error("{file}: `openapi: {found}` is not supported: progenitor reads OpenAPI 3.0.x only")]
    Version {
        /// The spec file.
        file: String,
        /// The version found (or `<missing>`).
        found: String,
    },
    /// The document does not have the shape of an OpenAPI 3.0 document.
    #[error("{file}: not an OpenAPI 3.0 document at `{path}`: {message}")]
    Shape {
        /// The spec file.
        file: String,
        /// The JSON path of the offending value.
        path: String,
        /// What serde said.
        message: String,
    },
    /// The document parsed but breaks rules the generator depends on.
    #[error("{file}: {} problem(s):\n{}", problems.len(), list(problems))]
    Problems {
        /// The spec file.
        file: String,
        /// Every problem found.
        problems: Vec<Problem>,
    },
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads, parses and checks a spec. `display` is the path used in messages.
pub fn load_spec(path: &Path, display: &str) -> Result<LoadedSpec, SpecError> {
    let bytes = std::fs::read(path).map_err(|source| SpecError::Read {
        file: display.to_owned(),
        source,
    })?;
    parse_spec(&bytes, display)
}

/// Parses and checks spec bytes. `display` is the path used in messages.
pub fn parse_spec(bytes: &[u8], display: &str) -> Result<LoadedSpec, SpecError> {
    let file = display.to_owned();
    let text = std::str::from_utf8(bytes).map_err(|e| SpecError::Yaml {
        file: file.clone(),
        message: format!("not UTF-8: {e}"),
    })?;
    // YAML 1.2 core booleans only: `no`/`yes`/`on`/`off` stay strings.
    let options = || serde_saphyr::options! { strict_booleans: true };
    let json: Value =
        serde_saphyr::from_str_with_options(text, options()).map_err(|e| SpecError::Yaml {
            file: file.clone(),
            message: e.to_string(),
        })?;

    let version = json.get("openapi").map(|v| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    match &version {
        Some(v) if v.starts_with("3.0.") => {}
        other => {
            return Err(SpecError::Version {
                file,
                found: other.clone().unwrap_or_else(|| "<missing>".to_owned()),
            });
        }
    }

    // The typed document is read from the YAML itself so it keeps the
    // document's order (serde_json's map would sort keys); on failure the
    // JSON tree is read again only to name the failing place.
    let openapi: OpenAPI = match serde_saphyr::from_str_with_options(text, options()) {
        Ok(openapi) => openapi,
        Err(_) => {
            return Err(
                match serde_path_to_error::deserialize::<_, OpenAPI>(&json) {
                    Err(e) => shape_error(&file, &json, e),
                    Ok(_) => SpecError::Shape {
                        file,
                        path: String::new(),
                        message: "the YAML parser rejected the document as OpenAPI".to_owned(),
                    },
                },
            );
        }
    };

    let problems = check(&openapi, &json);
    if !problems.is_empty() {
        return Err(SpecError::Problems { file, problems });
    }
    Ok(LoadedSpec {
        path: PathBuf::from(display),
        bytes: bytes.to_vec(),
        json,
        openapi,
    })
}

/// Turns a deserialization error into [`SpecError::Shape`]. openapiv3 reads
/// `paths` through a flattened map, which hides the path below `paths`: in
/// that case each path item is read alone to find the failing one.
fn shape_error(
    file: &str,
    json: &Value,
    error: serde_path_to_error::Error<serde_json::Error>,
) -> SpecError {
    let mut path = error.path().to_string();
    let mut message = error.inner().to_string();
    if let (true, Some(Value::Object(items))) = (path == "paths", json.get("paths")) {
        for (name, item) in items {
            let one: Result<openapiv3::ReferenceOr<openapiv3::PathItem>, _> =
                serde_path_to_error::deserialize(item);
            if let Err(e) = one {
                path = format!("paths.{name}.{}", e.path());
                message = e.inner().to_string();
                break;
            }
        }
    }
    SpecError::Shape {
        file: file.to_owned(),
        path,
        message,
    }
}

/// An operation with where it lives.
#[derive(Debug, Clone, Copy)]
pub struct OperationRef<'a> {
    /// The path template.
    pub path: &'a str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The operation.
    pub operation: &'a Operation,
}

impl OperationRef<'_> {
    /// `operation_id (METHOD /path)` for messages.
    pub fn label(&self) -> String {
        match &self.operation.operation_id {
            Some(id) => format!("{id} ({} {})", self.method, self.path),
            None => format!("<no operationId> ({} {})", self.method, self.path),
        }
    }

    /// Whether the operation is marked `x-handwritten: true`.
    pub fn is_handwritten(&self) -> bool {
        is_handwritten(self.operation)
    }
}

/// Whether an operation is marked `x-handwritten: true` (the generator skips it).
pub fn is_handwritten(operation: &Operation) -> bool {
    operation.extensions.get("x-handwritten") == Some(&Value::Bool(true))
}

/// Every operation of the document, in document order.
pub fn operations(openapi: &OpenAPI) -> Vec<OperationRef<'_>> {
    let mut out = Vec::new();
    for (path, item) in openapi.paths.iter() {
        let Some(item) = item.as_item() else { continue };
        for (method, operation) in item.iter() {
            out.push(OperationRef {
                path,
                method: upper(method),
                operation,
            });
        }
    }
    out
}

fn upper(method: &str) -> &'static str {
    match method {
        "get" => "GET",
        "put" => "PUT",
        "post" => "POST",
        "delete" => "DELETE",
        "options" => "OPTIONS",
        "head" => "HEAD",
        "patch" => "PATCH",
        "trace" => "TRACE",
        _ => "?",
    }
}

/// Checks the rules the generator relies on: every operation has a unique
/// `operationId` and a 2xx response, and every `$ref` resolves.
pub fn check(openapi: &OpenAPI, json: &Value) -> Vec<Problem> {
    let mut problems = Vec::new();
    let ops = operations(openapi);

    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    for op in &ops {
        match op.operation.operation_id.as_deref() {
            None | Some("") => problems.push(Problem {
                operation: Some(op.label()),
                message: "has no operationId".to_owned(),
            }),
            Some(id) => {
                if let Some(first) = seen.get(id) {
                    problems.push(Problem {
                        operation: Some(op.label()),
                        message: format!("operationId `{id}` is already used by {first}"),
                    });
                } else {
                    seen.insert(id, format!("{} {}", op.method, op.path));
                }
            }
        }
        let has_success = op
            .operation
            .responses
            .responses
            .keys()
            .any(|code| match code {
                StatusCode::Code(c) => (200..300).contains(c),
                StatusCode::Range(r) => *r == 2,
            });
        if !has_success {
            problems.push(Problem {
                operation: Some(op.label()),
                message: "has no 2xx response".to_owned(),
            });
        }
    }

    problems.extend(check_open_enums(json));

    let mut refs = Vec::new();
    collect_refs(json, &mut String::new(), &mut refs);
    for (pointer, target) in refs {
        let resolves = target
            .strip_prefix('#')
            .is_some_and(|p| json.pointer(p).is_some());
        if !resolves {
            problems.push(Problem {
                operation: operation_at(&pointer, openapi),
                message: format!("`$ref: {target}` at `{pointer}` does not resolve"),
            });
        }
    }
    problems
}

/// Checks every open enum of `components/schemas`: a `oneOf` whose arms are
/// titled `Known` (`allOf: [$ref: <closed enum>]`) and `Unknown` (a string
/// with `not: {enum: [...]}`). The `not.enum` list must repeat the known
/// values exactly, or a known value could decode as `Unknown` (or a new one
/// be refused).
fn check_open_enums(json: &Value) -> Vec<Problem> {
    let mut problems = Vec::new();
    let Some(Value::Object(schemas)) = json.pointer("/components/schemas") else {
        return problems;
    };
    for (name, schema) in schemas {
        let Some(Value::Array(arms)) = schema.get("oneOf") else {
            continue;
        };
        let arm = |title: &str| {
            arms.iter()
                .find(|a| a.get("title").and_then(Value::as_str) == Some(title))
        };
        let (Some(known), Some(unknown)) = (arm("Known"), arm("Unknown")) else {
            continue;
        };
        let mut problem = |message: String| {
            problems.push(Problem {
                operation: None,
                message: format!("open enum `{name}`: {message}"),
            })
        };
        let known_values = known
            .pointer("/allOf/0/$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| json.pointer(p))
            .and_then(|s| s.get("enum"))
            .and_then(Value::as_array);
        let Some(known_values) = known_values else {
            problem("the `Known` arm must be `allOf: [{$ref: <a string enum>}]`".to_owned());
            continue;
        };
        let Some(excluded) = unknown.pointer("/not/enum").and_then(Value::as_array) else {
            problem(
                "the `Unknown` arm must exclude the known values with `not: {enum: [...]}`"
                    .to_owned(),
            );
            continue;
        };
        let missing: Vec<String> = known_values
            .iter()
            .filter(|v| !excluded.contains(v))
            .map(ToString::to_string)
            .collect();
        let extra: Vec<String> = excluded
            .iter()
            .filter(|v| !known_values.contains(v))
            .map(ToString::to_string)
            .collect();
        if !missing.is_empty() || !extra.is_empty() {
            problem(format!(
                "`not.enum` of the `Unknown` arm must list exactly the known values (missing: [{}], extra: [{}])",
                missing.join(", "),
                extra.join(", ")
            ));
        }
    }
    problems
}

/// Collects `(json pointer of the $ref, target)` for every `$ref` in the tree.
fn collect_refs(value: &Value, pointer: &mut String, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                if key == "$ref" {
                    if let Value::String(target) = child {
                        out.push((pointer.clone(), target.clone()));
                    }
                } else {
                    collect_refs(child, pointer, out);
                }
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                collect_refs(child, pointer, out);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

/// The operation a JSON pointer points into, if it is under `/paths/<p>/<method>`.
fn operation_at(pointer: &str, openapi: &OpenAPI) -> Option<String> {
    let mut parts = pointer.trim_start_matches('/').split('/');
    if parts.next()? != "paths" {
        return None;
    }
    let path = parts.next()?.replace("~1", "/").replace("~0", "~");
    let method = parts.next()?;
    operations(openapi)
        .into_iter()
        .find(|op| op.path == path && op.method.eq_ignore_ascii_case(method))
        .map(|op| op.label())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(yaml: &str) -> Vec<String> {
        match parse_spec(yaml.as_bytes(), "specs/t.yaml") {
            Err(SpecError::Problems { problems, .. }) => {
                problems.iter().map(ToString::to_string).collect()
            }
            Err(e) => vec![e.to_string()],
            Ok(_) => vec![],
        }
    }

    const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

    #[test]
    fn rejects_openapi_31_with_a_clear_message() {
        let err = parse_spec(
            b"openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n",
            "specs/t.yaml",
        )
        .err()
        .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "specs/t.yaml: `openapi: 3.1.0` is not supported: progenitor reads OpenAPI 3.0.x only"
            )
        );
    }

    #[test]
    fn names_duplicate_ids_missing_success_and_dangling_refs() {
        let yaml = format!(
            "{HEAD}paths:\n  /a:\n    get:\n      operationId: same\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '#/components/schemas/Missing'}}\n  /b:\n    get:\n      operationId: same\n      responses:\n        '404': {{description: no}}\n"
        );
        let found = problems(&yaml);
        assert_eq!(
            found,
            vec![
                "operation same (GET /b): operationId `same` is already used by GET /a",
                "operation same (GET /b): has no 2xx response",
                "operation same (GET /a): `$ref: #/components/schemas/Missing` at `/paths/~1a/get/responses/200/content/application~1json/schema/$ref` does not resolve",
            ]
        );
    }

    #[test]
    fn open_enums_must_exclude_exactly_the_known_values() {
        let yaml = format!(
            "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    S:\n      oneOf:\n        - title: Known\n          allOf: [{{$ref: '#/components/schemas/K'}}]\n        - title: Unknown\n          type: string\n          not: {{enum: [A, C]}}\n    K: {{type: string, enum: [A, B]}}\n"
        );
        assert_eq!(
            problems(&yaml),
            vec![
                "open enum `S`: `not.enum` of the `Unknown` arm must list exactly the known values (missing: [\"B\"], extra: [\"C\"])"
            ]
        );
    }

    #[test]
    fn shape_errors_name_the_json_path() {
        let yaml =
            format!("{HEAD}paths:\n  /a:\n    get:\n      operationId: a\n      responses: 7\n");
        let err = parse_spec(yaml.as_bytes(), "specs/t.yaml")
            .err()
            .map(|e| e.to_string());
        let err = err.unwrap_or_default();
        assert!(
            err.starts_with("specs/t.yaml: not an OpenAPI 3.0 document at `paths./a"),
            "{err}"
        );
    }

    #[test]
    fn yaml_errors_are_reported_not_panicked() {
        let err = parse_spec(b"openapi: [\n", "specs/t.yaml")
            .err()
            .map(|e| e.to_string());
        assert!(
            err.unwrap_or_default()
                .starts_with("specs/t.yaml: not valid YAML")
        );
    }
}
