//! A session with a Spark Connect server: connecting, running a query
//! (interrupted on the server at Ctrl-C), and its Arrow answer as a frame.

use std::time::Duration;

use polars::prelude::*;

use super::SparkError;

/// How long reaching the server may take before it counts as down.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// How often a running query checks for Ctrl-C.
const INTERRUPT_POLL: Duration = Duration::from_millis(100);

/// A session with a Spark Connect server.
pub struct Spark {
    remote: String,
    runtime: tokio::runtime::Runtime,
    session: spark_connect::SparkSession,
    /// Bytes of Arrow data received so far (the results, in IPC form).
    received: std::cell::Cell<u64>,
    /// A directory of this machine and its name on the cluster.
    paths: Option<(std::path::PathBuf, String)>,
}

impl std::fmt::Debug for Spark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Spark({})", self.remote)
    }
}

impl Spark {
    /// Connects to `remote` (`sc://host:port`) and checks, within
    /// [`CONNECT_TIMEOUT`], that the server answers.
    pub fn connect(remote: &str) -> Result<Spark, SparkError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(SparkError::Runtime)?;
        let unreachable = |message: String| SparkError::Unreachable {
            remote: remote.to_string(),
            message,
        };
        let session = runtime.block_on(async {
            let attempt = async {
                let session = spark_connect::SparkSession::builder()
                    .remote(remote)
                    .get_or_create()
                    .await?;
                session.query("SELECT 1").execute().await?;
                Ok::<_, spark_connect::SparkError>(session)
            };
            match tokio::time::timeout(CONNECT_TIMEOUT, attempt).await {
                Ok(Ok(session)) => Ok(session),
                Ok(Err(e)) => Err(unreachable(e.to_string())),
                Err(_) => Err(unreachable(format!(
                    "no answer within {} s",
                    CONNECT_TIMEOUT.as_secs()
                ))),
            }
        });
        let session = match session {
            Ok(s) => s,
            Err(e) => {
                // The official client is synchronous: its attempt runs on a
                // blocking thread that may keep retrying. Do not wait for it.
                runtime.shutdown_background();
                return Err(e);
            }
        };
        let spark = Spark {
            remote: remote.to_string(),
            runtime,
            session,
            received: std::cell::Cell::new(0),
            paths: None,
        };
        // Parquet writers that leave out min/max statistics (polars does
        // for a row group with a NaN) make Spark's pushed-down `IS NOT
        // NULL` skip the row group as if it held only nulls; every query
        // here reads whole columns anyway, so nothing is pushed down.
        spark.sql("SET spark.sql.parquet.filterPushdown = false")?;
        // Naive timestamps become numbers through the session's time zone.
        spark.sql("SET spark.sql.session.timeZone = UTC")?;
        Ok(spark)
    }

    /// Paths under `local` are named `cluster` + the rest on the cluster
    /// (a shared directory mounted under another name, or a URI).
    pub fn map_paths(&mut self, local: &std::path::Path, cluster: &str) {
        self.paths = Some((local.to_path_buf(), cluster.to_string()));
    }

    /// The name the cluster reads `path` of this machine by.
    pub fn cluster_path(&self, path: &std::path::Path) -> String {
        if let Some((local, cluster)) = &self.paths
            && let Ok(rest) = path.strip_prefix(local)
        {
            let rest = rest.to_string_lossy();
            return format!("{}/{rest}", cluster.trim_end_matches('/'));
        }
        path.to_string_lossy().into_owned()
    }

    pub fn remote(&self) -> &str {
        &self.remote
    }

    /// Bytes of results received from the server so far.
    pub fn bytes_received(&self) -> u64 {
        self.received.get()
    }

    /// Runs `query` and returns its result as a polars frame.
    /// A Ctrl-C (or SIGTERM) interrupts the query on the server and
    /// returns [`SparkError::Interrupted`].
    pub fn sql(&self, query: &str) -> Result<DataFrame, SparkError> {
        crate::progress::step(|| {
            let first: String = query.split_whitespace().collect::<Vec<_>>().join(" ");
            let short: String = first.chars().take(70).collect();
            crate::progress::Step::Within(format!(
                "spark: {short}{}",
                if first.chars().count() > 70 {
                    "…"
                } else {
                    ""
                }
            ))
        });
        let batches = self.runtime.block_on(async {
            let run = self.session.query(query).execute();
            tokio::pin!(run);
            loop {
                tokio::select! {
                    r = &mut run => break r.map_err(|e| SparkError::Query {
                        query: query.to_string(),
                        message: e.to_string(),
                    }),
                    _ = tokio::time::sleep(INTERRUPT_POLL) => {
                        if let Err(interrupted) = crate::interrupt::check() {
                            // Stop the cluster's work, not only the wait.
                            let stop = self.session.interrupt_all();
                            let _ = tokio::time::timeout(CONNECT_TIMEOUT, stop).await;
                            break Err(SparkError::Interrupted(interrupted));
                        }
                    }
                }
            }
        })?;
        let bytes: usize = batches.iter().map(|b| b.get_array_memory_size()).sum();
        self.received.set(self.received.get() + bytes as u64);
        to_polars(&batches)
    }
}

/// Arrow batches → one polars frame, through Arrow IPC (the two libraries'
/// arrays are not the same types).
fn to_polars(batches: &[arrow::record_batch::RecordBatch]) -> Result<DataFrame, SparkError> {
    let Some(first) = batches.first() else {
        return Ok(DataFrame::empty());
    };
    let mut bytes = Vec::new();
    {
        let mut writer = arrow::ipc::writer::FileWriter::try_new(&mut bytes, &first.schema())?;
        for b in batches {
            writer.write(b)?;
        }
        writer.finish()?;
    }
    Ok(IpcReader::new(std::io::Cursor::new(bytes)).finish()?)
}
