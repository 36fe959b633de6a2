//! A compact, reviewable summary of a spec's API surface.
//!
//! The insta snapshots under `tests/` hold this text for every spec, so a
//! spec change shows up in review as a small diff of operations, parameters,
//! request/response types and schema fields.

use std::fmt::Write as _;

use openapiv3::{
    AdditionalProperties, OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, Schema,
    SchemaKind, StatusCode, Type,
};

use crate::spec::operations;

/// Renders the API surface of `openapi` as text.
pub fn api_surface(openapi: &OpenAPI) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {} {}", openapi.info.title, openapi.info.version);
    for server in &openapi.servers {
        let _ = writeln!(out, "server {}", server.url);
    }
    let _ = writeln!(out, "\n## operations ({})", operations(openapi).len());
    for op in operations(openapi) {
        let o = op.operation;
        let mut flags = Vec::new();
        if o.deprecated {
            flags.push("deprecated");
        }
        if op.is_handwritten() {
            flags.push("x-handwritten");
        }
        let flags = if flags.is_empty() {
            String::new()
        } else {
            format!("  [{}]", flags.join(", "))
        };
        let _ = writeln!(
            out,
            "\n{}  {} {}{flags}",
            o.operation_id.as_deref().unwrap_or("<none>"),
            op.method,
            op.path
        );
        let path_params = openapi
            .paths
            .paths
            .get(op.path)
            .and_then(|i| i.as_item())
            .map(|i| i.parameters.clone())
            .unwrap_or_default();
        for p in path_params.iter().chain(o.parameters.iter()) {
            let _ = writeln!(out, "  {}", parameter(resolve_parameter(openapi, p)));
        }
        if let Some(body) = &o.request_body {
            let _ = writeln!(out, "  {}", request_body(body));
        }
        // Group response codes that share a type: `400, 401: ErrorResponse`.
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for (code, response) in &o.responses.responses {
            let code = match code {
                StatusCode::Code(c) => c.to_string(),
                StatusCode::Range(r) => format!("{r}XX"),
            };
            let ty = response_type(resolve_response(openapi, response));
            match groups.iter_mut().find(|(t, _)| *t == ty) {
                Some((_, codes)) => codes.push(code),
                None => groups.push((ty, vec![code])),
            }
        }
        if let Some(default) = &o.responses.default {
            groups.push((
                response_type(resolve_response(openapi, default)),
                vec!["default".to_owned()],
            ));
        }
        for (ty, codes) in groups {
            let _ = writeln!(out, "  {}: {ty}", codes.join(", "));
        }
    }

    if let Some(components) = &openapi.components {
        let _ = writeln!(out, "\n## schemas ({})", components.schemas.len());
        for (name, schema) in &components.schemas {
            match schema {
                ReferenceOr::Reference { reference } => {
                    let _ = writeln!(out, "\n{name} = {}", ref_name(reference));
                }
                ReferenceOr::Item(s) => {
                    let _ = writeln!(out, "\n{name}: {}", schema_type(s));
                    if let SchemaKind::Type(Type::Object(obj)) = &s.schema_kind {
                        for (field, fs) in &obj.properties {
                            let req = if obj.required.contains(field) {
                                "*"
                            } else {
                                ""
                            };
                            let _ = writeln!(out, "  {field}{req}: {}", boxed_type(fs));
                        }
                        if !obj.properties.is_empty() {
                            match &obj.additional_properties {
                                Some(AdditionalProperties::Schema(v)) => {
                                    let _ = writeln!(
                                        out,
                                        "  ...: {} (other fields kept)",
                                        schema_or_ref(v)
                                    );
                                }
                                Some(AdditionalProperties::Any(false)) => {
                                    let _ = writeln!(out, "  (no other fields allowed)");
                                }
                                _ => {}
                            }
                        }
                    }
                    if let SchemaKind::AllOf { all_of } = &s.schema_kind {
                        for part in all_of {
                            if let ReferenceOr::Item(Schema {
                                schema_kind: SchemaKind::Type(Type::Object(obj)),
                                ..
                            }) = part
                            {
                                for (field, fs) in &obj.properties {
                                    let req = if obj.required.contains(field) {
                                        "*"
                                    } else {
                                        ""
                                    };
                                    let _ = writeln!(out, "  {field}{req}: {}", boxed_type(fs));
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

/// Follows a `#/components/parameters/...` reference (one level).
fn resolve_parameter<'a>(
    openapi: &'a OpenAPI,
    p: &'a ReferenceOr<Parameter>,
) -> &'a ReferenceOr<Parameter> {
    let found = match p {
        ReferenceOr::Reference { reference } => openapi
            .components
            .as_ref()
            .and_then(|c| c.parameters.get(ref_name(reference))),
        ReferenceOr::Item(_) => None,
    };
    found.unwrap_or(p)
}

/// Follows a `#/components/responses/...` reference (one level).
fn resolve_response<'a>(
    openapi: &'a OpenAPI,
    r: &'a ReferenceOr<openapiv3::Response>,
) -> &'a ReferenceOr<openapiv3::Response> {
    let found = match r {
        ReferenceOr::Reference { reference } => openapi
            .components
            .as_ref()
            .and_then(|c| c.responses.get(ref_name(reference))),
        ReferenceOr::Item(_) => None,
    };
    found.unwrap_or(r)
}

fn parameter(p: &ReferenceOr<Parameter>) -> String {
    let p = match p {
        ReferenceOr::Reference { reference } => return format!("param {}", ref_name(reference)),
        ReferenceOr::Item(p) => p,
    };
    let (kind, data) = match p {
        Parameter::Query { parameter_data, .. } => ("query", parameter_data),
        Parameter::Header { parameter_data, .. } => ("header", parameter_data),
        Parameter::Path { parameter_data, .. } => ("path", parameter_data),
        Parameter::Cookie { parameter_data, .. } => ("cookie", parameter_data),
    };
    let ty = match &data.format {
        ParameterSchemaOrContent::Schema(s) => schema_or_ref(s),
        ParameterSchemaOrContent::Content(_) => "<content>".to_owned(),
    };
    let req = if data.required { "*" } else { "" };
    format!("{kind:<6} {}{req}: {ty}", data.name)
}

fn request_body(body: &ReferenceOr<openapiv3::RequestBody>) -> String {
    match body {
        ReferenceOr::Reference { reference } => format!("body {}", ref_name(reference)),
        ReferenceOr::Item(b) => {
            let req = if b.required { "*" } else { "" };
            let parts: Vec<String> = b
                .content
                .iter()
                .map(|(mime, media)| {
                    let ty = media
                        .schema
                        .as_ref()
                        .map(schema_or_ref)
                        .unwrap_or_else(|| "-".into());
                    format!("{mime} {ty}")
                })
                .collect();
            format!("body{req} {}", parts.join(" | "))
        }
    }
}

fn response_type(r: &ReferenceOr<openapiv3::Response>) -> String {
    match r {
        ReferenceOr::Reference { reference } => ref_name(reference).to_owned(),
        ReferenceOr::Item(r) => {
            if r.content.is_empty() {
                return "(no body)".to_owned();
            }
            r.content
                .iter()
                .map(|(mime, media)| {
                    let ty = media
                        .schema
                        .as_ref()
                        .map(schema_or_ref)
                        .unwrap_or_else(|| "-".into());
                    if mime == "application/json" {
                        ty
                    } else {
                        format!("{mime} {ty}")
                    }
                })
                .collect::<Vec<_>>()
                .join(" | ")
        }
    }
}

fn ref_name(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

fn schema_or_ref(s: &ReferenceOr<Schema>) -> String {
    match s {
        ReferenceOr::Reference { reference } => ref_name(reference).to_owned(),
        ReferenceOr::Item(s) => schema_type(s),
    }
}

fn boxed_type(s: &ReferenceOr<Box<Schema>>) -> String {
    match s {
        ReferenceOr::Reference { reference } => ref_name(reference).to_owned(),
        ReferenceOr::Item(s) => schema_type(s),
    }
}

fn variants(items: &[ReferenceOr<Schema>]) -> String {
    items
        .iter()
        .map(|v| match v {
            ReferenceOr::Item(s) => match &s.schema_data.title {
                Some(title) => format!("{title}: {}", schema_type(s)),
                None => schema_type(s),
            },
            r => schema_or_ref(r),
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

fn schema_type(s: &Schema) -> String {
    let base = match &s.schema_kind {
        SchemaKind::Type(Type::String(t)) => {
            let mut out = "string".to_owned();
            if let openapiv3::VariantOrUnknownOrEmpty::Item(f) = &t.format {
                out = format!(
                    "string/{}",
                    serde_json::to_value(f)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                );
            } else if let openapiv3::VariantOrUnknownOrEmpty::Unknown(f) = &t.format {
                out = format!("string/{f}");
            }
            if !t.enumeration.is_empty() {
                let values: Vec<&str> =
                    t.enumeration.iter().flatten().map(String::as_str).collect();
                out.push_str(&format!(" enum[{}]", values.join(", ")));
            }
            if let Some(max) = t.max_length {
                out.push_str(&format!(" maxLength={max}"));
            }
            if let Some(pattern) = &t.pattern {
                out.push_str(&format!(" pattern={pattern}"));
            }
            out
        }
        SchemaKind::Type(Type::Integer(t)) => match &t.format {
            openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::IntegerFormat::Int64) => {
                "integer/int64".to_owned()
            }
            openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::IntegerFormat::Int32) => {
                "integer/int32".to_owned()
            }
            openapiv3::VariantOrUnknownOrEmpty::Unknown(f) => format!("integer/{f}"),
            openapiv3::VariantOrUnknownOrEmpty::Empty => "integer".to_owned(),
        },
        SchemaKind::Type(Type::Number(t)) => match &t.format {
            openapiv3::VariantOrUnknownOrEmpty::Item(f) => format!("number/{f:?}").to_lowercase(),
            openapiv3::VariantOrUnknownOrEmpty::Unknown(f) => format!("number/{f}"),
            openapiv3::VariantOrUnknownOrEmpty::Empty => "number".to_owned(),
        },
        SchemaKind::Type(Type::Boolean(_)) => "boolean".to_owned(),
        SchemaKind::Type(Type::Array(a)) => match &a.items {
            Some(items) => format!("array<{}>", boxed_type(items)),
            None => "array<any>".to_owned(),
        },
        SchemaKind::Type(Type::Object(o)) => {
            if o.properties.is_empty() {
                match &o.additional_properties {
                    Some(AdditionalProperties::Schema(v)) => {
                        format!("map<string, {}>", schema_or_ref(v))
                    }
                    Some(AdditionalProperties::Any(true)) => "map<string, any>".to_owned(),
                    _ => "object".to_owned(),
                }
            } else {
                "object".to_owned()
            }
        }
        SchemaKind::OneOf { one_of } => format!("oneOf[{}]", variants(one_of)),
        SchemaKind::AnyOf { any_of } => format!("anyOf[{}]", variants(any_of)),
        SchemaKind::AllOf { all_of } => format!("allOf[{}]", variants(all_of)),
        SchemaKind::Not { .. } => "not".to_owned(),
        SchemaKind::Any(_) => "any".to_owned(),
    };
    if s.schema_data.nullable {
        format!("{base}?")
    } else {
        base
    }
}
