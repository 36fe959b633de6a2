//! Clients for the mocks: the real generated clients, pointed at the mock,
//! without client-side rate limits and with fast retries.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test support"
)]

use std::time::Duration;

use crm_mock::{GONG_ACCESS_KEY, GONG_ACCESS_KEY_SECRET, MOCK_TOKEN, RunningMock};
use zendesk_sell_api::{Auth, RateLimit, RetryPolicy};

/// Retries quick enough for tests (no jitter, 10 ms doubling).
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_jitter(false)
        .with_max_attempts(8)
        .with_backoff(Duration::from_millis(10), Duration::from_millis(100))
}

pub fn gong(mock: &RunningMock) -> gong_crm_api::Client {
    gong_with(
        mock,
        Auth::basic(GONG_ACCESS_KEY, GONG_ACCESS_KEY_SECRET),
        RetryPolicy::none(),
    )
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
    sell_with(mock, Auth::bearer(MOCK_TOKEN), RetryPolicy::none())
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
    cone_with(mock, Auth::bearer(MOCK_TOKEN), RetryPolicy::none())
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
