//! The glue the generator emits around progenitor's output, pinned on a
//! small fixture spec (`tests/fixtures/glue.yaml`: one operation with a
//! required parameter, one open enum, an error type) with the real crates'
//! settings: `Client::from_config`/`runtime`, the `ClientHooks` impl, the
//! open enum's text conversions, and the operation's `send()` (ApiError,
//! unset-parameter check) and `send_typed()`. The snapshot holds only the
//! emitted glue; progenitor's own output is guarded by its version.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]

use std::path::Path;

use xtask::targets::{Target, raw_client};

const FIXTURE: Target = Target {
    name: "glue-fixture",
    spec: "xtask/tests/fixtures/glue.yaml",
    krate: "none",
    out: "none",
    settings: raw_client,
    runtime: true,
};

fn generated() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/glue.yaml");
    let spec = xtask::load_spec(&path, FIXTURE.spec).expect("fixture loads");
    xtask::generate(&FIXTURE, &spec).expect("fixture generates")
}

fn show(item: &syn::Item) -> String {
    let mut file = syn::parse_file("").expect("empty file parses");
    file.items = vec![item.clone()];
    prettyplease::unparse(&file)
}

fn problems(file: &mut syn::File, openapi: &openapiv3::OpenAPI) -> Vec<xtask::glue::GlueProblem> {
    match xtask::glue::operation_sends(file, openapi) {
        Ok(_) => panic!("expected a generation error"),
        Err(problems) => problems,
    }
}

/// The emitted pieces, each as it appears in the generated file.
fn glue(code: &str) -> String {
    let file = syn::parse_file(code).expect("generated code parses");
    let mut out = Vec::new();
    for item in &file.items {
        let text = show(item);
        match item {
            // the top-level glue: text conversions, constructors, hooks
            syn::Item::Impl(_)
                if text.contains("types::State ")
                    || text.contains("fn from_config")
                    || text.contains("ClientHooks<crm_client_runtime::Runtime>") =>
            {
                out.push(text);
            }
            // the builder module: the renamed original and the new sends
            syn::Item::Mod(m) if m.ident == "builder" => {
                for inner in m.content.iter().flat_map(|(_, items)| items) {
                    let text = show(inner);
                    if text.contains("pub async fn send(") {
                        out.push(text);
                    }
                }
            }
            _ => {}
        }
    }
    out.join("\n")
}

#[test]
fn every_glue_piece_is_pinned() {
    let code = generated();
    // progenitor's own send() is private and renamed: every public call
    // returns ApiError.
    assert!(code.contains("async fn send_progenitor("), "renamed");
    assert!(!code.contains("pub async fn send_progenitor("), "private");
    insta::assert_snapshot!("glue_fixture", glue(&code));
}

#[test]
fn a_spec_operation_without_a_builder_is_an_error_naming_it() {
    let spec = xtask::spec::parse_spec(
        b"openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: list_things\n      responses:\n        '200': {description: ok}\n",
        "inline.yaml",
    )
    .expect("spec parses");
    // progenitor's output without the builder for `list_things`.
    let mut file: syn::File = syn::parse_str("pub mod builder {}").expect("parses");
    let found = problems(&mut file, &spec.openapi);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].operation, "list_things (GET /a)");
    assert_eq!(
        found[0].message,
        "progenitor generated no builder `ListThings` for it"
    );

    // A builder whose send() has an unexpected shape.
    let mut file: syn::File = syn::parse_str(
        "pub mod builder { pub struct ListThings<'a>(&'a ()); impl<'a> ListThings<'a> { pub async fn send(self) -> u8 { 0 } } }",
    )
    .expect("parses");
    let found = problems(&mut file, &spec.openapi);
    assert!(
        found[0]
            .message
            .contains("not returning `Result<ResponseValue<T>, Error<E>>`"),
        "{found:?}"
    );
}
