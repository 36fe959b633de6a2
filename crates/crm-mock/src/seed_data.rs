//! Word lists for seeded records, and a few helpers to draw from them. A
//! handful of entries are odd on purpose (non-Latin scripts, accents,
//! apostrophes, an empty string) so converters meet them.

use rand::Rng;

use crate::rng::MockRng;

pub(crate) const FIRST_NAMES: &[&str] = &[
    "Mark",
    "Anna",
    "James",
    "Maria",
    "Wei",
    "Fatima",
    "Olivia",
    "Liam",
    "Sofia",
    "Noah",
    "Emma",
    "Lucas",
    "Aisha",
    "Mateo",
    "Chloé",
    "José",
    "Zoë",
    "Łukasz",
    "Søren",
    "Siobhán",
    "Renée",
    "François",
    "Đorđe",
    "Ngozi",
    "Hiroshi",
    "Priya",
    "Oksana",
    "Kwame",
    "Ingrid",
    "Tomás",
    "Mei",
    "Youssef",
    "Sakura",
    "Björn",
    "Ana",
    "David",
    "Sarah",
    "Michael",
    "Laura",
    "Daniel",
    "美咲",
    "Дмитрий",
];

pub(crate) const LAST_NAMES: &[&str] = &[
    "Johnson",
    "Smith",
    "García",
    "Müller",
    "Nguyen",
    "Kowalski",
    "O'Brien",
    "Dubois",
    "Rossi",
    "Tanaka",
    "Okafor",
    "Silva",
    "Jensen",
    "Novak",
    "Haddad",
    "Kim",
    "Patel",
    "Andersson",
    "Fernández",
    "Lefèvre",
    "Ivanova",
    "Brown",
    "Wilson",
    "Taylor",
    "Martin",
    "Lee",
    "Walker",
    "Hall",
    "Young",
    "King",
    "Wright",
    "Lopez",
    "Hill",
    "Scott",
    "Green",
    "Adams",
    "Baker",
    "van der Berg",
    "D'Angelo",
    "St. John",
    "山田",
    "Петров",
];

pub(crate) const COMPANY_STEMS: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Tyrell",
    "Cyberdyne",
    "Wonka",
    "Aperture",
    "Massive",
    "Nakatomi",
    "Oscorp",
    "Pied Piper",
    "Prestige",
    "Sterling",
    "Blue Sun",
    "Zorg",
    "Gringotts",
    "Monarch",
    "Dunder",
    "Nordlys",
    "Café Société",
    "Müller & Söhne",
    "Ōkami",
];

pub(crate) const COMPANY_SUFFIXES: &[&str] = &[
    "Inc.", "LLC", "GmbH", "Ltd", "S.A.", "Corp.", "Group", "Labs", "Partners", "AG", "",
];

pub(crate) const INDUSTRIES: &[&str] = &[
    "Software",
    "Manufacturing",
    "Retail",
    "Healthcare",
    "Finance",
    "Logistics",
    "Education",
    "Energy",
    "Media",
    "Automotive",
    "",
];

pub(crate) const TITLES: &[&str] = &[
    "CEO",
    "CTO",
    "VP Sales",
    "Head of Operations",
    "Account Manager",
    "Procurement Lead",
    "Engineer",
    "Office Manager",
    "Directrice commerciale",
    "",
];

/// City, state or region, postal code, country.
pub(crate) const PLACES: &[(&str, &str, &str, &str)] = &[
    ("New York", "NY", "10001", "United States"),
    ("San Francisco", "CA", "94105", "United States"),
    ("Austin", "TX", "73301", "United States"),
    ("Toronto", "ON", "M5H 2N2", "Canada"),
    ("Montréal", "QC", "H2Y 1C6", "Canada"),
    ("London", "England", "EC1A 1BB", "United Kingdom"),
    ("Berlin", "Berlin", "10115", "Germany"),
    ("München", "Bayern", "80331", "Germany"),
    ("Paris", "Île-de-France", "75001", "France"),
    ("Kraków", "Małopolskie", "30-001", "Poland"),
    ("São Paulo", "SP", "01000-000", "Brazil"),
    ("Tokyo", "Tokyo", "100-0001", "Japan"),
    ("Lagos", "Lagos", "100001", "Nigeria"),
    ("Sydney", "NSW", "2000", "Australia"),
    ("Reykjavík", "", "101", "Iceland"),
];

pub(crate) const STREETS: &[&str] = &[
    "Main St",
    "Market St",
    "Rue de Rivoli",
    "Hauptstraße",
    "King St W",
    "High Street",
    "Avenida Paulista",
    "Ulica Floriańska",
    "Broadway",
    "Elm Street",
];

pub(crate) const PRODUCTS: &[&str] = &[
    "Platform licence",
    "Support plan",
    "Onboarding",
    "Analytics add-on",
    "Hardware kit",
    "Training day",
    "API access",
    "Premium seats",
];

pub(crate) const TAGS: &[&str] = &[
    "vip",
    "newsletter",
    "partner",
    "trial",
    "churn-risk",
    "2024",
];

/// One element of `list`.
pub(crate) fn pick<'a, T>(rng: &mut MockRng, list: &'a [T]) -> &'a T {
    &list[rng.random_range(0..list.len())]
}

/// One word of `list`.
pub(crate) fn word<'a>(rng: &mut MockRng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

/// Whether a draw with probability `p` succeeds.
pub(crate) fn chance(rng: &mut MockRng, p: f64) -> bool {
    rng.random_bool(p.clamp(0.0, 1.0))
}

/// An ASCII e-mail local part from a name (non-ASCII letters dropped; an
/// empty result falls back to `user<n>`).
pub(crate) fn email_local(first: &str, last: &str, n: u64) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let (f, l) = (clean(first), clean(last));
    match (f.is_empty(), l.is_empty()) {
        (false, false) => format!("{f}.{l}{n}"),
        (false, true) => format!("{f}{n}"),
        (true, false) => format!("{l}{n}"),
        (true, true) => format!("user{n}"),
    }
}

/// A domain from a company name.
pub(crate) fn domain(company: &str) -> String {
    let stem: String = company
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if stem.is_empty() {
        "example.com".to_owned()
    } else {
        format!("{stem}.example.com")
    }
}

/// A North-American style test phone number.
pub(crate) fn phone(rng: &mut MockRng) -> String {
    format!(
        "+1-{}-555-{:04}",
        rng.random_range(201..990),
        rng.random_range(0..10_000)
    )
}
