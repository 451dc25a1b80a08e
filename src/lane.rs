//! One isolated run of the pipeline: the stages, in order, with `sh -c` in the
//! lane's checkout, each in its own process group with a timeout, its output
//! captured to log files in the lane.
//!
//! This module owns process control: timeouts and interruption kill the whole
//! process group (a stage's grandchildren included), and so does the end of
//! every stage, so nothing a stage started outlives it. It does not decide
//! what a failure means for the verdict; the caller does.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::config::Stage;
use crate::model::{LaneRun, Side, StageRun, StageStatus};
use crate::template::render_command;

/// Grace period between SIGTERM and SIGKILL when a stage must stop.
const KILL_GRACE: Duration = Duration::from_secs(2);
/// Lines of a failed stage's output shown to the user.
pub const TAIL_LINES: usize = 20;

/// Where a lane lives on disk.
#[derive(Debug, Clone)]
pub struct LaneDirs {
    pub root: PathBuf,
    pub checkout: PathBuf,
    pub out: PathBuf,
    pub scratch: PathBuf,
    pub logs: PathBuf,
}

impl LaneDirs {
    /// Lays out (and creates, but for the checkout) a lane under `root`.
    pub fn create(root: PathBuf) -> io::Result<LaneDirs> {
        let dirs = LaneDirs {
            checkout: root.join("checkout"),
            out: root.join("out"),
            scratch: root.join("scratch"),
            logs: root.join("logs"),
            root,
        };
        for dir in [&dirs.out, &dirs.scratch, &dirs.logs] {
            fs::create_dir_all(dir)?;
        }
        Ok(dirs)
    }
}

/// The snapshot as this lane's stages see it: a database file (SQLite,
/// DuckDB) is copied into the lane, since a pipeline opens its database
/// read-write and each lane must have its own; files of rows and
/// directories are shared, read in place.
pub fn own_snapshot(snapshot: &Path, dirs: &LaneDirs) -> io::Result<PathBuf> {
    let is_database = snapshot.is_file()
        && crate::config::Format::from_path(&snapshot.to_string_lossy())
            .is_some_and(crate::config::Format::is_database);
    if !is_database {
        return Ok(snapshot.to_path_buf());
    }
    let dir = dirs.root.join("snapshot");
    fs::create_dir_all(&dir)?;
    let copy = dir.join(snapshot.file_name().unwrap_or_default());
    fs::copy(snapshot, &copy).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!(
                "copying the snapshot {} into the lane: {e}",
                snapshot.display()
            ),
        )
    })?;
    Ok(copy)
}

/// What a stage is told about its lane.
pub struct LaneEnv<'a> {
    pub side: Side,
    pub dirs: &'a LaneDirs,
    pub snapshot: &'a Path,
    pub rev: &'a str,
    /// `[database] postgres`: the URL of the lane's own database, and its
    /// name (what a dbt profile's `dbname` takes).
    pub database_url: Option<&'a str>,
    pub database_name: Option<&'a str>,
}

/// Receives progress while lanes run (called from the lanes' threads).
pub trait Observer: Sync {
    fn stage_started(&self, side: Side, stage: &str);
    fn stage_finished(&self, side: Side, run: &StageRun);
    /// Both lanes are done (called once, from the caller's thread).
    fn lanes_finished(&self) {}
}

/// An observer that ignores everything.
pub struct Silent;

impl Observer for Silent {
    fn stage_started(&self, _: Side, _: &str) {}
    fn stage_finished(&self, _: Side, _: &StageRun) {}
}

/// Runs `stages` in order in the lane; stops at the first that fails.
pub fn run_lane(
    env: &LaneEnv<'_>,
    stages: &[Stage],
    observer: &dyn Observer,
) -> io::Result<LaneRun> {
    let started = Instant::now();
    let mut runs = Vec::with_capacity(stages.len());
    let mut failed = false;
    for (i, stage) in stages.iter().enumerate() {
        let stem = format!("{:02}-{}", i + 1, file_safe(&stage.name));
        let stdout_log = env.dirs.logs.join(format!("{stem}.stdout.log"));
        let stderr_log = env.dirs.logs.join(format!("{stem}.stderr.log"));
        if failed || crate::interrupt::requested() {
            runs.push(StageRun {
                name: stage.name.clone(),
                status: StageStatus::Skipped,
                exit_code: None,
                signal: None,
                seconds: 0.0,
                stdout_log,
                stderr_log,
                tail: Vec::new(),
            });
            continue;
        }
        observer.stage_started(env.side, &stage.name);
        let run = run_stage(env, stage, stdout_log, stderr_log)?;
        observer.stage_finished(env.side, &run);
        failed = run.status != StageStatus::Ok;
        runs.push(run);
    }
    Ok(LaneRun {
        side: env.side,
        stages: runs,
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn run_stage(
    env: &LaneEnv<'_>,
    stage: &Stage,
    stdout_log: PathBuf,
    stderr_log: PathBuf,
) -> io::Result<StageRun> {
    let command = render_command(&stage.run, |name| match name {
        "snapshot" => env.snapshot.as_os_str().to_owned(),
        "out" => env.dirs.out.as_os_str().to_owned(),
        "lane" => env.side.as_str().into(),
        "rev" => env.rev.into(),
        "database_url" => env.database_url.unwrap_or_default().into(),
        "database_name" => env.database_name.unwrap_or_default().into(),
        _ => unreachable!("placeholders are validated when the config is loaded"),
    });
    let started = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(&command)
        .current_dir(&env.dirs.checkout)
        .env("SWIMLANE_SNAPSHOT", env.snapshot)
        .env("SWIMLANE_OUT", &env.dirs.out)
        .env("SWIMLANE_LANE", env.side.as_str())
        .env("SWIMLANE_REV", env.rev)
        .envs(env.database_url.map(|u| ("SWIMLANE_DATABASE_URL", u)))
        .envs(env.database_name.map(|n| ("SWIMLANE_DATABASE_NAME", n)))
        .env("TMPDIR", &env.dirs.scratch)
        // Python buffers a redirected stderr: a stage killed at its timeout
        // would leave its last lines, the ones that say why, unwritten.
        .envs(
            std::env::var_os("PYTHONUNBUFFERED")
                .is_none()
                .then_some(("PYTHONUNBUFFERED", "1")),
        )
        // Inherited from a git hook, these would point the stage's git at the
        // user's repository instead of the lane's checkout.
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .stdin(Stdio::null())
        .stdout(File::create(&stdout_log)?)
        .stderr(File::create(&stderr_log)?)
        .process_group(0)
        .spawn()?;

    let outcome = supervise(&mut child, stage.timeout)?;
    let seconds = started.elapsed().as_secs_f64();
    let (status, exit_code, signal) = match outcome {
        Outcome::Exited(status) => {
            let code = status.code();
            let ok = code == Some(0);
            let s = if ok {
                StageStatus::Ok
            } else {
                StageStatus::Failed
            };
            (s, code, status.signal())
        }
        Outcome::TimedOut => (StageStatus::Timeout, None, None),
        Outcome::Interrupted => (StageStatus::Interrupted, None, None),
    };
    let tail = if status == StageStatus::Ok {
        Vec::new()
    } else {
        let mut tail = tail_lines(&stderr_log, TAIL_LINES)?;
        if tail.is_empty() {
            tail = tail_lines(&stdout_log, TAIL_LINES)?;
        }
        tail
    };
    Ok(StageRun {
        name: stage.name.clone(),
        status,
        exit_code,
        signal,
        seconds,
        stdout_log,
        stderr_log,
        tail,
    })
}

enum Outcome {
    Exited(std::process::ExitStatus),
    TimedOut,
    Interrupted,
}

/// Waits for the stage's shell, enforcing the timeout and interruption, and
/// always leaves the stage's process group empty.
fn supervise(child: &mut Child, timeout: Duration) -> io::Result<Outcome> {
    let pgid = child.id() as i32;
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        // Look without reaping: while the shell is a zombie its pid (the
        // group id) cannot be reused, so signalling the group stays safe.
        if has_exited(pgid)? {
            kill_group(pgid, libc::SIGKILL);
            return Ok(Outcome::Exited(child.wait()?));
        }
        if crate::interrupt::requested() {
            stop_group(child, pgid)?;
            return Ok(Outcome::Interrupted);
        }
        if started.elapsed() >= timeout {
            stop_group(child, pgid)?;
            return Ok(Outcome::TimedOut);
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// SIGTERM to the group, a grace period, then SIGKILL; reaps the shell.
fn stop_group(child: &mut Child, pgid: i32) -> io::Result<()> {
    kill_group(pgid, libc::SIGTERM);
    let deadline = Instant::now() + KILL_GRACE;
    while Instant::now() < deadline && !has_exited(pgid)? {
        std::thread::sleep(Duration::from_millis(20));
    }
    kill_group(pgid, libc::SIGKILL);
    child.wait()?;
    Ok(())
}

fn has_exited(pid: i32) -> io::Result<bool> {
    // SAFETY: waitid writes into the zeroed siginfo we own; WNOWAIT leaves the
    // child waitable for `Child::wait`.
    unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        let rc = libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        );
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(info.si_pid() != 0)
    }
}

fn kill_group(pgid: i32, signal: i32) {
    // SAFETY: plain syscall; ESRCH (group already empty) is expected and ignored.
    unsafe {
        libc::killpg(pgid, signal);
    }
}

/// The last `n` lines of a log file, reading at most its last 64 KiB.
pub fn tail_lines(path: &Path, n: usize) -> io::Result<Vec<String>> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let start = len.saturating_sub(64 * 1024);
    file.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::new();
    file.read_to_end(&mut buf)?;
    let text = String::from_utf8_lossy(&buf);
    let mut lines: Vec<&str> = text.lines().collect();
    if start > 0 && !lines.is_empty() {
        lines.remove(0); // probably cut in the middle
    }
    let skip = lines.len().saturating_sub(n);
    Ok(lines[skip..].iter().map(|l| l.to_string()).collect())
}

fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(run: &str, timeout: f64) -> Stage {
        Stage {
            name: "s".into(),
            run: run.into(),
            timeout: Duration::from_secs_f64(timeout),
        }
    }

    fn lane(dir: &Path) -> LaneDirs {
        let dirs = LaneDirs::create(dir.join("lane")).unwrap();
        fs::create_dir_all(&dirs.checkout).unwrap();
        dirs
    }

    fn run(dir: &Path, stages: &[Stage]) -> LaneRun {
        let dirs = lane(dir);
        let env = LaneEnv {
            side: Side::Head,
            dirs: &dirs,
            snapshot: Path::new("/snap shot"),
            database_url: None,
            database_name: None,
            rev: "abc123",
        };
        run_lane(&env, stages, &Silent).unwrap()
    }

    #[test]
    fn placeholders_and_environment_reach_the_stage() {
        let dir = tempfile::tempdir().unwrap();
        let r = run(
            dir.path(),
            &[stage(
                "echo {snapshot} {lane} {rev} > {out}/p; echo \"$SWIMLANE_SNAPSHOT|$SWIMLANE_LANE|$SWIMLANE_REV\" >> \"$SWIMLANE_OUT/p\"; pwd >> {out}/p",
                10.0,
            )],
        );
        assert_eq!(r.stages[0].status, StageStatus::Ok);
        let written = fs::read_to_string(dir.path().join("lane/out/p")).unwrap();
        let checkout = dir.path().join("lane/checkout");
        assert_eq!(
            written,
            format!(
                "/snap shot head abc123\n/snap shot|head|abc123\n{}\n",
                checkout.display()
            )
        );
    }

    #[test]
    fn failure_keeps_exit_code_and_tail_and_skips_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let r = run(
            dir.path(),
            &[
                stage(
                    "for i in $(seq 1 30); do echo line$i >&2; done; exit 3",
                    10.0,
                ),
                stage("touch {out}/never", 10.0),
            ],
        );
        let failed = r.failure().unwrap();
        assert_eq!(failed.status, StageStatus::Failed);
        assert_eq!(failed.exit_code, Some(3));
        assert_eq!(failed.tail.len(), TAIL_LINES);
        assert_eq!(failed.tail.last().unwrap(), "line30");
        assert_eq!(r.stages[1].status, StageStatus::Skipped);
        assert!(!dir.path().join("lane/out/never").exists());
    }

    #[test]
    fn signal_death_is_a_failure_with_the_signal() {
        let dir = tempfile::tempdir().unwrap();
        let r = run(dir.path(), &[stage("kill -9 $$", 10.0)]);
        assert_eq!(r.stages[0].status, StageStatus::Failed);
        assert_eq!(r.stages[0].signal, Some(libc::SIGKILL));
    }

    #[test]
    fn timeout_kills_the_whole_group() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("grandchild.pid");
        let r = run(
            dir.path(),
            &[stage(
                &format!("sleep 300 & echo $! > '{}'; wait", pidfile.display()),
                0.5,
            )],
        );
        assert_eq!(r.stages[0].status, StageStatus::Timeout);
        assert!(r.stages[0].seconds < 10.0);
        let pid: i32 = fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(!alive(pid), "grandchild {pid} survived the timeout");
    }

    #[test]
    fn background_children_do_not_outlive_their_stage() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("daemon.pid");
        let r = run(
            dir.path(),
            &[stage(
                &format!(
                    "(sleep 300 &) ; sleep 300 & echo $! > '{}'",
                    pidfile.display()
                ),
                10.0,
            )],
        );
        assert_eq!(r.stages[0].status, StageStatus::Ok);
        let pid: i32 = fs::read_to_string(&pidfile)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(!alive(pid), "background child {pid} outlived its stage");
    }

    fn alive(pid: i32) -> bool {
        // A killed orphan lingers as a zombie until init reaps it: that is dead.
        for _ in 0..50 {
            match fs::read_to_string(format!("/proc/{pid}/stat")) {
                Err(_) => return false,
                Ok(stat) => {
                    let state = stat.rsplit_once(')').map(|(_, rest)| rest.trim_start());
                    if state.is_some_and(|s| s.starts_with('Z') || s.starts_with('X')) {
                        return false;
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        true
    }
}
