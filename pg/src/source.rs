//! [`PgStore`] as a `fmd_core::dashboard::ViewSource` and a `fmd_core::backend::Writer`: the dashboard layer (console, `fmd show`, web) reads
//! PostgreSQL through the same trait as a SQLite file, by delegation to the inherent methods in `views`, `write`
//! and `report`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use fmd_core::report::{Report, ReportOptions, Selection};
use fmd_core::store::views::{
    DailyUtilization, EndpointInfo, EndpointPerformance, EndpointSummary, GroupColumn, GroupPerformance, HourlyLoad,
    IpHits, LatencySeries, MultiVersion, RequestQuery, RequestRow, StatusCodes, UserHits, VersionInfo, VersionMatrix,
    VersionPerformance,
};
use fmd_core::store::{
    CallTree, CustomGraph, CustomGraphValue, DayRange, EndpointLevel, ExceptionGroup, ExceptionStackFrame, GraphSeries,
    GroupedProfile, OutlierRow, OverviewRow, ProfiledPage, RequestDetail, TimeRange,
};

use crate::PgStore;

fmd_core::delegate_view_source!(PgStore);
fmd_core::delegate_writer!(PgStore);
