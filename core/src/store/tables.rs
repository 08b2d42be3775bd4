//! Table names with TABLE_PREFIX applied, quoted for SQL.

/// The quoted names of every table fmd touches, for one prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    prefix: String,
    /// `"{p}User"`: the web dashboard's users.
    pub user: String,
    /// `"{p}Endpoint"`
    pub endpoint: String,
    /// `"{p}Request"`
    pub request: String,
    /// `"{p}Outlier"`
    pub outlier: String,
    /// `"{p}StackLine"`
    pub stack_line: String,
    /// `"{p}CodeLine"`
    pub code_line: String,
    /// `"{p}ExceptionOccurrence"`
    pub exception_occurrence: String,
    /// `"{p}ExceptionType"`
    pub exception_type: String,
    /// `"{p}ExceptionMessage"`
    pub exception_message: String,
    /// `"{p}StackTraceSnapshot"`
    pub stack_trace_snapshot: String,
    /// `"{p}ExceptionStackLine"`
    pub exception_stack_line: String,
    /// `"{p}ExceptionFrame"`
    pub exception_frame: String,
    /// `"{p}FunctionLocation"`
    pub function_location: String,
    /// `"{p}FilePath"`
    pub file_path: String,
    /// `"{p}FunctionDefinition"`
    pub function_definition: String,
    /// `"{p}fmd_meta"`: fmd's key/value metadata (schema version).
    pub meta: String,
    /// `"{p}fmd_recorder"`: one row of counters per recorder process.
    pub recorder: String,
    /// The attached database holding fmd's summary tables, when not the file itself (`summary::home`).
    summary_schema: Option<&'static str>,
}

impl Tables {
    /// Names for `prefix` (letters, digits and `_` only; anything else is dropped).
    pub fn new(prefix: &str) -> Tables {
        let prefix: String = prefix.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        let q = |name: &str| format!("\"{prefix}{name}\"");
        Tables {
            user: q("User"),
            endpoint: q("Endpoint"),
            request: q("Request"),
            outlier: q("Outlier"),
            stack_line: q("StackLine"),
            code_line: q("CodeLine"),
            exception_occurrence: q("ExceptionOccurrence"),
            exception_type: q("ExceptionType"),
            exception_message: q("ExceptionMessage"),
            stack_trace_snapshot: q("StackTraceSnapshot"),
            exception_stack_line: q("ExceptionStackLine"),
            exception_frame: q("ExceptionFrame"),
            function_location: q("FunctionLocation"),
            file_path: q("FilePath"),
            function_definition: q("FunctionDefinition"),
            meta: q("fmd_meta"),
            recorder: q("fmd_recorder"),
            summary_schema: None,
            prefix,
        }
    }

    /// These names with fmd's summary tables in the attached database `schema` instead of the file.
    pub(crate) fn with_summaries_in(mut self, schema: Option<&'static str>) -> Tables {
        self.summary_schema = schema;
        self
    }

    /// The attached database holding fmd's summary tables (`None`: the file itself).
    pub(crate) fn summary_schema(&self) -> Option<&'static str> {
        self.summary_schema
    }

    /// The TABLE_PREFIX.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Index names as FMD derives them: `ix_{prefix.lower()}request_…`.
    pub fn index_name(&self, suffix: &str) -> String {
        format!("ix_{}request_{suffix}", self.prefix.to_lowercase())
    }
}
