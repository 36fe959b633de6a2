//! Properties of the conversions (proptest):
//!
//! - system → core → same system is the identity, and reports no loss;
//! - no conversion panics, whatever the input;
//! - a field both A and B have survives A → core → B → core → A.
//!
//! Cases per property: `PROPTEST_CASES` (CI: 10,000 unless set).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests panic on failure"
)]

mod strategies;

use crm_core::{ConvertOptions, FromCore, ToCore};
use proptest::prelude::*;

/// `record → core → record` gives back `record`, losing nothing.
fn identity<R>(record: &R) -> Result<(), TestCaseError>
where
    R: ToCore + FromCore<<R as ToCore>::Core> + PartialEq + std::fmt::Debug,
{
    let core = record.to_core();
    let back = R::from_core(&core, &ConvertOptions::default())
        .map_err(|e| TestCaseError::fail(format!("from_core failed: {e}")))?;
    prop_assert!(
        back.losses.is_empty(),
        "losses on a round trip: {}",
        back.losses
    );
    prop_assert_eq!(&back.value, record);
    Ok(())
}

#[cfg(feature = "gong")]
mod gong {
    use super::*;
    use strategies::gong as s;

    proptest! {
        #![proptest_config(strategies::config())]
        #[test] fn account_identity(r in s::account()) { identity(&r)?; }
        #[test] fn contact_identity(r in s::contact()) { identity(&r)?; }
        #[test] fn deal_identity(r in s::deal()) { identity(&r)?; }
        #[test] fn lead_identity(r in s::lead()) { identity(&r)?; }
        #[test] fn user_identity(r in s::user()) { identity(&r)?; }
        #[test] fn stage_identity(r in s::stage()) { identity(&r)?; }
    }
}

#[cfg(feature = "zendesk-sell")]
mod zendesk_sell {
    use super::*;
    use strategies::schema::sell;
    use zendesk_sell_api::types::{Contact, Deal, Lead, Note, Pipeline, Stage, Task};

    proptest! {
        #![proptest_config(strategies::config())]
        #[test] fn contact_identity(r in sell().arb::<Contact>("Contact")) { identity(&r)?; }
        #[test] fn deal_identity(r in sell().arb::<Deal>("Deal")) { identity(&r)?; }
        #[test] fn lead_identity(r in sell().arb::<Lead>("Lead")) { identity(&r)?; }
        #[test] fn note_identity(r in sell().arb::<Note>("Note")) { identity(&r)?; }
        #[test] fn task_identity(r in sell().arb::<Task>("Task")) { identity(&r)?; }
        #[test] fn pipeline_identity(r in sell().arb::<Pipeline>("Pipeline")) { identity(&r)?; }
        #[test] fn stage_identity(r in sell().arb::<Stage>("Stage")) { identity(&r)?; }
    }
}

#[cfg(feature = "conecrm")]
mod conecrm {
    use super::*;
    use conecrm_api::types::{Account, ConnectionStage, Contact, Lead, Task, User};
    use crm_core::conecrm::AsDeal;
    use strategies::schema::conecrm;

    proptest! {
        #![proptest_config(strategies::config())]
        #[test] fn account_identity(r in conecrm().arb::<Account>("Account")) { identity(&r)?; }
        #[test] fn contact_identity(r in conecrm().arb::<Contact>("Contact")) { identity(&r)?; }
        #[test] fn lead_identity(r in conecrm().arb::<Lead>("Lead")) { identity(&r)?; }
        #[test] fn task_identity(r in conecrm().arb::<Task>("Task")) { identity(&r)?; }
        #[test] fn user_identity(r in conecrm().arb::<User>("User")) { identity(&r)?; }
        #[test] fn stage_identity(r in conecrm().arb::<ConnectionStage>("ConnectionStage")) { identity(&r)?; }

        /// The lead read as a deal converts back into the same lead.
        #[test] fn lead_as_deal_identity(r in conecrm().arb::<Lead>("Lead")) {
            let deal = AsDeal(&r).to_core();
            let back = Lead::from_core(&deal, &ConvertOptions::default()).unwrap();
            prop_assert!(back.losses.is_empty(), "{}", back.losses);
            prop_assert_eq!(back.value, r);
        }
    }
}
