//! `fmd endpoint delete|merge`: endpoint housekeeping beyond FMD.

use crate::cli::{EndpointAction, EndpointArgs};
use crate::confirm::confirm;
use crate::failure::Failure;
use crate::settings::Settings;

/// Deletes or merges after a confirmation.
pub fn run(settings: &Settings, args: &EndpointArgs) -> Result<(), Failure> {
    let store = crate::database::editor(settings)?;
    let exists = |name: &str| -> Result<(), Failure> {
        if store.endpoint_levels()?.iter().any(|e| e.name == name) {
            Ok(())
        } else {
            Err(fmd_core::StoreError::UnknownEndpoint {
                path: crate::database::location(settings).into(),
                name: name.to_string(),
            }
            .into())
        }
    };
    match &args.action {
        EndpointAction::Delete { name, yes } => {
            exists(name)?;
            confirm(
                &format!("delete endpoint {name:?} and all its requests from {}?", crate::database::location(settings)),
                *yes,
            )?;
            let done = store.delete_endpoint(name)?;
            crate::output::println(&format!("deleted endpoint {name:?} with {} requests", done.deleted.requests))?;
        }
        EndpointAction::Merge { from, into, yes } => {
            exists(from)?;
            exists(into)?;
            confirm(&format!("move every request of {from:?} to {into:?} and delete {from:?}?"), *yes)?;
            let done = store.merge_endpoints(from, into)?;
            crate::output::println(&format!("merged {from:?} into {into:?}: {} requests moved", done.requests_moved))?;
        }
    }
    Ok(())
}
