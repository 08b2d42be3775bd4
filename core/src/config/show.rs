//! The configuration in effect as fmd.toml text, secrets hidden.

use toml::{Table, Value};

use super::Config;

/// `config` as fmd.toml text (`fmd config show`), with the password hash and a database URL's password replaced by `<hidden>`.
pub fn to_toml_hidden(config: &Config) -> String {
    let d = &config.dashboard;
    let mut dashboard = Table::new();
    dashboard.insert("app_version".into(), d.app_version.clone().into());
    if let Some(git) = &d.git {
        dashboard.insert("git".into(), git.display().to_string().into());
    }
    dashboard.insert("custom_link".into(), d.custom_link.clone().into());
    dashboard.insert("monitor_level".into(), i64::from(d.monitor_level).into());
    dashboard.insert("outlier_detection_constant".into(), d.outlier_detection_constant.into());
    dashboard.insert("outlier_min_samples".into(), i64::from(d.outlier_min_samples).into());
    dashboard.insert("sampling_period_ms".into(), d.sampling_period_ms.into());
    dashboard.insert("enable_logging".into(), d.enable_logging.into());
    let mut authentication = Table::new();
    authentication.insert("username".into(), config.authentication.username.clone().into());
    if config.authentication.password_hash.is_some() {
        authentication.insert("password_hash".into(), "<hidden>".into());
    }
    let db = &config.database;
    let mut database = Table::new();
    match &db.url {
        Some(url) => database.insert("url".into(), hide_url_password(url).into()),
        None => database.insert("path".into(), db.path.display().to_string().into()),
    };
    if let Some(file) = &db.password_file {
        database.insert("password_file".into(), file.display().to_string().into());
    }
    database.insert("table_prefix".into(), db.table_prefix.clone().into());
    let mut visualization = Table::new();
    visualization.insert("timezone".into(), config.visualization.timezone.name().into());
    let colors: Table = config
        .visualization
        .colors
        .iter()
        .map(|(k, rgb)| (k.clone(), Value::Array(rgb.iter().map(|c| Value::from(i64::from(*c))).collect())))
        .collect();
    visualization.insert("colors".into(), colors.into());
    let r = &config.recorder;
    let mut recorder = Table::new();
    recorder.insert("queue_capacity".into(), i64::try_from(r.queue_capacity).unwrap_or(i64::MAX).into());
    if let Some(header) = &r.client_ip_header {
        recorder.insert("client_ip_header".into(), header.clone().into());
    }
    recorder.insert("level_poll_ms".into(), i64::try_from(r.level_poll_ms).unwrap_or(i64::MAX).into());
    let p = &config.pruning;
    let mut pruning = Table::new();
    let secs = |d: std::time::Duration| format!("{}s", d.as_secs());
    if let Some(age) = p.older_than {
        pruning.insert("older_than".into(), secs(age).into());
    }
    if let Some(every) = p.every {
        pruning.insert("every".into(), secs(every).into());
    }
    if let Some(cron) = &p.cron {
        pruning.insert("cron".into(), cron.to_string().into());
    }
    pruning.insert("keep_custom_graphs".into(), p.keep_custom_graphs.into());
    let mut out = String::new();
    for (name, table) in [
        ("dashboard", dashboard),
        ("authentication", authentication),
        ("database", database),
        ("visualization", visualization),
        ("recorder", recorder),
        ("pruning", pruning),
    ] {
        out.push_str(&format!("\n[{name}]\n"));
        for (key, value) in table {
            out.push_str(&format!("{key} = {value}\n"));
        }
    }
    out
}

/// `scheme://user:secret@host/db` as `scheme://user:<hidden>@host/db`.
fn hide_url_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let Some((userinfo, host)) = rest.rsplit_once('@') else { return url.to_string() };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:<hidden>@{host}"),
        None => url.to_string(),
    }
}
