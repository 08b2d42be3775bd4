//! The two kinds of failure the CLI reports: bad input (exit 2) and runtime trouble (exit 1).

use std::fmt;
use std::process::ExitCode;

/// A failure with the exit code it maps to.
#[derive(Debug)]
pub enum Failure {
    /// Bad input: arguments, configuration or database file. Exit code 2.
    Input(String),
    /// Something went wrong while running. Exit code 1.
    Runtime(String),
    /// The reader of standard output closed it (`| head -1`): stop quietly, exit code 0, no message.
    ClosedPipe,
}

impl Failure {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Failure::Input(_) => ExitCode::from(2),
            Failure::Runtime(_) => ExitCode::from(1),
            Failure::ClosedPipe => ExitCode::SUCCESS,
        }
    }

    /// Wraps any displayable input problem.
    pub fn input(e: impl fmt::Display) -> Failure {
        Failure::Input(e.to_string())
    }

    /// Wraps any displayable runtime problem.
    pub fn runtime(e: impl fmt::Display) -> Failure {
        Failure::Runtime(e.to_string())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Input(m) | Failure::Runtime(m) => f.write_str(m),
            Failure::ClosedPipe => f.write_str("standard output was closed"),
        }
    }
}

impl From<fmd_core::ConfigError> for Failure {
    fn from(e: fmd_core::ConfigError) -> Self {
        Failure::input(e)
    }
}

impl From<fmd_core::dashboard::DashboardError> for Failure {
    fn from(e: fmd_core::dashboard::DashboardError) -> Self {
        match e {
            fmd_core::dashboard::DashboardError::Store(e) => e.into(),
            other => Failure::input(other),
        }
    }
}

impl From<fmd_core::StoreError> for Failure {
    fn from(e: fmd_core::StoreError) -> Self {
        match e {
            fmd_core::StoreError::Sqlite { .. } | fmd_core::StoreError::EndpointsGone { .. } => Failure::runtime(e),
            _ => Failure::input(e),
        }
    }
}
