//! The web domains of an organisation, from its website and its business
//! email addresses — what Gong matches calls and emails on when no contact
//! matches (seed 000: account `domains`).
//!
//! ```
//! use crm_core::domains::{email_domain, website_domain};
//!
//! assert_eq!(website_domain("https://www.Acme.com/about").as_deref(), Some("acme.com"));
//! assert_eq!(website_domain("acme.co.uk").as_deref(), Some("acme.co.uk"));
//! assert_eq!(email_domain("sales@acme.com").as_deref(), Some("acme.com"));
//! assert_eq!(email_domain("jane@gmail.com"), None, "a free-mail provider is nobody's domain");
//! ```

use crate::model::Account;
use crate::values::Email;

/// The major free-mail providers: an address at one of them says nothing
/// about the company it belongs to, so its domain is never an account's.
///
/// A short list of the providers that hold most personal mailboxes, kept
/// here because the one crate that ships such a list
/// (`email_provider_validator`) downloads it over the network at build
/// time, which an offline build cannot do.
pub const FREE_MAIL: &[&str] = &[
    "aol.com",
    "att.net",
    "comcast.net",
    "free.fr",
    "gmail.com",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "googlemail.com",
    "hotmail.co.uk",
    "hotmail.com",
    "hotmail.fr",
    "icloud.com",
    "libero.it",
    "live.com",
    "mac.com",
    "mail.com",
    "mail.ru",
    "me.com",
    "msn.com",
    "naver.com",
    "orange.fr",
    "outlook.com",
    "proton.me",
    "protonmail.com",
    "qq.com",
    "rediffmail.com",
    "sbcglobal.net",
    "t-online.de",
    "web.de",
    "yahoo.co.uk",
    "yahoo.com",
    "yahoo.fr",
    "yandex.com",
    "yandex.ru",
    "ymail.com",
    "zoho.com",
    "126.com",
    "163.com",
];

/// Whether `domain` is a free-mail provider's ([`FREE_MAIL`]).
pub fn is_free_mail(domain: &str) -> bool {
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    FREE_MAIL.contains(&domain.as_str())
}

/// A domain in its normal form: lower case, no trailing dot, no `www.`;
/// `None` unless it has a dot and only the characters a host name has.
fn normal(host: &str) -> Option<String> {
    let host = host.trim().trim_end_matches('.').to_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let valid = host.contains('.')
        && !host.starts_with('.')
        && !host.contains("..")
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    valid.then(|| host.to_owned())
}

/// The domain of a website (`https://www.acme.com/about` → `acme.com`); a
/// website written without a scheme (`acme.com`) is read as `https://`.
/// `None` for what is not a web address with a host name (an IP address
/// included).
pub fn website_domain(website: &str) -> Option<String> {
    let website = website.trim();
    if website.is_empty() {
        return None;
    }
    let parsed = url::Url::parse(website)
        .ok()
        .filter(|u| u.has_host() && matches!(u.scheme(), "http" | "https"))
        .or_else(|| url::Url::parse(&format!("https://{website}")).ok())?;
    match parsed.host()? {
        url::Host::Domain(host) => normal(host),
        url::Host::Ipv4(_) | url::Host::Ipv6(_) => None,
    }
}

/// The domain of a business email address (`sales@acme.com` → `acme.com`);
/// `None` for a free-mail provider ([`is_free_mail`]) or an address without
/// a domain.
pub fn email_domain(email: &str) -> Option<String> {
    let (_, domain) = email.trim().rsplit_once('@')?;
    let domain = normal(domain)?;
    (!is_free_mail(&domain)).then_some(domain)
}

/// Every domain of `account`: the domains it lists, as written, then those
/// of its website and business email addresses that it does not list
/// already (compared in normal form), without repeats.
pub fn account_domains(account: &Account) -> Vec<String> {
    let mut out: Vec<String> = account.domains.clone();
    let mut seen: Vec<String> = out.iter().filter_map(|d| normal(d)).collect();
    let website = account.website.as_deref().and_then(website_domain);
    let emails = account
        .emails
        .iter()
        .map(Email::as_str)
        .filter_map(email_domain);
    for domain in website.into_iter().chain(emails) {
        if !seen.contains(&domain) {
            seen.push(domain.clone());
            out.push(domain);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websites_in_the_forms_people_type_them() {
        for (website, domain) in [
            ("https://www.acme.com", Some("acme.com")),
            ("http://acme.com:8080/x?y#z", Some("acme.com")),
            ("www.acme.com", Some("acme.com")),
            ("ACME.COM/", Some("acme.com")),
            ("https://shop.acme.co.uk", Some("shop.acme.co.uk")),
            ("https://müller.de", Some("xn--mller-kva.de")),
            ("http://10.0.0.1/", None),
            ("localhost", None),
            ("", None),
            ("not a website", None),
        ] {
            assert_eq!(website_domain(website).as_deref(), domain, "{website}");
        }
    }

    #[test]
    fn business_addresses_only() {
        assert_eq!(email_domain("a@Acme.com").as_deref(), Some("acme.com"));
        assert_eq!(email_domain("a@GMAIL.com"), None);
        assert_eq!(email_domain("a@yahoo.co.uk"), None);
        assert_eq!(email_domain("no-at-sign"), None);
        assert_eq!(email_domain("a@nodot"), None);
    }

    #[test]
    fn an_account_gets_each_domain_once() {
        let account = Account {
            domains: vec!["Acme.com".into()],
            website: Some("https://www.acme.com".into()),
            emails: vec![
                Email::new("info@acme.com"),
                Email::new("ceo@gmail.com"),
                Email::new("sales@acme-group.com"),
            ],
            ..Account::default()
        };
        assert_eq!(account_domains(&account), ["Acme.com", "acme-group.com"]);
        assert!(account_domains(&Account::default()).is_empty());
    }
}
