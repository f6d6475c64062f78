//! A scripted worker process for the multi-process tests: it starts, holds, forks and stops through
//! the Linux backend exactly as an application (or the C library) would, and reports on stdout.
//!
//! Usage: `qsal-worker RUNTIME_DIR MODE SECTION`
//! * `start` — start, print `OK <derived>` or `ERR <message>`, hold until stdin closes, stop,
//!   print `STOPPED`.
//! * `race` — like `start`, but first wait for one line on stdin (so many workers start together).
//! * `fork` — start, fork; the child tries `stop` (must fail) and `start` (gets its own slot) and
//!   reports; the parent waits for the child, reports its own section, holds until stdin closes.
//! * `probe` — print `FREE <derived> <free> <total>` or `ERR <message>`.

use std::io::{BufRead as _, Read as _, Write as _};

use qsal_backend_linux::{RuntimeDir, linux_sal};

fn say(line: &str) {
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn wait_for_eof() {
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, mode, section] = args.as_slice() else {
        eprintln!("usage: qsal-worker RUNTIME_DIR start|race|fork|probe SECTION");
        std::process::exit(2);
    };
    let sal = linux_sal(&RuntimeDir::at(dir));
    match mode.as_str() {
        "probe" => match sal.probe(section.as_bytes()) {
            Ok(p) => say(&format!("FREE {} {} {}", p.section, p.free, p.total)),
            Err(e) => say(&format!("ERR {e}")),
        },
        "start" | "race" => {
            if mode == "race" {
                let mut line = String::new();
                let _ = std::io::stdin().lock().read_line(&mut line);
            }
            match sal.start(section.as_bytes()) {
                Ok(started) => {
                    say(&format!("OK {}", started.section));
                    wait_for_eof();
                    match sal.stop() {
                        Ok(_) => say("STOPPED"),
                        Err(e) => say(&format!("ERR {e}")),
                    }
                }
                Err(e) => say(&format!("ERR {e}")),
            }
        }
        "fork" => {
            let started = match sal.start(section.as_bytes()) {
                Ok(s) => s,
                Err(e) => {
                    say(&format!("ERR {e}"));
                    return;
                }
            };
            say(&format!("PARENT {}", started.section));
            // SAFETY: this program is single-threaded at this point (no thread was spawned), so the
            // child may run arbitrary code after fork.
            let pid = unsafe { libc::fork() };
            if pid == 0 {
                match sal.stop() {
                    Ok(_) => say("CHILD-STOP OK"),
                    Err(e) => say(&format!("CHILD-STOP ERR {e}")),
                }
                match sal.start(section.as_bytes()) {
                    Ok(s) => say(&format!("CHILD-START OK {}", s.section)),
                    Err(e) => say(&format!("CHILD-START ERR {e}")),
                }
                let _ = sal.stop();
                std::process::exit(0);
            }
            let mut status = 0;
            // SAFETY: waiting for the child we just forked; `status` is a valid out-pointer.
            unsafe { libc::waitpid(pid, &mut status, 0) };
            say(&format!(
                "PARENT-AFTER {}",
                sal.section().map(|s| s.to_string()).unwrap_or_default()
            ));
            wait_for_eof();
            let _ = sal.stop();
        }
        other => {
            eprintln!("qsal-worker: unknown mode {other}");
            std::process::exit(2);
        }
    }
}
