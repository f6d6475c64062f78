//! What the C tests share: where cargo put libqsal, compiling a C program against `include/` and
//! the library, and running it against a runtime directory.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Where cargo put `libqsal.so` / `libqsal.a` for this test build: beside the test executable.
pub fn library_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe.parent().expect("deps directory").to_path_buf();
    assert!(
        dir.join("libqsal.so").exists() && dir.join("libqsal.a").exists(),
        "libqsal.so / libqsal.a not found in {}",
        dir.display()
    );
    dir
}

/// The capi crate's directory.
pub fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Compiles `source` into `out` with `flags` (include path and libraries); panics with the compiler
/// output.
pub fn compile_with(source: &Path, out: &Path, flags: &[String]) {
    let mut cc = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".to_string()));
    cc.args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-O1"])
        .arg(source)
        .arg("-o")
        .arg(out)
        .args(flags)
        .arg("-lpthread");
    let output = cc
        .output()
        .expect("running the C compiler `cc` (install gcc or set CC)");
    assert!(
        output.status.success(),
        "cc failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Compiles `tests/c/<source>` against `include/`, linked as `link` says.
pub fn compile(source: &str, out: &Path, link: &[String]) {
    let mut flags = vec![format!("-I{}", crate_dir().join("include").display())];
    flags.extend_from_slice(link);
    compile_with(&crate_dir().join("tests/c").join(source), out, &flags);
}

/// Flags that link the shared library of this build, found again at run time through the rpath.
pub fn shared_link_flags() -> Vec<String> {
    let lib = library_dir();
    vec![
        format!("-L{}", lib.display()),
        "-lqsal".to_string(),
        format!("-Wl,-rpath,{}", lib.display()),
    ]
}

/// Runs `binary` with `args` against `runtime`, with `QSAL_LOG` set to `log` (unset when `None`).
pub fn run_in(binary: &Path, runtime: &Path, args: &[&str], log: Option<&str>) -> Output {
    let mut command = Command::new(binary);
    // Cargo's LD_LIBRARY_PATH lists target/<profile> too, where an older uplifted libqsal.so may
    // sit; it would win over the rpath. The program must load the library of this build.
    command
        .args(args)
        .env("QSAL_RUNTIME_DIR", runtime)
        .env_remove("LD_LIBRARY_PATH");
    match log {
        Some(level) => command.env("QSAL_LOG", level),
        None => command.env_remove("QSAL_LOG"),
    };
    command.output().expect("run the C program")
}
