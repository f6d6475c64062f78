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
//! * `serve` — answer one command per stdin line, one line each (the chaos test drives it):
//!   `start` → `OK <derived> <count>` | `ERR <message>`; `stop` → `STOPPED <remaining>` |
//!   `ERR <message>`; `probe` → as the mode; `fork` → the child stops (must fail), starts, stops and
//!   exits; the parent answers `FORKED OK <derived>` | `FORKED ERR <message>` | `FORKED BAD <why>`.
//!   At end of input every outstanding start is stopped.

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
        "serve" => serve(&sal, section),
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

type Sal = qsal_backend_linux::LinuxSal;

/// The `serve` mode: one command per line until end of input.
fn serve(sal: &Sal, section: &str) {
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        match line.trim() {
            "start" => match sal.start(section.as_bytes()) {
                Ok(s) => say(&format!("OK {} {}", s.section, s.count)),
                Err(e) => say(&format!("ERR {e}")),
            },
            "stop" => match sal.stop() {
                Ok(s) => say(&format!("STOPPED {}", s.remaining)),
                Err(e) => say(&format!("ERR {e}")),
            },
            "probe" => match sal.probe(section.as_bytes()) {
                Ok(p) => say(&format!("FREE {} {} {}", p.section, p.free, p.total)),
                Err(e) => say(&format!("ERR {e}")),
            },
            "fork" => say(&fork_once(sal, section)),
            other => say(&format!("ERR unknown command {other}")),
        }
    }
    while sal.count() > 0 {
        if sal.stop().is_err() {
            break;
        }
    }
}

/// Forks a child that must not be able to stop, takes a slot of its own, stops it and exits;
/// reports what the child saw.
fn fork_once(sal: &Sal, section: &str) -> String {
    let mut pipe = [0i32; 2];
    // SAFETY: `pipe` is a valid array of two descriptors to fill.
    if unsafe { libc::pipe(pipe.as_mut_ptr()) } != 0 {
        return "FORKED BAD pipe failed".to_string();
    }
    let [read_end, write_end] = pipe;
    // SAFETY: the child only uses the state machine, which detects the fork by pid, and exits with
    // `_exit`; the engine threads of the parent do not exist in the child and are never joined there.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        // SAFETY: closing the two descriptors we own.
        unsafe {
            libc::close(read_end);
            libc::close(write_end);
        }
        return "FORKED BAD fork failed".to_string();
    }
    if pid == 0 {
        let report = match sal.stop() {
            Ok(_) => "BAD the child could stop the parent's start".to_string(),
            Err(_) => match sal.start(section.as_bytes()) {
                Ok(s) => {
                    let name = s.section.to_string();
                    match sal.stop() {
                        Ok(_) => format!("OK {name}"),
                        Err(e) => format!("BAD child stop failed: {e}"),
                    }
                }
                Err(e) => format!("ERR {e}"),
            },
        };
        // SAFETY: writing our own buffer to the pipe we own, then leaving without running the
        // parent's destructors or atexit handlers.
        unsafe {
            libc::write(write_end, report.as_ptr().cast(), report.len());
            libc::_exit(0);
        }
    }
    // SAFETY: closing the parent's copy of the write end, which we own.
    unsafe { libc::close(write_end) };
    let mut report = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        // SAFETY: reading into our own buffer from the pipe we own.
        let n = unsafe { libc::read(read_end, buf.as_mut_ptr().cast(), buf.len()) };
        let Ok(n) = usize::try_from(n) else { break };
        if n == 0 {
            break;
        }
        report.extend_from_slice(buf.get(..n).unwrap_or_default());
    }
    let mut status = 0;
    // SAFETY: closing our read end and waiting for the child we forked.
    unsafe {
        libc::close(read_end);
        libc::waitpid(pid, &mut status, 0);
    }
    format!("FORKED {}", String::from_utf8_lossy(&report))
}
