//! Clients for the mocks: the real generated clients, pointed at the mock
//! by the crate's own fixture ([`RunningMock::client_config`]), without
//! client-side rate limits; retries as each test asks.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test support"
)]

use crm_mock::RunningMock;
use zendesk_sell_api::{Auth, RateLimit, RetryPolicy};

/// Retries quick enough for tests (no jitter, 10 ms doubling).
pub fn fast_retries() -> RetryPolicy {
    crm_mock::fast_retries()
}

pub fn gong(mock: &RunningMock) -> gong_crm_api::Client {
    gong_crm_api::Client::from_config(
        mock.client_config(gong_crm_api::Client::config)
            .with_retry(RetryPolicy::none()),
    )
    .expect("gong client")
}

pub fn gong_with(mock: &RunningMock, auth: Auth, retry: RetryPolicy) -> gong_crm_api::Client {
    gong_crm_api::Client::from_config(
        gong_crm_api::Client::config(auth)
            .with_base_url(mock.base_url())
            .with_rate_limit(RateLimit::unlimited())
            .with_retry(retry),
    )
    .expect("gong client")
}

pub fn sell(mock: &RunningMock) -> zendesk_sell_api::Client {
    zendesk_sell_api::Client::from_config(
        mock.client_config(zendesk_sell_api::Client::config)
            .with_retry(RetryPolicy::none()),
    )
    .expect("sell client")
}

pub fn sell_with(mock: &RunningMock, auth: Auth, retry: RetryPolicy) -> zendesk_sell_api::Client {
    zendesk_sell_api::Client::from_config(
        zendesk_sell_api::Client::config(auth)
            .with_base_url(mock.base_url())
            .with_rate_limit(RateLimit::unlimited())
            .with_retry(retry),
    )
    .expect("sell client")
}

pub fn cone(mock: &RunningMock) -> conecrm_api::Client {
    conecrm_api::Client::from_config(
        mock.client_config(conecrm_api::Client::config)
            .with_retry(RetryPolicy::none()),
    )
    .expect("conecrm client")
}

pub fn cone_with(mock: &RunningMock, auth: Auth, retry: RetryPolicy) -> conecrm_api::Client {
    conecrm_api::Client::from_config(
        conecrm_api::Client::config(auth)
            .with_base_url(mock.base_url())
            .with_rate_limit(RateLimit::unlimited())
            .with_retry(retry),
    )
    .expect("conecrm client")
}
