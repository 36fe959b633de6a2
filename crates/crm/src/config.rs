//! The configuration file (endpoints, the Gong integration) and the
//! environment variables that hold the secrets.
//!
//! ```toml
//! [gong]
//! base_url = "https://us-55616.api.gong.io"   # optional, default https://api.gong.io
//! integration_id = 6286478263646123457
//! currency = "USD"                            # the Gong company's currency (optional)
//! requests_per_second = 3                     # optional; 0 = no client-side limit
//!
//! [conecrm]
//! base_url = "https://api.conecrm.com"        # optional
//!
//! [zendesk_sell]
//! base_url = "https://api.getbase.com"        # optional
//!
//! [currency]                                  # rates into the Gong currency (optional)
//! EUR = "1.08"
//!
//! [urls.conecrm]                              # links back to the source (optional)
//! account = "https://crm.example.com/accounts/{id}"
//!
//! [users.conecrm]                             # emails of users a source does not list
//! "018cbd2b-0000-7000-8000-000000000001" = "jane@example.com"
//! ```
//!
//! Where the file is found ([`locate`]), first match wins:
//!
//! 1. `--config FILE`;
//! 2. the `CRM_CONFIG` environment variable;
//! 3. `crm-bridge/crm.toml` in the user configuration directory, if it
//!    exists: `$XDG_CONFIG_HOME` or `~/.config` on Linux and macOS,
//!    `%APPDATA%` on Windows ([`user_config_file`]);
//! 4. `crm.toml` in the working directory.
//!
//! Secrets never go in the file. They are read from the environment:
//! `GONG_ACCESS_KEY` + `GONG_ACCESS_KEY_SECRET` (or `GONG_BEARER_TOKEN`),
//! `CONECRM_TOKEN`, `ZENDESK_SELL_TOKEN` (or `ZENDESK_SELL_CLIENT_ID` +
//! `ZENDESK_SELL_CLIENT_SECRET` + `ZENDESK_SELL_REFRESH_TOKEN`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crm_client_runtime::oauth::OAuth2Credentials;
use crm_client_runtime::{Auth, ClientConfig, RateLimit};
use crm_core::{ConvertOptions, Currency, EntityKind, System};
use serde::Deserialize;

use crate::error::CrmError;

/// The configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Gong's CRM integration.
    pub gong: Option<GongConfig>,
    /// ConeCRM.
    pub conecrm: Option<EndpointConfig>,
    /// Zendesk Sell.
    pub zendesk_sell: Option<EndpointConfig>,
    /// Exchange rates into the Gong company's currency: `EUR = "1.08"`
    /// (one euro is worth 1.08 of it). An amount in a currency without a
    /// rate is sent as the additional fields `amountInSourceCurrency` and
    /// `sourceCurrency` instead of `amount`, and reported.
    #[serde(default)]
    pub currency: BTreeMap<String, Rate>,
    /// URL templates of records in their source system, per system and
    /// entity (`[urls.zendesk-sell] deal = "https://…/deals/{id}"`),
    /// replacing the built-in ones.
    #[serde(default)]
    pub urls: BTreeMap<String, BTreeMap<String, String>>,
    /// Users' emails by source and user id (`[users.conecrm]
    /// "<user id>" = "jane@example.com"`), for a source that lists no
    /// users with emails: Gong maps a deal's owner to a Gong user by the
    /// business user's email.
    #[serde(default)]
    pub users: BTreeMap<String, BTreeMap<String, String>>,
}

/// An exchange rate, written as a string (`"1.08"`, exact) or a number.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Rate {
    /// `"1.08"`.
    Text(String),
    /// `1.08`.
    Number(f64),
}

/// The system a `[<section>.<name>]` table is for.
fn section_system(section: &str, name: &str) -> Result<System, CrmError> {
    name.parse().map_err(|_| {
        CrmError::Config(format!(
            "[{section}.{name}]: no such system (gong, conecrm, zendesk-sell)"
        ))
    })
}

impl Config {
    /// The `[users]` tables by system.
    ///
    /// # Errors
    /// [`CrmError::Config`] naming a system that does not exist or a value
    /// that is not an email address.
    pub fn user_emails(&self) -> Result<BTreeMap<System, BTreeMap<String, String>>, CrmError> {
        let mut out = BTreeMap::new();
        for (system, emails) in &self.users {
            let parsed = section_system("users", system)?;
            if let Some((id, email)) = emails
                .iter()
                .find(|(_, e)| !crm_core::Email::new(e.as_str()).looks_valid())
            {
                return Err(CrmError::Config(format!(
                    "[users.{system}] {id:?} = {email:?}: not an email address"
                )));
            }
            out.insert(parsed, emails.clone());
        }
        Ok(out)
    }

    /// The conversion choices this configuration makes: the Gong company's
    /// currency, the exchange rates, the record URL templates.
    ///
    /// # Errors
    /// [`CrmError::Config`] naming a rate that is not a positive number, a
    /// system or entity that does not exist, or a template that cannot make
    /// a URL.
    pub fn convert_options(&self) -> Result<ConvertOptions, CrmError> {
        let mut options = ConvertOptions {
            gong_currency: self
                .gong
                .as_ref()
                .and_then(|g| g.currency.clone())
                .map(Currency::new),
            ..ConvertOptions::default()
        };
        for (code, rate) in &self.currency {
            let text = match rate {
                Rate::Text(text) => text.clone(),
                Rate::Number(n) => n.to_string(),
            };
            let amount = crm_core::Money::parse(&text, None)
                .map(|m| m.amount)
                .filter(|a| a.is_sign_positive() && !a.is_zero())
                .ok_or_else(|| {
                    CrmError::Config(format!(
                        "[currency] {code} = {text:?}: a rate is a positive number"
                    ))
                })?;
            options
                .currency_rates
                .insert(Currency::new(code.to_ascii_uppercase()), amount);
        }
        for (system, templates) in &self.urls {
            let system = section_system("urls", system)?;
            for (entity, template) in templates {
                let kind: EntityKind = entity.parse().map_err(|_| {
                    CrmError::Config(format!("[urls.{system}] {entity}: no such entity"))
                })?;
                options
                    .record_urls
                    .set(system, kind, template.clone())
                    .map_err(|e| CrmError::Config(format!("[urls.{system}] {entity}: {e}")))?;
            }
        }
        Ok(options)
    }
}

/// Gong's section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GongConfig {
    /// The company's API host (default `https://api.gong.io`).
    pub base_url: Option<String>,
    /// The registered generic CRM integration (`crm gong setup` registers
    /// one and prints its id).
    pub integration_id: Option<i64>,
    /// The Gong company's currency (ISO 4217), for amounts in other currencies.
    pub currency: Option<String>,
    /// Requests per second the client allows itself (default: Gong's
    /// published 3/s and 10,000/day; `0`: no client-side limit).
    pub requests_per_second: Option<u32>,
}

/// A system's endpoint.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointConfig {
    /// The base URL (default: the system's public API).
    pub base_url: Option<String>,
    /// Requests per second the client allows itself (default: the system's
    /// published limit; `0`: no client-side limit).
    pub requests_per_second: Option<u32>,
}

impl Config {
    /// Reads a TOML configuration file.
    ///
    /// # Errors
    /// [`CrmError::Config`] when the file is missing or wrong (naming the
    /// line), [`CrmError::Io`] when it cannot be read.
    pub fn load(path: &Path) -> Result<Config, CrmError> {
        let text = std::fs::read_to_string(path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => CrmError::Config(format!(
                "{} not found: write one (see `crm sync --help`), or try `crm mock serve`, which prints one for its mock servers",
                path.display()
            )),
            _ => CrmError::Io {
                path: path.to_path_buf(),
                source,
            },
        })?;
        toml::from_str(&text).map_err(|e| CrmError::Config(format!("{}: {e}", path.display())))
    }
}

/// The environment variable naming the configuration file.
pub const CONFIG_ENV: &str = "CRM_CONFIG";

/// The file name looked for in the user configuration directory and the
/// working directory.
pub const CONFIG_FILE: &str = "crm.toml";

/// How the configuration file was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigOrigin {
    /// `--config`.
    Flag,
    /// The `CRM_CONFIG` variable.
    Env,
    /// The user configuration directory.
    UserDir,
    /// `crm.toml` in the working directory (the default).
    WorkingDir,
}

/// `crm-bridge/crm.toml` in the user configuration directory: the XDG
/// directory (`$XDG_CONFIG_HOME`, else `~/.config`) on Linux and macOS —
/// where command-line tools keep their settings — and the roaming AppData
/// folder on Windows. `None` without a home directory.
pub fn user_config_file() -> Option<PathBuf> {
    use etcetera::BaseStrategy as _;
    etcetera::choose_base_strategy()
        .ok()
        .map(|s| s.config_dir().join("crm-bridge").join(CONFIG_FILE))
}

/// The configuration file to read, and why; see the [module docs](self).
/// `flag` is `--config`, `env` the value of `CRM_CONFIG` (empty counts as
/// unset), `user_file` [`user_config_file`] (used only if it exists).
pub fn locate(
    flag: Option<&Path>,
    env: Option<&std::ffi::OsStr>,
    user_file: Option<&Path>,
) -> (PathBuf, ConfigOrigin) {
    if let Some(path) = flag {
        return (path.to_path_buf(), ConfigOrigin::Flag);
    }
    if let Some(path) = env.filter(|v| !v.is_empty()) {
        return (PathBuf::from(path), ConfigOrigin::Env);
    }
    if let Some(path) = user_file.filter(|p| p.is_file()) {
        return (path.to_path_buf(), ConfigOrigin::UserDir);
    }
    (PathBuf::from(CONFIG_FILE), ConfigOrigin::WorkingDir)
}

impl Config {
    /// Finds ([`locate`], with the process's `CRM_CONFIG` and
    /// [`user_config_file`]) and reads the configuration file.
    ///
    /// # Errors
    /// As [`Config::load`]; a missing default file names every place looked in.
    pub fn discover(flag: Option<&Path>) -> Result<(Config, PathBuf), CrmError> {
        let env = std::env::var_os(CONFIG_ENV);
        let user = user_config_file();
        let (path, origin) = locate(flag, env.as_deref(), user.as_deref());
        match Config::load(&path) {
            Err(CrmError::Config(_)) if origin == ConfigOrigin::WorkingDir && !path.exists() => {
                Err(CrmError::Config(format!(
                    "no configuration file: looked for --config, ${CONFIG_ENV}, {} and ./{CONFIG_FILE}; write one (see `crm sync --help`), or try `crm mock serve > {CONFIG_FILE}`, which prints one for its mock servers",
                    user.as_deref().map_or_else(
                        || "the user config directory".to_owned(),
                        |p| p.display().to_string()
                    )
                )))
            }
            other => other.map(|config| (config, path)),
        }
    }
}

/// Where secrets come from (the process environment, or a map in tests).
pub trait Secrets {
    /// The value of `name`.
    fn get(&self, name: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct Environment;

impl Secrets for Environment {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

impl Secrets for std::collections::BTreeMap<String, String> {
    fn get(&self, name: &str) -> Option<String> {
        std::collections::BTreeMap::get(self, name).cloned()
    }
}

fn missing(system: System, what: &str) -> CrmError {
    CrmError::Config(format!("{system}: set {what} in the environment"))
}

/// `c` with the configured client-side rate limit, if one is set.
fn limited(c: ClientConfig, per_second: Option<u32>) -> ClientConfig {
    match per_second {
        None => c,
        Some(0) => c.with_rate_limit(RateLimit::unlimited()),
        Some(n) => c.with_rate_limit(RateLimit::per_second(n)),
    }
}

/// The client configuration for `system`, from the file and the secrets.
///
/// # Errors
/// [`CrmError::Config`] when a secret is missing.
pub fn client_config(
    config: &Config,
    system: System,
    secrets: &dyn Secrets,
) -> Result<ClientConfig, CrmError> {
    match system {
        System::Gong => {
            let auth = match (
                secrets.get("GONG_ACCESS_KEY"),
                secrets.get("GONG_ACCESS_KEY_SECRET"),
                secrets.get("GONG_BEARER_TOKEN"),
            ) {
                (Some(key), Some(secret), _) => Auth::basic(key, secret),
                (_, _, Some(token)) => Auth::bearer(token),
                _ => {
                    return Err(missing(
                        system,
                        "GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET (or GONG_BEARER_TOKEN)",
                    ));
                }
            };
            let mut c = gong_crm_api::Client::config(auth);
            if let Some(url) = config.gong.as_ref().and_then(|g| g.base_url.clone()) {
                c = c.with_base_url(url);
            }
            Ok(limited(
                c,
                config.gong.as_ref().and_then(|g| g.requests_per_second),
            ))
        }
        System::Conecrm => {
            let token = secrets
                .get("CONECRM_TOKEN")
                .ok_or_else(|| missing(system, "CONECRM_TOKEN"))?;
            let mut c = conecrm_api::Client::config(Auth::bearer(token));
            if let Some(url) = config.conecrm.as_ref().and_then(|g| g.base_url.clone()) {
                c = c.with_base_url(url);
            }
            Ok(limited(
                c,
                config.conecrm.as_ref().and_then(|g| g.requests_per_second),
            ))
        }
        System::ZendeskSell => {
            let auth = match (
                secrets.get("ZENDESK_SELL_TOKEN"),
                secrets.get("ZENDESK_SELL_CLIENT_ID"),
                secrets.get("ZENDESK_SELL_CLIENT_SECRET"),
                secrets.get("ZENDESK_SELL_REFRESH_TOKEN"),
            ) {
                (Some(token), ..) => Auth::bearer(token),
                (None, Some(id), Some(secret), Some(refresh)) => Auth::oauth2(
                    OAuth2Credentials::new(zendesk_sell_api::TOKEN_URL, id, secret, refresh),
                ),
                _ => {
                    return Err(missing(
                        system,
                        "ZENDESK_SELL_TOKEN (or ZENDESK_SELL_CLIENT_ID, ZENDESK_SELL_CLIENT_SECRET and ZENDESK_SELL_REFRESH_TOKEN)",
                    ));
                }
            };
            let mut c = zendesk_sell_api::Client::config(auth);
            if let Some(url) = config
                .zendesk_sell
                .as_ref()
                .and_then(|g| g.base_url.clone())
            {
                c = c.with_base_url(url);
            }
            Ok(limited(
                c,
                config
                    .zendesk_sell
                    .as_ref()
                    .and_then(|g| g.requests_per_second),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn parses_the_documented_file_and_refuses_unknown_keys() {
        let config: Config = toml::from_str(
            "[gong]\nintegration_id = 6286478263646123457\ncurrency = \"USD\"\n[zendesk_sell]\nbase_url = \"http://127.0.0.1:1\"\n",
        )
        .unwrap();
        assert_eq!(
            config.gong.as_ref().unwrap().integration_id.unwrap(),
            6_286_478_263_646_123_457
        );
        assert!(toml::from_str::<Config>("[gong]\nintegration_id = 1\napi_key = \"x\"\n").is_err());
    }

    #[test]
    fn secrets_come_from_the_environment_and_never_print() {
        let mut env = BTreeMap::new();
        env.insert("GONG_ACCESS_KEY".to_owned(), "AK-1".to_owned());
        env.insert("GONG_ACCESS_KEY_SECRET".to_owned(), "SK-2".to_owned());
        let config = Config::default();
        let c = client_config(&config, System::Gong, &env).unwrap();
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("AK-1") && !shown.contains("SK-2"),
            "{shown}"
        );
        let err = client_config(&config, System::Conecrm, &env).unwrap_err();
        assert_eq!(
            err.to_string(),
            "configuration: conecrm: set CONECRM_TOKEN in the environment"
        );
    }
}
