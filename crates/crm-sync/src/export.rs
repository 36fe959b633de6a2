//! Exports: every record a system reads, in the common model, streamed to
//! a writer as LDJSON (one entity per line) or a JSON array.

use std::io::Write;

use crm_core::{EntityKind, System};
use futures::StreamExt;

use crate::connector::ReadOrder;
use crate::connectors::Connectors;
use crate::error::SyncError;

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON entity per line.
    Ldjson,
    /// One JSON array.
    Json,
}

/// Writes every record of `kinds` (empty: all it reads) of `system` to
/// `out`; returns how many.
///
/// # Errors
/// [`SyncError`] when the system fails or `out` cannot be written.
pub async fn export(
    connectors: &Connectors,
    system: System,
    kinds: &[EntityKind],
    format: Format,
    out: &mut dyn Write,
) -> Result<u64, SyncError> {
    let supported = connectors.exportable(system)?;
    for kind in kinds {
        if !supported.contains(kind) {
            return Err(SyncError::Unsupported(format!(
                "{system}: {kind} cannot be exported (it reads {})",
                supported
                    .iter()
                    .map(|k| k.plural())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    let kinds: Vec<EntityKind> = if kinds.is_empty() {
        supported
    } else {
        supported
            .into_iter()
            .filter(|k| kinds.contains(k))
            .collect()
    };
    let source = connectors.source(system)?;
    let io = |source| SyncError::Io {
        path: "<output>".into(),
        source,
    };
    let mut count = 0u64;
    if format == Format::Json {
        out.write_all(b"[").map_err(io)?;
    }
    for kind in kinds {
        let mut records = source.read(kind, ReadOrder::Stable);
        while let Some(record) = records.next().await {
            let record = record?;
            if format == Format::Json && count > 0 {
                out.write_all(b",\n").map_err(io)?;
            }
            serde_json::to_writer(&mut *out, &record).map_err(|e| io(e.into()))?;
            if format == Format::Ldjson {
                out.write_all(b"\n").map_err(io)?;
            }
            count += 1;
        }
    }
    if format == Format::Json {
        out.write_all(b"]\n").map_err(io)?;
    }
    out.flush().map_err(io)?;
    Ok(count)
}
