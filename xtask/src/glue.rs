//! The glue between progenitor's output and `crm-client-runtime`, emitted
//! into each generated file after progenitor's own code.
//!
//! - [`open_enum_text`]: text conversions (`FromStr`, `TryFrom<&str |
//!   &String | String>`, `Display`) for every open enum. Open enums are found
//!   *structurally* in progenitor's `types` module: an `enum X` whose
//!   variants are exactly `Known(K)` and `Unknown(U)`, one field each (what
//!   the specs' `oneOf: [{title: Known, allOf: [XKnown]}, {title: Unknown,
//!   type: string, not: {enum: [..]}}]` form generates). Every such enum gets
//!   them, whichever spec it comes from; nothing is listed by hand.
//! - [`runtime_client`]: `Client::from_config`, `Client::runtime` and the
//!   `ClientHooks` impl that routes every request through
//!   `Runtime::execute_operation`.
//! - [`operation_sends`]: for every operation of the spec (its operation
//!   list, not a scan of the output), the builder's `send()` and
//!   `send_typed()` returning `crm_client_runtime::ApiError`. progenitor's
//!   own `send()` is renamed `send_progenitor` and made private to the
//!   `builder` module, so every public call returns one error type. A spec
//!   operation without a builder, or whose builder has no `send()` of the
//!   expected shape, is a generation error naming the operation.

use openapiv3::OpenAPI;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::spec::operations;

/// The name progenitor gives the private, renamed original `send()`.
pub const RAW_SEND: &str = "send_progenitor";

/// Why the glue could not be emitted for an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlueProblem {
    /// The operation, as `id (METHOD /path)`.
    pub operation: String,
    /// What is wrong.
    pub message: String,
}

/// Emits every glue piece into `file`. `runtime` says whether the client
/// carries a `crm_client_runtime::Runtime` (hooks, constructors and the
/// `ApiError` sends need it; the open-enum conversions do not).
pub fn emit(
    file: &mut syn::File,
    openapi: &OpenAPI,
    runtime: bool,
) -> Result<(), Vec<GlueProblem>> {
    let enums = open_enum_text(file);
    file.items.extend(enums);
    if runtime {
        file.items.extend(runtime_client());
        let sends = operation_sends(file, openapi)?;
        if let Some(items) = module_items(file, "builder") {
            items.extend(sends);
        }
    }
    Ok(())
}

/// The open enums of `file`'s `types` module, `(X, K, U)` in file order.
pub fn open_enums(file: &syn::File) -> Vec<(syn::Ident, syn::Type, syn::Type)> {
    let Some(items) = file.items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    }) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        let syn::Item::Enum(e) = item else { continue };
        let arm = |name: &str| {
            e.variants.iter().find_map(|v| match &v.fields {
                syn::Fields::Unnamed(fields) if v.ident == name && fields.unnamed.len() == 1 => {
                    fields.unnamed.first().map(|f| f.ty.clone())
                }
                _ => None,
            })
        };
        if e.variants.len() != 2 || !e.generics.params.is_empty() {
            continue;
        }
        if let (Some(known), Some(unknown)) = (arm("Known"), arm("Unknown")) {
            out.push((e.ident.clone(), known, unknown));
        }
    }
    out
}

/// Text conversions for every open enum ([`open_enums`]): a known value
/// becomes `Known`, any other string `Unknown`; `Display` prints the value
/// as sent on the wire.
pub fn open_enum_text(file: &syn::File) -> Vec<syn::Item> {
    let mut out = Vec::new();
    for (open, known, unknown) in open_enums(file) {
        let doc = format!(
            " The wire text of a [`types::{open}`]: a known value becomes `Known`,\n any other string `Unknown`. Never fails in practice: the error exists\n only because the generated `Unknown` arm refuses the known values."
        );
        let tokens = quote! {
            impl ::core::str::FromStr for types::#open {
                type Err = types::error::ConversionError;
                #[doc = #doc]
                fn from_str(value: &str) -> ::core::result::Result<Self, types::error::ConversionError> {
                    match value.parse::<types::#known>() {
                        Ok(known) => Ok(Self::Known(known)),
                        Err(_) => types::#unknown::try_from(value.to_owned()).map(Self::Unknown),
                    }
                }
            }
            impl ::core::convert::TryFrom<&str> for types::#open {
                type Error = types::error::ConversionError;
                fn try_from(value: &str) -> ::core::result::Result<Self, types::error::ConversionError> {
                    value.parse()
                }
            }
            impl ::core::convert::TryFrom<&::std::string::String> for types::#open {
                type Error = types::error::ConversionError;
                fn try_from(value: &::std::string::String) -> ::core::result::Result<Self, types::error::ConversionError> {
                    value.parse()
                }
            }
            impl ::core::convert::TryFrom<::std::string::String> for types::#open {
                type Error = types::error::ConversionError;
                fn try_from(value: ::std::string::String) -> ::core::result::Result<Self, types::error::ConversionError> {
                    value.parse()
                }
            }
            /// The value as sent on the wire.
            impl ::core::fmt::Display for types::#open {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    match self {
                        Self::Known(known) => ::core::fmt::Display::fmt(known, f),
                        Self::Unknown(unknown) => f.write_str(unknown),
                    }
                }
            }
        };
        out.extend(items(tokens));
    }
    out
}

/// `Client::from_config`, `Client::runtime` and the `ClientHooks` impl
/// routing every request through `Runtime::execute_operation`.
pub fn runtime_client() -> Vec<syn::Item> {
    items(quote! {
        impl Client {
            /// A client built from `config`: its base URL, HTTP client
            /// (timeouts, user agent, body limits) and runtime (auth,
            /// retries, rate limit).
            ///
            /// # Errors
            /// [`crm_client_runtime::BuildError`] if the base URL or
            /// credentials are invalid or the HTTP client cannot be built.
            pub fn from_config(
                config: crm_client_runtime::ClientConfig,
            ) -> ::core::result::Result<Self, crm_client_runtime::BuildError> {
                let parts = config.build()?;
                Ok(Self::new_with_client(&parts.base_url, parts.http, parts.runtime))
            }

            /// The runtime this client routes every request through
            /// (counters, OAuth tokens).
            pub fn runtime(&self) -> &crm_client_runtime::Runtime {
                &self.inner
            }
        }

        /// Every request goes through
        /// [`crm_client_runtime::Runtime::execute_operation`]: auth, rate
        /// limit, retries, body limits.
        impl progenitor_client::ClientHooks<crm_client_runtime::Runtime> for Client {
            async fn exec(
                &self,
                request: reqwest::Request,
                info: &progenitor_client::OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                self.inner
                    .execute_operation(&self.client, request, info.operation_id)
                    .await
            }
        }
    })
}

/// One `send()` and one `send_typed()` per spec operation, for the
/// `builder` module; renames progenitor's `send()` in `file` to the private
/// [`RAW_SEND`].
pub fn operation_sends(
    file: &mut syn::File,
    openapi: &OpenAPI,
) -> Result<Vec<syn::Item>, Vec<GlueProblem>> {
    let Some(builder) = module_items(file, "builder") else {
        let problems = operations(openapi)
            .iter()
            .map(|op| GlueProblem {
                operation: op.label(),
                message: "progenitor generated no `builder` module".to_owned(),
            })
            .collect::<Vec<_>>();
        return if problems.is_empty() {
            Ok(Vec::new())
        } else {
            Err(problems)
        };
    };
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for op in operations(openapi) {
        let id = op.operation.operation_id.clone().unwrap_or_default();
        let name = format_ident!("{}", pascal_case(&id));
        match one_send(builder, &name, &id) {
            Ok(item) => out.push(item),
            Err(message) => problems.push(GlueProblem {
                operation: op.label(),
                message,
            }),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// Renames the original `send()` of builder `name` and returns the impl
/// holding the new `send()`/`send_typed()` for operation `id`.
fn one_send(builder: &mut [syn::Item], name: &syn::Ident, id: &str) -> Result<syn::Item, String> {
    let mut required = Vec::new();
    let mut found = None;
    let mut has_builder = false;
    for item in builder.iter_mut() {
        match item {
            syn::Item::Struct(s) if s.ident == *name => has_builder = true,
            syn::Item::Impl(imp)
                if imp.trait_.is_none() && self_ident(&imp.self_ty) == Some(name) =>
            {
                for member in &mut imp.items {
                    let syn::ImplItem::Fn(f) = member else {
                        continue;
                    };
                    if f.sig.ident == "new" {
                        required.extend(required_fields(&f.block));
                    } else if f.sig.ident == "send" {
                        let Some(types) = result_types(&f.sig.output) else {
                            return Err(format!(
                                "builder `{name}` has a `send()` not returning `Result<ResponseValue<T>, Error<E>>`"
                            ));
                        };
                        if f.sig.asyncness.is_none() {
                            return Err(format!("builder `{name}`'s `send()` is not async"));
                        }
                        f.sig.ident = format_ident!("{RAW_SEND}");
                        f.vis = syn::Visibility::Inherited;
                        found = Some(types);
                    }
                }
            }
            _ => {}
        }
    }
    if !has_builder {
        return Err(format!("progenitor generated no builder `{name}` for it"));
    }
    let Some((ok, err)) = found else {
        return Err(format!("builder `{name}` has no `send()`"));
    };
    let raw_send = format_ident!("{RAW_SEND}");
    let checks = required.iter().map(|(field, unset)| {
        let parameter = field.to_string();
        quote! {
            crm_client_runtime::error::require::<#err>(#id, #parameter, &self.#field, #unset)?;
        }
    });
    let stream = quote::ToTokens::to_token_stream(&ok)
        .to_string()
        .contains("ByteStream");
    let send_doc = format!(
        " Sends the request (`{id}`). The answer with its status and headers, or\n an [`crm_client_runtime::ApiError`] naming `{id}`: the status with the\n parsed error body, a required parameter left unset\n ([`MissingParameter`](crm_client_runtime::ApiError::MissingParameter)),\n the JSON path of a decode failure, a transport failure."
    );
    let map = if stream {
        quote!(crm_client_runtime::error::stream_response(#id, self.#raw_send().await).await)
    } else {
        quote!(crm_client_runtime::error::response(#id, self.#raw_send().await).await)
    };
    let typed = if stream {
        quote!()
    } else {
        let doc = format!(
            " [`send()`](Self::send) returning only the answer's value, or the same\n [`crm_client_runtime::ApiError`] naming `{id}`."
        );
        quote! {
            #[doc = #doc]
            pub async fn send_typed(self) -> ::std::result::Result<#ok, crm_client_runtime::ApiError<#err>> {
                self.send().await.map(ResponseValue::into_inner)
            }
        }
    };
    let tokens = quote! {
        impl<'a> #name<'a> {
            #[doc = #send_doc]
            pub async fn send(self) -> ::std::result::Result<ResponseValue<#ok>, crm_client_runtime::ApiError<#err>> {
                #(#checks)*
                #map
            }
            #typed
        }
    };
    syn::parse2(tokens)
        .map_err(|e| format!("emitted send() for builder `{name}` does not parse: {e}"))
}

/// `(field, message)` for every field a builder's `new()` starts as
/// `Err("<message>".to_string())`: the required ones.
fn required_fields(block: &syn::Block) -> Vec<(syn::Ident, String)> {
    let mut out = Vec::new();
    let Some(syn::Stmt::Expr(syn::Expr::Struct(init), _)) = block.stmts.last() else {
        return out;
    };
    for field in &init.fields {
        let syn::Member::Named(ident) = &field.member else {
            continue;
        };
        let syn::Expr::Call(call) = &field.expr else {
            continue;
        };
        let is_err = matches!(call.func.as_ref(), syn::Expr::Path(p) if p.path.is_ident("Err"));
        let Some(syn::Expr::MethodCall(m)) = call.args.first() else {
            continue;
        };
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) = m.receiver.as_ref()
        else {
            continue;
        };
        if is_err && m.method == "to_string" {
            out.push((ident.clone(), text.value()));
        }
    }
    out
}

fn self_ident(ty: &syn::Type) -> Option<&syn::Ident> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| &s.ident),
        _ => None,
    }
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

/// The items of top-level module `name`.
fn module_items<'f>(file: &'f mut syn::File, name: &str) -> Option<&'f mut Vec<syn::Item>> {
    file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// `tokens` as items (the quoted glue always parses; a failure would be a
/// bug in this file, caught by the fixture snapshot).
fn items(tokens: TokenStream) -> Vec<syn::Item> {
    syn::parse2::<syn::File>(tokens)
        .map(|f| f.items)
        .unwrap_or_default()
}

/// The builder name progenitor derives from an operationId: words split at
/// `_`, `-`, `.`, spaces and lower→upper case changes, each capitalised
/// (`get_accounts` → `GetAccounts`, `listUsers` → `ListUsers`).
pub fn pascal_case(id: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in id.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
        .iter()
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first
                    .to_uppercase()
                    .chain(chars.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_case_matches_progenitors_builder_names() {
        assert_eq!(pascal_case("get_accounts"), "GetAccounts");
        assert_eq!(pascal_case("listUsers"), "ListUsers");
        assert_eq!(pascal_case("v2.deals-list"), "V2DealsList");
    }
}
