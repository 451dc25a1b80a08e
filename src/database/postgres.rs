//! PostgreSQL lanes: each lane gets its own database, created from the
//! template database that holds the snapshot (`CREATE DATABASE ...
//! TEMPLATE ...`: a file copy on the server, and the template is only
//! read), and dropped at the end of the run, on failure and on Ctrl-C.
//! Output tables are read with binary `COPY`, typed by the server.
//!
//! A lane database is named `swimlane_<host>_<pid>_<lane>`: a run killed
//! before it could drop its databases leaves names whose process is gone,
//! and the next run on this host removes them.

use std::time::Duration;

use polars::prelude::*;
use postgres::binary_copy::BinaryCopyOutIter;
use postgres::error::SqlState;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::Type;
use postgres::{Client, NoTls};

use crate::config::Relation;
use crate::error::Help;

/// The prefix of every database swimlane creates.
const PREFIX: &str = "swimlane_";

#[derive(Debug, thiserror::Error)]
pub enum PostgresError {
    #[error("`{url}` is not a postgresql:// URL with a database name")]
    Url { url: String },
    #[error("cannot connect to PostgreSQL at {server} as {user}")]
    Connect {
        server: String,
        user: String,
        #[source]
        source: postgres::Error,
    },
    #[error("role `{user}` may not create databases on {server}")]
    NoCreatedb { user: String, server: String },
    #[error(
        "the template database `{template}` has open connections, so PostgreSQL will not copy it"
    )]
    TemplateInUse { template: String },
    #[error("the template database `{template}` does not exist on {server}")]
    NoTemplate { template: String, server: String },
    #[error("{what} on {server}")]
    Sql {
        what: String,
        server: String,
        #[source]
        source: postgres::Error,
    },
    #[error(transparent)]
    Interrupted(#[from] crate::interrupt::Interrupted),
}

impl Help for PostgresError {
    fn help(&self) -> Option<String> {
        match self {
            PostgresError::Url { .. } => Some(
                "write `[database] postgres = \"postgresql://user@host:5432/facts\"`: the server, and the template database holding the snapshot".into(),
            ),
            PostgresError::Connect { .. } => Some(
                "check that the server runs and `[database] postgres` names it (swimlane connects to its `postgres` database to create the lanes' databases); a password goes in ~/.pgpass or PGPASSWORD".into(),
            ),
            PostgresError::NoCreatedb { user, .. } => Some(format!(
                "grant it: `ALTER ROLE {user} CREATEDB`, or connect as a role that has it"
            )),
            PostgresError::TemplateInUse { template } => Some(format!(
                "close the sessions on it (`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{template}'`), or point swimlane at a copy nobody uses"
            )),
            PostgresError::NoTemplate { .. } => Some(
                "load the snapshot into a database first, and name it in `[database] postgres`".into(),
            ),
            PostgresError::Sql { .. } | PostgresError::Interrupted(_) => None,
        }
    }
}

/// A server and a database on it (the template of `[database] postgres`,
/// or a lane's database), as the config parsed its URL.
pub use crate::config::PostgresUrl as Server;

/// Connections and names: what the config's URL does not know.
trait Connect {
    fn user(&self) -> String;
    fn admin(&self) -> Result<Client, PostgresError>;
    fn connect(&self, database: &str) -> Result<Client, PostgresError>;
}

impl Connect for Server {
    fn user(&self) -> String {
        self.url("postgres")
            .parse::<postgres::Config>()
            .ok()
            .and_then(|c| c.get_user().map(str::to_string))
            .or_else(|| std::env::var("PGUSER").ok())
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "?".into())
    }

    /// A connection to the server's maintenance database, `postgres`
    /// (databases are created and dropped from outside them).
    fn admin(&self) -> Result<Client, PostgresError> {
        self.connect("postgres")
    }

    fn connect(&self, database: &str) -> Result<Client, PostgresError> {
        let fail = |source| PostgresError::Connect {
            server: self.to_string(),
            user: self.user(),
            source,
        };
        let mut config: postgres::Config = self.url(database).parse().map_err(fail)?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        config.connect(NoTls).map_err(fail)
    }
}

/// A name quoted as an SQL identifier.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// This host, as a short tag in database names.
fn host_tag() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    blake3::hash(host.trim().as_bytes()).to_hex()[..8].to_string()
}

/// The name of the database of `lane` in the run of process `pid` on this
/// host.
pub fn lane_database_name(pid: u32, lane: &str) -> String {
    format!("{PREFIX}{}_{pid}_{lane}", host_tag())
}

/// Whether process `pid` of this host is alive.
fn alive(pid: u32) -> bool {
    // SAFETY: kill with signal 0 only checks that the process exists.
    let r = unsafe { libc::kill(pid as libc::pid_t, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// The lanes' databases of one run, dropped when this is dropped (or kept,
/// with [`LaneDatabases::keep`]).
pub struct LaneDatabases {
    server: Server,
    /// Lane name → database name.
    names: Vec<(String, String)>,
    kept: bool,
}

impl LaneDatabases {
    /// Creates one database per lane from the template, after removing
    /// the databases killed runs of this host left. Returns them and the
    /// leftovers removed.
    pub fn create(
        server: &Server,
        lanes: &[&str],
    ) -> Result<(LaneDatabases, Vec<String>), PostgresError> {
        let mut admin = server.admin()?;
        let removed = remove_leftovers(server, &mut admin)?;
        let pid = std::process::id();
        let mut dbs = LaneDatabases {
            server: server.clone(),
            names: Vec::new(),
            kept: false,
        };
        for lane in lanes {
            crate::interrupt::check()?;
            let name = lane_database_name(pid, lane);
            let sql = format!(
                "CREATE DATABASE {} TEMPLATE {}",
                ident(&name),
                ident(&server.database)
            );
            admin
                .batch_execute(&sql)
                .map_err(|e| create_error(server, e))?;
            dbs.names.push((lane.to_string(), name));
        }
        Ok((dbs, removed))
    }

    /// The URL a lane's stages get (`{database_url}`).
    pub fn url(&self, lane: &str) -> Option<String> {
        self.names
            .iter()
            .find(|(l, _)| l == lane)
            .map(|(_, name)| self.server.url(name))
    }

    /// The name of a lane's database (`{database_name}`).
    pub fn name(&self, lane: &str) -> Option<&str> {
        self.names
            .iter()
            .find(|(l, _)| l == lane)
            .map(|(_, name)| name.as_str())
    }

    /// Keeps the databases (`--keep-lanes`); returns their names.
    pub fn keep(mut self) -> Vec<String> {
        self.kept = true;
        self.names.iter().map(|(_, n)| n.clone()).collect()
    }

    /// Drops the databases now, saying what failed.
    pub fn drop_all(&mut self) -> Result<(), PostgresError> {
        if self.kept || self.names.is_empty() {
            return Ok(());
        }
        let mut admin = self.server.admin()?;
        for (_, name) in std::mem::take(&mut self.names) {
            // FORCE: a stage's background process may still hold a
            // connection.
            let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", ident(&name));
            admin
                .batch_execute(&sql)
                .map_err(|source| PostgresError::Sql {
                    what: format!("cannot drop the lane database `{name}`"),
                    server: self.server.to_string(),
                    source,
                })?;
        }
        Ok(())
    }
}

impl Drop for LaneDatabases {
    fn drop(&mut self) {
        // An error here cannot be returned; the next run removes what is
        // left (its names say whose they were).
        let _ = self.drop_all();
    }
}

fn create_error(server: &Server, e: postgres::Error) -> PostgresError {
    match e.code() {
        Some(c) if *c == SqlState::INSUFFICIENT_PRIVILEGE => PostgresError::NoCreatedb {
            user: server.user(),
            server: server.to_string(),
        },
        Some(c) if *c == SqlState::OBJECT_IN_USE => PostgresError::TemplateInUse {
            template: server.database.clone(),
        },
        Some(c) if *c == SqlState::INVALID_CATALOG_NAME || *c == SqlState::UNDEFINED_DATABASE => {
            PostgresError::NoTemplate {
                template: server.database.clone(),
                server: server.to_string(),
            }
        }
        _ => PostgresError::Sql {
            what: format!(
                "cannot create a lane database from the template `{}`",
                server.database
            ),
            server: server.to_string(),
            source: e,
        },
    }
}

/// Drops the lane databases of this host's runs that are no longer
/// running; returns their names.
fn remove_leftovers(server: &Server, admin: &mut Client) -> Result<Vec<String>, PostgresError> {
    let sql_err = |what: &str| {
        let server = server.to_string();
        let what = what.to_string();
        move |source| PostgresError::Sql {
            what: what.clone(),
            server: server.clone(),
            source,
        }
    };
    let rows = admin
        .query(
            "SELECT datname FROM pg_database WHERE starts_with(datname, $1)",
            &[&PREFIX],
        )
        .map_err(sql_err("cannot list the databases"))?;
    let tag = host_tag();
    let me = std::process::id();
    let mut removed = Vec::new();
    for row in rows {
        let name: String = row.get(0);
        let Some(rest) = name.strip_prefix(PREFIX) else {
            continue;
        };
        let mut parts = rest.splitn(3, '_');
        let (Some(t), Some(pid), Some(_lane)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        // Another host's run, or a live run of this host: not ours to drop.
        if t != tag || (pid != me && alive(pid)) {
            continue;
        }
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", ident(&name));
        admin.batch_execute(&sql).map_err(sql_err(&format!(
            "cannot drop the leftover database `{name}`"
        )))?;
        removed.push(name);
    }
    Ok(removed)
}

/// Removes every lane database this host's finished runs left
/// (`swimlane clean`).
pub fn clean(server: &Server) -> Result<Vec<String>, PostgresError> {
    let mut admin = server.admin()?;
    remove_leftovers(server, &mut admin)
}

/// Whether `relation` is in the database at `url` (a query always is; it
/// fails when read if it does not run).
pub fn has_relation(url: &str, relation: &Relation) -> Result<bool, PostgresError> {
    let Relation::Table(name) = relation else {
        return Ok(true);
    };
    let server = Server::parse(url).ok_or_else(|| PostgresError::Url { url: url.into() })?;
    let mut client = server.connect(&server.database)?;
    let row = client
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&quoted_name(name)])
        .map_err(|source| PostgresError::Sql {
            what: format!("cannot look up table `{name}`"),
            server: server.to_string(),
            source,
        })?;
    Ok(row.get(0))
}

/// The tables and views of the database at `url`, by the name `table =`
/// takes (`name` in `public`, `schema.name` elsewhere), for `swimlane
/// compare URL URL`.
pub fn tables(url: &str) -> Result<Vec<String>, super::DatabaseError> {
    let fail = |message: String| super::DatabaseError::Read {
        path: url_without_password(url).into(),
        format: "PostgreSQL",
        relation: "its list of tables".into(),
        message,
    };
    let server = Server::parse(url).ok_or_else(|| fail("not a postgresql:// URL".into()))?;
    let mut client = server
        .connect(&server.database)
        .map_err(|e| fail(crate::error::chain(&e)))?;
    let rows = client
        .query(
            "SELECT CASE WHEN table_schema = 'public' THEN table_name ELSE table_schema || '.' || table_name END \
             FROM information_schema.tables \
             WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
            &[],
        )
        .map_err(|e| fail(db_message(&e)))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// `schema.name` with each part quoted, as `to_regclass` takes it.
fn quoted_name(name: &str) -> String {
    name.split('.').map(ident).collect::<Vec<_>>().join(".")
}

/// One column's values as read, in the type the server gave.
enum Values {
    Bool(Vec<Option<bool>>),
    I16(Vec<Option<i16>>),
    I32(Vec<Option<i32>>),
    I64(Vec<Option<i64>>),
    F32(Vec<Option<f32>>),
    F64(Vec<Option<f64>>),
    Text(Vec<Option<String>>),
    Bytes(Vec<Option<Vec<u8>>>),
    /// Days since 1970-01-01.
    Date(Vec<Option<i32>>),
    /// Microseconds since 1970-01-01, without and with a time zone (UTC).
    Timestamp(Vec<Option<i64>>),
    TimestampTz(Vec<Option<i64>>),
    /// `numeric`, as the server prints it (exact), with the precision and
    /// scale its column declares.
    Numeric(Vec<Option<String>>, Option<(usize, usize)>),
}

/// How a column of type `t` (with type modifier `typmod`) is read: as
/// itself, or cast on the server to text (`numeric`, made an exact decimal
/// here; anything else without a native reader).
fn plan(t: &Type, typmod: i32) -> (Values, Option<&'static str>) {
    match *t {
        Type::BOOL => (Values::Bool(Vec::new()), None),
        Type::INT2 => (Values::I16(Vec::new()), None),
        Type::INT4 => (Values::I32(Vec::new()), None),
        Type::INT8 => (Values::I64(Vec::new()), None),
        Type::FLOAT4 => (Values::F32(Vec::new()), None),
        Type::FLOAT8 => (Values::F64(Vec::new()), None),
        Type::NUMERIC => (
            Values::Numeric(Vec::new(), declared_numeric(typmod)),
            Some("text"),
        ),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => (Values::Text(Vec::new()), None),
        Type::BYTEA => (Values::Bytes(Vec::new()), None),
        Type::DATE => (Values::Date(Vec::new()), None),
        Type::TIMESTAMP => (Values::Timestamp(Vec::new()), None),
        Type::TIMESTAMPTZ => (Values::TimestampTz(Vec::new()), None),
        _ => (Values::Text(Vec::new()), Some("text")),
    }
}

/// The type a planned column is read as.
fn read_type(v: &Values) -> Type {
    match v {
        Values::Bool(_) => Type::BOOL,
        Values::I16(_) => Type::INT2,
        Values::I32(_) => Type::INT4,
        Values::I64(_) => Type::INT8,
        Values::F32(_) => Type::FLOAT4,
        Values::F64(_) => Type::FLOAT8,
        Values::Text(_) | Values::Numeric(..) => Type::TEXT,
        Values::Bytes(_) => Type::BYTEA,
        Values::Date(_) => Type::DATE,
        Values::Timestamp(_) => Type::TIMESTAMP,
        Values::TimestampTz(_) => Type::TIMESTAMPTZ,
    }
}

impl Values {
    fn push(
        &mut self,
        row: &postgres::binary_copy::BinaryCopyOutRow,
        i: usize,
    ) -> Result<(), postgres::Error> {
        use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date");
        match self {
            Values::Bool(v) => v.push(row.try_get(i)?),
            Values::I16(v) => v.push(row.try_get(i)?),
            Values::I32(v) => v.push(row.try_get(i)?),
            Values::I64(v) => v.push(row.try_get(i)?),
            Values::F32(v) => v.push(row.try_get(i)?),
            Values::F64(v) => v.push(row.try_get(i)?),
            Values::Text(v) | Values::Numeric(v, _) => v.push(row.try_get(i)?),
            Values::Bytes(v) => v.push(row.try_get(i)?),
            Values::Date(v) => v.push(
                row.try_get::<Option<NaiveDate>>(i)?
                    .map(|d| (d - epoch).num_days() as i32),
            ),
            Values::Timestamp(v) => v.push(
                row.try_get::<Option<NaiveDateTime>>(i)?
                    .map(|t| t.and_utc().timestamp_micros()),
            ),
            Values::TimestampTz(v) => v.push(
                row.try_get::<Option<DateTime<Utc>>>(i)?
                    .map(|t| t.timestamp_micros()),
            ),
        }
        Ok(())
    }

    fn into_series(self, name: &str) -> PolarsResult<Series> {
        let name = PlSmallStr::from(name);
        Ok(match self {
            Values::Bool(v) => Series::new(name, v),
            Values::I16(v) => Series::new(name, v),
            Values::I32(v) => Series::new(name, v),
            Values::I64(v) => Series::new(name, v),
            Values::F32(v) => Series::new(name, v),
            Values::F64(v) => Series::new(name, v),
            Values::Text(v) => Series::new(name, v),
            Values::Numeric(v, declared) => numeric_series(name, v, declared)?,
            Values::Bytes(v) => Series::new(name, v),
            Values::Date(v) => Series::new(name, v).cast(&DataType::Date)?,
            Values::Timestamp(v) => {
                Series::new(name, v).cast(&DataType::Datetime(TimeUnit::Microseconds, None))?
            }
            Values::TimestampTz(v) => Series::new(name, v).cast(&DataType::Datetime(
                TimeUnit::Microseconds,
                Some(TimeZone::UTC),
            ))?,
        })
    }
}

/// The precision and scale of `numeric(p, s)` from its type modifier (none
/// for a bare `numeric`, or one no decimal of polars holds).
fn declared_numeric(typmod: i32) -> Option<(usize, usize)> {
    // PostgreSQL stores ((p << 16) | s) + VARHDRSZ (4); s is signed 11 bits.
    let m = typmod.checked_sub(4).filter(|m| *m >= 0)?;
    let (p, s) = ((m >> 16) & 0xffff, m & 0x7ff);
    ((1..=38).contains(&p) && s <= p && m & 0x400 == 0).then_some((p as usize, s as usize))
}

/// A `numeric` column exactly, never rounded through a float (a migration
/// that changes the 17th digit of an amount must not pass): a decimal of
/// the declared precision and scale, or of the digits its values need; its
/// text when a value is NaN or ±Infinity or needs more than 38 digits.
fn numeric_series(
    name: PlSmallStr,
    text: Vec<Option<String>>,
    declared: Option<(usize, usize)>,
) -> PolarsResult<Series> {
    /// The digits before and after the point, and the sign (negative).
    type Parts<'a> = (&'a str, &'a str, bool);
    fn split(t: &str) -> Option<Parts<'_>> {
        let (negative, t) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t),
        };
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
        (digits(whole) && digits(frac) && !(whole.is_empty() && frac.is_empty()))
            .then_some((whole, frac, negative))
    }
    let parts: Option<Vec<Option<Parts>>> = text
        .iter()
        .map(|v| v.as_deref().map(split).map_or(Some(None), |p| p.map(Some)))
        .collect();
    let exact = parts.and_then(|parts| {
        let (precision, scale) = declared.unwrap_or_else(|| {
            let present = parts.iter().flatten();
            let scale = present.clone().map(|(_, f, _)| f.len()).max().unwrap_or(0);
            let whole = present
                .map(|(w, _, _)| w.trim_start_matches('0').len())
                .max()
                .unwrap_or(0);
            ((whole + scale).max(1), scale)
        });
        if precision > 38 {
            return None;
        }
        let values: Option<Vec<Option<i128>>> = parts
            .iter()
            .map(|p| {
                let Some((whole, frac, negative)) = p else {
                    return Some(None);
                };
                let pad = scale.checked_sub(frac.len())?;
                let digits = format!("{whole}{frac}{}", "0".repeat(pad));
                let v: i128 = digits
                    .trim_start_matches('0')
                    .parse()
                    .or_else(|_| {
                        // All zeros.
                        digits.bytes().all(|b| b == b'0').then_some(0).ok_or(())
                    })
                    .ok()?;
                Some(Some(if *negative { -v } else { v }))
            })
            .collect();
        Some((values?, precision, scale))
    });
    match exact {
        Some((values, precision, scale)) => {
            Series::new(name, values).into_decimal(precision, scale)
        }
        None => Ok(Series::new(name, text)),
    }
}

/// Reads `relation` from the database at `url` with one binary `COPY`.
pub fn read(url: &str, relation: &Relation) -> Result<DataFrame, super::DatabaseError> {
    let fail = |message: String| super::DatabaseError::Read {
        path: url_without_password(url).into(),
        format: "PostgreSQL",
        relation: relation.describe(),
        message,
    };
    let server = Server::parse(url).ok_or_else(|| fail("not a postgresql:// URL".into()))?;
    let mut client = server
        .connect(&server.database)
        .map_err(|e| fail(crate::error::chain(&e)))?;
    let sql = relation.sql();
    let stmt = client.prepare(&sql).map_err(|e| fail(db_message(&e)))?;
    let names: Vec<String> = stmt
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    let (mut values, casts): (Vec<Values>, Vec<Option<&str>>) = stmt
        .columns()
        .iter()
        .map(|c| plan(c.type_(), c.type_modifier()))
        .unzip();
    let projection = names
        .iter()
        .zip(&casts)
        .map(|(n, cast)| match cast {
            Some(t) => format!("{}::{t} AS {}", ident(n), ident(n)),
            None => ident(n),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let types: Vec<Type> = values.iter().map(read_type).collect();
    let copy = format!(
        "COPY (SELECT {projection} FROM ({sql}) AS swimlane_relation) TO STDOUT (FORMAT binary)"
    );
    let reader = client.copy_out(&copy).map_err(|e| fail(db_message(&e)))?;
    let mut rows = BinaryCopyOutIter::new(reader, &types);
    let mut count = 0usize;
    while let Some(row) = rows.next().map_err(|e| fail(db_message(&e)))? {
        count += 1;
        if count.is_multiple_of(65_536) {
            crate::interrupt::check()?;
        }
        for (i, v) in values.iter_mut().enumerate() {
            v.push(&row, i).map_err(|e| fail(db_message(&e)))?;
        }
    }
    let columns = names
        .iter()
        .zip(values)
        .map(|(n, v)| v.into_series(n).map(Series::into_column))
        .collect::<PolarsResult<Vec<_>>>()
        .map_err(|e| fail(e.to_string()))?;
    DataFrame::new_infer_height(columns).map_err(|e| fail(e.to_string()))
}

/// A server error's own message (the driver's says only "db error").
fn db_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_string(),
        None => e.to_string(),
    }
}

/// A URL as errors show it: no password.
pub fn url_without_password(url: &str) -> String {
    match Server::parse(url) {
        Some(s) => format!("{s}/{}", s.database),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(values: &[Option<&str>], declared: Option<(usize, usize)>) -> Series {
        let text = values.iter().map(|v| v.map(String::from)).collect();
        numeric_series("n".into(), text, declared).unwrap()
    }

    fn unscaled(s: &Series) -> Vec<Option<i128>> {
        s.decimal().unwrap().physical().iter().collect()
    }

    #[test]
    fn a_declared_numeric_is_read_as_that_decimal_to_its_last_digit() {
        // 17 significant digits: a float8 reads both as 1.2345678901234568e16.
        let s = numeric(
            &[
                Some("12345678901234567.12"),
                Some("12345678901234567.13"),
                Some("-0.50"),
                None,
            ],
            Some((20, 2)),
        );
        assert_eq!(s.dtype(), &DataType::Decimal(20, 2));
        assert_eq!(
            unscaled(&s),
            [
                Some(1234567890123456712),
                Some(1234567890123456713),
                Some(-50),
                None
            ]
        );
    }

    #[test]
    fn a_bare_numeric_gets_the_digits_its_values_need() {
        let s = numeric(
            &[Some("1.5"), Some("-10.25"), Some("0"), Some("0.001")],
            None,
        );
        assert_eq!(s.dtype(), &DataType::Decimal(5, 3));
        assert_eq!(unscaled(&s), [Some(1500), Some(-10250), Some(0), Some(1)]);
    }

    #[test]
    fn a_numeric_no_decimal_holds_stays_exact_as_text() {
        for values in [
            vec![Some("1.5"), Some("NaN")],
            vec![Some("Infinity"), None],
            vec![Some("1234567890123456789012345678901234567890.5")],
        ] {
            let s = numeric(&values, None);
            assert_eq!(s.dtype(), &DataType::String, "{values:?}");
            assert_eq!(s.str().unwrap().get(0), values[0]);
        }
    }

    #[test]
    fn numeric_type_modifiers_decode_to_precision_and_scale() {
        let typmod = |p: i32, s: i32| ((p << 16) | s) + 4;
        assert_eq!(declared_numeric(typmod(20, 2)), Some((20, 2)));
        assert_eq!(declared_numeric(typmod(6, 0)), Some((6, 0)));
        assert_eq!(declared_numeric(-1), None, "a bare numeric");
        assert_eq!(declared_numeric(typmod(50, 2)), None, "beyond 38 digits");
        // numeric(5, -2) (PostgreSQL 15): scale stored as 11-bit two's complement.
        assert_eq!(declared_numeric(typmod(5, 0x7fe)), None);
    }
}
