//! Macros the generated client crates expand once each, so the glue between
//! a progenitor-generated crate and this runtime is written here, once.

/// Wires a progenitor-generated `Client` (generated with [`Runtime`](crate::Runtime)
/// as its inner type) to the runtime: adds `Client::from_config`, `Client::runtime` and the
/// `ClientHooks::exec` impl that routes every request through
/// [`Runtime::execute_operation`](crate::Runtime::execute_operation).
///
/// Expanded in each client crate's `client.rs`:
///
/// ```ignore
/// crm_client_runtime::runtime_client!(Client);
/// ```
#[macro_export]
macro_rules! runtime_client {
    ($client:ident) => {
        impl $client {
            /// A client built from `config`.
            ///
            /// # Errors
            /// [`BuildError`](crm_client_runtime::BuildError) if the base
            /// URL or credentials are invalid or the HTTP client cannot be
            /// built.
            pub fn from_config(
                config: $crate::ClientConfig,
            ) -> ::core::result::Result<Self, $crate::BuildError> {
                let parts = config.build()?;
                Ok($client::new_with_client(
                    &parts.base_url,
                    parts.http,
                    parts.runtime,
                ))
            }

            /// The runtime this client routes requests through.
            pub fn runtime(&self) -> &$crate::Runtime {
                &self.inner
            }
        }

        impl $crate::__private::progenitor_client::ClientHooks<$crate::Runtime> for $client {
            async fn exec(
                &self,
                request: $crate::__private::reqwest::Request,
                info: &$crate::__private::progenitor_client::OperationInfo,
            ) -> $crate::__private::reqwest::Result<$crate::__private::reqwest::Response> {
                self.inner
                    .execute_operation(&self.client, request, info.operation_id)
                    .await
            }
        }
    };
}

/// Text conversions for generated open enums (`X::Known(XKnown)` /
/// `X::Unknown(XUnknown)`): `FromStr`, `TryFrom<&str | &String | String>`
/// and `Display` as the value is sent on the wire. A known value becomes
/// `Known`, any other string `Unknown`.
///
/// `error` is the generated crate's `types::error::ConversionError` (each
/// generated crate has its own):
///
/// ```ignore
/// crm_client_runtime::open_enum_text! {
///     error: crate::types::error::ConversionError;
///     TaskType(TaskTypeKnown, TaskTypeUnknown);
/// }
/// ```
#[macro_export]
macro_rules! open_enum_text {
    (error: $error:ty; $($open:ident($known:ident, $unknown:ident);)*) => {$(
        impl ::core::str::FromStr for $open {
            type Err = $error;

            /// A known value becomes `Known`, any other string `Unknown`.
            /// Never fails in practice: the error exists only because the
            /// generated `Unknown` arm refuses the known values.
            fn from_str(value: &str) -> ::core::result::Result<Self, $error> {
                match value.parse::<$known>() {
                    Ok(known) => Ok(Self::Known(known)),
                    Err(_) => $unknown::try_from(value.to_owned()).map(Self::Unknown),
                }
            }
        }

        impl ::core::convert::TryFrom<&str> for $open {
            type Error = $error;
            fn try_from(value: &str) -> ::core::result::Result<Self, $error> {
                value.parse()
            }
        }

        impl ::core::convert::TryFrom<&::std::string::String> for $open {
            type Error = $error;
            fn try_from(value: &::std::string::String) -> ::core::result::Result<Self, $error> {
                value.parse()
            }
        }

        impl ::core::convert::TryFrom<::std::string::String> for $open {
            type Error = $error;
            fn try_from(value: ::std::string::String) -> ::core::result::Result<Self, $error> {
                value.parse()
            }
        }

        /// The value as sent on the wire.
        impl ::core::fmt::Display for $open {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self {
                    Self::Known(known) => ::core::fmt::Display::fmt(known, f),
                    Self::Unknown(unknown) => f.write_str(unknown),
                }
            }
        }
    )*};
}
