//! Small conveniences on the generated record types.

use crate::types::error::ConversionError;
use crate::types::{ConnectionStage, CustomField, EntityRef, Task, TaskType};

// Records that keep unknown fields (a flattened `extra` map) get no derived
// `Default` from the generator, and their generated builders start with no
// `extra` map (`body_map(|b| ...)` needs `.extra(Default::default())`). The
// two such records sent as request bodies get a `Default`, so a body reads
// `ConnectionStage { name: Some(..), ..Default::default() }`.

/// Every field unset, no unknown fields.
impl Default for ConnectionStage {
    fn default() -> Self {
        ConnectionStage {
            id: None,
            name: None,
            position: None,
            extra: serde_json::Map::new(),
        }
    }
}

/// Every field unset, no unknown fields.
impl Default for CustomField {
    fn default() -> Self {
        CustomField {
            entity: None,
            field_name: None,
            field_type: None,
            options: None,
            extra: serde_json::Map::new(),
        }
    }
}

impl EntityRef {
    /// A reference to the record with this id (the `{"id": "…"}` objects
    /// ConeCRM uses to link records, e.g. a lead's `contact` or `franchise`).
    pub fn new(id: uuid::Uuid) -> Self {
        EntityRef {
            id: Some(id),
            extra: serde_json::Map::new(),
        }
    }
}

impl From<uuid::Uuid> for EntityRef {
    fn from(id: uuid::Uuid) -> Self {
        EntityRef::new(id)
    }
}

impl Task {
    /// The task's `type` read as the open [`TaskType`] enum (the values of
    /// `TaskRequest.type`; a value the client does not know is `Unknown`).
    /// The field itself stays the plain string the server sent.
    ///
    /// # Errors
    /// Never in practice: [`ConversionError`] exists only because the
    /// generated `Unknown` arm refuses the known values.
    pub fn task_type(&self) -> Result<Option<TaskType>, ConversionError> {
        self.type_.as_deref().map(TaskType::try_from).transpose()
    }
}
