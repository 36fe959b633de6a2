//! Running progenitor on one spec and rendering the committed file.
//!
//! progenitor panics on some inputs (e.g. two success schemas on one
//! operation: `response_types.len() <= 1`). Generation runs under
//! `catch_unwind`; when it fails, each operation is generated alone to name
//! the operations at fault.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use openapiv3::OpenAPI;
use progenitor::{GenerationSettings, Generator};
use sha2::{Digest, Sha256};

use crate::spec::{LoadedSpec, is_handwritten, operations};
use crate::targets::Target;

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenError {
    /// progenitor returned an error or panicked.
    #[error("{file}: progenitor failed: {message}{}", at(operations))]
    Progenitor {
        /// The spec file.
        file: String,
        /// progenitor's error or panic message.
        message: String,
        /// The operations that fail when generated alone (`id (METHOD /path)`).
        operations: Vec<String>,
    },
    /// progenitor produced tokens that are not a Rust file.
    #[error("{file}: generated code does not parse: {message}")]
    Unparsable {
        /// The spec file.
        file: String,
        /// syn's message.
        message: String,
    },
}

fn at(operations: &[String]) -> String {
    if operations.is_empty() {
        " (no single operation fails alone: the problem is in shared components)".to_owned()
    } else {
        format!("\n  failing operation(s): {}", operations.join(", "))
    }
}

/// Generates the complete file for `target` from `spec`: header + formatted code.
pub fn generate(target: &Target, spec: &LoadedSpec) -> Result<String, GenError> {
    let file = spec.path.display().to_string();
    let mut openapi = spec.openapi.clone();
    let handwritten = strip_handwritten(&mut openapi);

    let mut settings = GenerationSettings::default();
    (target.settings)(&mut settings);

    let tokens = match run_progenitor(&openapi, &settings) {
        Ok(tokens) => tokens,
        Err(message) => {
            return Err(GenError::Progenitor {
                operations: failing_operations(&openapi, &settings),
                file,
                message,
            });
        }
    };
    let mut syntax: syn::File = syn::parse2(tokens).map_err(|e| GenError::Unparsable {
        file: file.clone(),
        message: e.to_string(),
    })?;
    if target.typed_send {
        syntax.items.extend(typed_sends(&syntax));
    }
    let code = prettyplease::unparse(&syntax);
    Ok(format!(
        "{}{code}",
        header(target, &file, &spec.bytes, &handwritten)
    ))
}

/// One `send_typed()` per operation builder, read off progenitor's output.
///
/// For every `impl builder::X` whose `send()` returns
/// `Result<ResponseValue<T>, Error<E>>` (and whose body names its
/// `operation_id`), emits
///
/// ```text
/// impl<'a> builder::X<'a> {
///     pub async fn send_typed(self) -> Result<T, crm_client_runtime::ApiError<E>> { .. }
/// }
/// ```
///
/// so a caller gets the value itself, or an `ApiError` that names the
/// operation, keeps the status and the parsed error body, reads the body of
/// undocumented answers and gives the JSON path of a decode failure.
/// Operations answering a byte stream are skipped.
pub fn typed_sends(file: &syn::File) -> Vec<syn::Item> {
    let Some(builder) = file.items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    }) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in builder {
        let syn::Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() {
            continue;
        }
        let syn::Type::Path(self_ty) = imp.self_ty.as_ref() else {
            continue;
        };
        let Some(name) = self_ty.path.segments.last().map(|s| s.ident.clone()) else {
            continue;
        };
        for member in &imp.items {
            let syn::ImplItem::Fn(f) = member else {
                continue;
            };
            if f.sig.ident != "send" {
                continue;
            }
            let Some((ok, err)) = result_types(&f.sig.output) else {
                continue;
            };
            if quote::ToTokens::to_token_stream(&ok)
                .to_string()
                .contains("ByteStream")
            {
                continue;
            }
            let Some(operation) = operation_id(&f.block) else {
                continue;
            };
            let doc = format!(
                " Sends the request and returns the answer's value, or an\n [`crm_client_runtime::ApiError`] naming `{operation}`, with the status and\n the parsed error body, or the JSON path of a decode failure."
            );
            let tokens = quote::quote! {
                impl<'a> builder::#name<'a> {
                    #[doc = #doc]
                    pub async fn send_typed(self) -> ::std::result::Result<#ok, crm_client_runtime::ApiError<#err>> {
                        crm_client_runtime::error::typed(#operation, self.send().await).await
                    }
                }
            };
            if let Ok(item) = syn::parse2::<syn::Item>(tokens) {
                out.push(item);
            }
        }
    }
    out
}

/// `(T, E)` of a return type `Result<ResponseValue<T>, Error<E>>`.
fn result_types(output: &syn::ReturnType) -> Option<(syn::Type, syn::Type)> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let args = generic_args(ty, "Result")?;
    let [ok, err] = args.as_slice() else {
        return None;
    };
    let ok = generic_args(ok, "ResponseValue")?.into_iter().next()?;
    let err = generic_args(err, "Error")?.into_iter().next()?;
    Some((ok, err))
}

/// The type arguments of `ty` when its last path segment is `name`.
fn generic_args(ty: &syn::Type, name: &str) -> Option<Vec<syn::Type>> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    Some(
        args.args
            .iter()
            .filter_map(|a| match a {
                syn::GenericArgument::Type(t) => Some(t.clone()),
                _ => None,
            })
            .collect(),
    )
}

/// The `operation_id: "<id>"` literal inside a generated `send()` body.
fn operation_id(block: &syn::Block) -> Option<String> {
    let text = quote::ToTokens::to_token_stream(block).to_string();
    let start = text.find("operation_id : \"")? + "operation_id : \"".len();
    let end = text[start..].find('"')?;
    Some(text[start..start + end].to_owned())
}

/// The header every generated file starts with. It names the spec and the
/// target row, and records the spec's SHA-256 so that any byte changed in the
/// spec (even a comment) makes `--check` report the file as stale.
pub fn header(target: &Target, file: &str, spec_bytes: &[u8], handwritten: &[String]) -> String {
    let digest = Sha256::digest(spec_bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let mut out = format!(
        "// @generated by `cargo xtask regenerate` from {file} (target `{}` in xtask/src/targets.rs).\n\
         // Do not edit by hand: change the spec or the generator settings, then run\n\
         // `cargo xtask regenerate`. CI runs `cargo xtask regenerate --check`.\n\
         // spec sha256: {hex}\n",
        target.name
    );
    if !handwritten.is_empty() {
        out.push_str(&format!(
            "// x-handwritten (not generated, implemented in the crate by hand): {}\n",
            handwritten.join(", ")
        ));
    }
    out.push('\n');
    out
}

/// Removes every `x-handwritten: true` operation; returns their operationIds.
pub fn strip_handwritten(openapi: &mut OpenAPI) -> Vec<String> {
    let ids = operations(openapi)
        .iter()
        .filter(|op| op.is_handwritten())
        .map(|op| op.operation.operation_id.clone().unwrap_or_default())
        .collect();
    for (_, item) in openapi.paths.paths.iter_mut() {
        let openapiv3::ReferenceOr::Item(item) = item else {
            continue;
        };
        for slot in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ] {
            if slot.as_ref().is_some_and(is_handwritten) {
                *slot = None;
            }
        }
    }
    openapi
        .paths
        .paths
        .retain(|_, item| item.as_item().is_none_or(|i| i.iter().next().is_some()));
    ids
}

/// Runs progenitor, turning both its errors and its panics into a message.
fn run_progenitor(
    openapi: &OpenAPI,
    settings: &GenerationSettings,
) -> Result<proc_macro2::TokenStream, String> {
    let result = capture_panics(|| Generator::new(settings).generate_tokens(openapi));
    match result {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => Err(format!("panicked: {panic}")),
    }
}

/// Generates each operation alone and returns those that fail.
fn failing_operations(openapi: &OpenAPI, settings: &GenerationSettings) -> Vec<String> {
    let mut failing = Vec::new();
    for op in operations(openapi) {
        let mut single = openapi.clone();
        single.paths.paths.clear();
        let mut item = openapiv3::PathItem::default();
        let slot = match op.method {
            "GET" => &mut item.get,
            "PUT" => &mut item.put,
            "POST" => &mut item.post,
            "DELETE" => &mut item.delete,
            "OPTIONS" => &mut item.options,
            "HEAD" => &mut item.head,
            "PATCH" => &mut item.patch,
            _ => &mut item.trace,
        };
        *slot = Some(op.operation.clone());
        if let Some(original) = openapi.paths.paths.get(op.path).and_then(|i| i.as_item()) {
            item.parameters = original.parameters.clone();
        }
        single
            .paths
            .paths
            .insert(op.path.to_owned(), openapiv3::ReferenceOr::Item(item));
        if let Err(message) = run_progenitor(&single, settings) {
            failing.push(format!("{}: {message}", op.label()));
        }
    }
    failing
}

thread_local! {
    static CAPTURED: RefCell<Option<String>> = const { RefCell::new(None) };
    static CAPTURING: RefCell<bool> = const { RefCell::new(false) };
}

/// Runs `f`, catching a panic and returning its message. While `f` runs, a
/// panic on this thread is recorded instead of printed; panics on other
/// threads still reach the previous hook.
fn capture_panics<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CAPTURING.with(|c| *c.borrow()) {
                let message = if let Some(s) = info.payload().downcast_ref::<&str>() {
                    (*s).to_owned()
                } else if let Some(s) = info.payload().downcast_ref::<String>() {
                    s.clone()
                } else {
                    "<non-string panic payload>".to_owned()
                };
                let location = info
                    .location()
                    .map(|l| format!(" at {}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                CAPTURED.with(|c| *c.borrow_mut() = Some(format!("{message}{location}")));
            } else {
                previous(info);
            }
        }));
    });
    CAPTURING.with(|c| *c.borrow_mut() = true);
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CAPTURING.with(|c| *c.borrow_mut() = false);
    result.map_err(|_| {
        CAPTURED
            .with(|c| c.borrow_mut().take())
            .unwrap_or_else(|| "<panic message lost>".to_owned())
    })
}
