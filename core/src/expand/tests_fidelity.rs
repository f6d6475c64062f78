//! Expansion as each driver family does it (issue 21): one test per difference that a comparison
//! with Intel's QAT.L.4.24 and QAT20.L.1.0.50 drivers found. Every bank and ring number below is
//! derived in a comment from the algorithm in `../shared/reference/qat-semantics.md`, not recorded
//! from qsal's output.

use super::*;
use crate::diag::Diagnostic;

/// The expanded text of `text` for `device` at accel id 0 (without the generated accelerator
/// section, which most tests do not look at), or the error.
fn expanded(text: &str, device: DeviceType) -> Result<String, String> {
    let config: Config<'_> = Config::parse(text.as_bytes(), &mut |_: Diagnostic<'_>| {});
    let mut out = String::new();
    match expand(&config, device, 0, &mut ConfWriter::new(&mut out)) {
        Ok(_) => Ok(match out.split_once("\n[Accelerator0]\n") {
            Some((before, _)) if !text.contains("[Accelerator0]") => format!("{before}\n"),
            _ => out,
        }),
        Err(e) => Err(e.to_string()),
    }
}

/// The body of section `name` in an expanded text.
fn section<'t>(text: &'t str, name: &str) -> &'t str {
    let header = format!("[{name}]\n");
    let start = text
        .find(&header)
        .unwrap_or_else(|| panic!("no [{name}] in\n{text}"))
        + header.len();
    let end = text[start..].find("\n[").map_or(text.len(), |p| start + p);
    &text[start..end]
}

/// The reference's worked example of a 4xxx PF (§2.6.9).
const GEN4_WORKED: &str = "[GENERAL]\nServicesEnabled = asym;dc\nConfigVersion = 2\n\
[KERNEL]\nNumberCyInstances = 0\nNumberDcInstances = 1\nDc0Name = \"KDc0\"\nDc0IsPolled = 0\n\
Dc0CoreAffinity = 0\n\
[SSL]\nNumberCyInstances = 1\nNumberDcInstances = 1\nNumProcesses = 2\nLimitDevAccess = 0\n\
Cy0Name = \"SSL0\"\nCy0IsPolled = 1\nCy0CoreAffinity = 0-1\nDc0Name = \"Dc0\"\nDc0IsPolled = 2\n\
Dc0CoreAffinity = 2\n";

#[test]
fn gen4_worked_example_maps_banks_no_first_user_bundle() {
    // asym;dc serves slots asym, asym, dc, dc: asym banks 0, 1, 4, 5, …, dc banks 2, 3, 6, 7, ….
    // Order: [KERNEL] Dc0 → lowest free dc bank, 2. SSL_INT_0: services dc then asym — Dc0 → 3,
    // Cy0 (asym part) → lowest free asym bank, 0 (no kernel offset on QAT20). SSL_INT_1: Dc0 → 6,
    // Cy0 → 1. Every bank holds one pair: ring 0 requests, ring 1 responses.
    let text = expanded(GEN4_WORKED, DeviceType::Qat4xxx).expect("expands");
    assert_eq!(section(&text, "GENERAL"), "ServicesEnabled = \"asym;dc\"\n");
    assert!(section(&text, "KERNEL").ends_with(
        "Dc0BankNumber = 2\nDc0RingTx = 0\nDc0RingRx = 1\nDc0NumConcurrentRequests = 512\n"
    ));
    assert_eq!(
        section(&text, "SSL_INT_0"),
        "NumberCyInstances = 1\nNumberDcInstances = 1\nCy0Name = \"SSL0\"\nCy0IsPolled = 1\n\
Dc0Name = \"Dc0\"\nDc0IsPolled = 2\nDc0CoreAffinity = 2\nDc0BankNumber = 3\nDc0RingTx = 0\n\
Dc0RingRx = 1\nDc0NumConcurrentRequests = 512\nCy0CoreAffinity = 0\nCy0BankNumberAsym = 0\n\
Cy0RingAsymTx = 0\nCy0RingAsymRx = 1\nCy0NumConcurrentAsymRequests = 64\n"
    );
    let second = section(&text, "SSL_INT_1");
    assert!(second.contains("Dc0BankNumber = 6\n"), "{second}");
    assert!(
        second.contains("Cy0CoreAffinity = 1\nCy0BankNumberAsym = 1\n"),
        "{second}"
    );
    assert_eq!(section(&text, "SSL"), "LimitDevAccess = 0\n");
    assert!(
        !text.contains("Cy0BankNumber ="),
        "QAT20 never writes Cy<i>BankNumber"
    );
}

#[test]
fn gen4_bank_keys_name_the_crypto_part() {
    // Only asym enabled: every bank serves asym; the part's bank key is still BankNumberAsym.
    let asym = GEN4_WORKED
        .replace("asym;dc", "asym")
        .replace("NumberDcInstances = 1", "NumberDcInstances = 0");
    let text = expanded(&asym, DeviceType::Qat4xxx).expect("expands");
    assert!(
        section(&text, "SSL_INT_0").contains("Cy0BankNumberAsym = 0\n"),
        "{text}"
    );
    // sym;dc: sym banks 0, 1, 4, 5; dc banks 2, 3, 6, 7. Kernel Dc0 → 2; SSL_INT_0 Dc0 → 3,
    // Cy0 (sym part) → 0.
    let sym = GEN4_WORKED.replace("asym;dc", "sym;dc");
    let text = expanded(&sym, DeviceType::Qat4xxx).expect("expands");
    let first = section(&text, "SSL_INT_0");
    assert!(first.contains("Dc0BankNumber = 3\n"), "{first}");
    assert!(
        first.contains("Cy0BankNumberSym = 0\nCy0RingSymTx = 0\nCy0RingSymRx = 1\n"),
        "{first}"
    );
}

#[test]
fn gen4_siov_reserves_adi_banks_after_the_kernel() {
    // k = highest kernel bank (2) + 1 = 3. ADI0 takes bank 3 (dc), ADI1 bank 4 (asym), whatever
    // their service. Then SSL_INT_0: Dc0 → lowest free dc bank 6 (2 kernel, 3 ADI), Cy0 → 0;
    // SSL_INT_1: Dc0 → 7, Cy0 → 1. Bank 5 (asym) stays free.
    let text = format!("{GEN4_WORKED}[SIOV]\nNumberAdis = 2\n");
    let text = expanded(&text, DeviceType::Qat4xxx).expect("expands");
    assert_eq!(
        section(&text, "SIOV"),
        "NumberAdis = 2\nAdi0BankNumber = 3\nAdi0Type = \"dc\"\nAdi0RingTx = 0\nAdi0RingRx = 1\n\
Adi1BankNumber = 4\nAdi1Type = \"asym\"\nAdi1RingTx = 0\nAdi1RingRx = 1\n"
    );
    assert!(section(&text, "SSL_INT_0").contains("Dc0BankNumber = 6\n"));
    assert!(section(&text, "SSL_INT_0").contains("Cy0BankNumberAsym = 0\n"));
    assert!(section(&text, "SSL_INT_1").contains("Dc0BankNumber = 7\n"));
    // 3 + 62 > 64 banks: the driver refuses the device.
    let too_many = format!("{GEN4_WORKED}[SIOV]\nNumberAdis = 62\n");
    let err = expanded(&too_many, DeviceType::Qat4xxx).expect_err("refused");
    assert!(err.contains("62 ADIs from bank 3"), "{err}");
    // 61 fit (banks 3…63), but then no dc bank is left for SSL_INT_0's Dc0.
    let fits = format!("{GEN4_WORKED}[SIOV]\nNumberAdis = 61\n");
    let err = expanded(&fits, DeviceType::Qat4xxx).expect_err("no dc bank");
    assert!(err.contains("no rings left for Dc0 of process 0"), "{err}");
}

#[test]
fn gen4_special_sections() {
    // QAT20: [KERNEL_QAT] and [DEBUG] are user sections, [INLINE] is left alone, and names with
    // SIOV or Accelerator keep every key.
    let text = "[GENERAL]\nServicesEnabled = dc\nConfigVersion = 2\n\
[DEBUG]\nNumberDcInstances = 1\nNumProcesses = 1\nDc0Name = d\nDc0IsPolled = 1\nDc0CoreAffinity = 0\n\
[INLINE]\nNumProcesses = 2\nInlineIngress = 50%\n\
[KERNEL_QAT]\nNumberDcInstances = 0\nNumProcesses = 1\n\
[MySIOV]\nNumberDcInstances = 0\nNumProcesses = 1\nLimitDevAccess = 0\nExtra = 1\n";
    let out = expanded(text, DeviceType::Qat4xxx).expect("expands");
    assert!(
        section(&out, "DEBUG_INT_0").contains("Dc0BankNumber = 0\n"),
        "{out}"
    );
    assert_eq!(
        section(&out, "INLINE"),
        "NumProcesses = 2\nInlineIngress = \"50%\"\n"
    );
    assert!(!out.contains("INLINE_INT_"));
    assert!(out.contains("[KERNEL_QAT_INT_0]\n"));
    assert_eq!(
        section(&out, "MySIOV"),
        "NumberDcInstances = 0\nNumProcesses = 1\nLimitDevAccess = 0\nExtra = 1\n"
    );
}

#[test]
fn gen4_vf_capacity_follows_the_gen4_map() {
    // A 4xxxvf with asym;sym: banks serve asym, sym, asym, sym. Two processes with one crypto
    // instance each need a sym and an asym bank each: p0 sym → 1, asym → 0; p1 sym → 3, asym → 2.
    let text = "[GENERAL]\nServicesEnabled = asym;sym\nConfigVersion = 2\n\
[SSL]\nNumberCyInstances = 1\nNumProcesses = 2\nCy0Name = a\nCy0IsPolled = 1\nCy0CoreAffinity = 0\n";
    let out = expanded(text, DeviceType::Qat4xxxVf).expect("the driver loads it");
    let p1 = section(&out, "SSL_INT_1");
    assert!(
        p1.contains("Cy0BankNumberSym = 3\n") && p1.contains("Cy0BankNumberAsym = 2\n"),
        "{p1}"
    );
}

#[test]
fn qat17_debug_inline_siov_are_user_sections() {
    // 4.24: [DEBUG] with NumProcesses = 1 sorts before [SSL] and gets DEBUG_INT_0, which takes the
    // first crypto instance of bank 0 (rings 0/2 → 8/10); SSL_INT_0 moves to the second (1/3 →
    // 9/11). Two sections with crypto instances: no user bundle distribution.
    let text = "[GENERAL]\nServicesEnabled = cy\nConfigVersion = 2\n\
[DEBUG]\nNumberCyInstances = 1\nNumProcesses = 1\nCy0Name = d\nCy0IsPolled = 1\nCy0CoreAffinity = 0\n\
[SSL]\nNumberCyInstances = 1\nNumProcesses = 1\nCy0Name = s\nCy0IsPolled = 1\nCy0CoreAffinity = 0\n\
[INLINE]\nInlineIngress = 50%\nLimitDevAccess = 0\n";
    let out = expanded(text, DeviceType::C6xx).expect("expands");
    assert!(
        section(&out, "DEBUG_INT_0").contains("Cy0RingAsymTx = 0\nCy0RingSymTx = 2\n"),
        "{out}"
    );
    assert!(
        section(&out, "SSL_INT_0")
            .contains("Cy0BankNumber = 0\nCy0RingAsymTx = 1\nCy0RingSymTx = 3\nCy0RingAsymRx = 9\nCy0RingSymRx = 11\n"),
        "{out}"
    );
    // Without NumProcesses, [INLINE] is reduced to LimitDevAccess like any user section.
    assert_eq!(section(&out, "INLINE"), "LimitDevAccess = 0\n");
}

#[test]
fn accelerator_in_a_name_keeps_every_key_and_accelerator0_merges_bank_keys() {
    let text = "[GENERAL]\nServicesEnabled = dc\nConfigVersion = 2\n\
[Accelerator0]\nNumberDcInstances = 0\nNumProcesses = 1\nMine = 1\n\
[MyAccelerator]\nNumberDcInstances = 0\nNumProcesses = 1\nLimitDevAccess = 0\nOther = 2\n";
    let out = expanded(text, DeviceType::C6xx).expect("expands");
    assert_eq!(
        section(&out, "MyAccelerator"),
        "NumberDcInstances = 0\nNumProcesses = 1\nLimitDevAccess = 0\nOther = 2\n"
    );
    // The user's [Accelerator0] keeps its keys and receives the kernel's 16 × 4 per-bank keys;
    // no second [Accelerator0] is generated.
    let merged = section(&out, "Accelerator0");
    assert!(
        merged.starts_with("NumberDcInstances = 0\nNumProcesses = 1\nMine = 1\nBank0Interrupt"),
        "{merged}"
    );
    assert_eq!(merged.lines().count(), 3 + 16 * 4);
    assert_eq!(out.matches("[Accelerator0]").count(), 1);
    assert!(out.contains("[Accelerator0_INT_0]\n"));
}

#[test]
fn qat17_kernel_polling_2_gets_a_bank_of_its_own() {
    // [KERNEL] Cy0IsPolled = 2 claims free bank 0 in interrupt mode (affinity core 0), so
    // FirstUserBundle = 1 and SSL_INT_0's polled instance starts from bank 1.
    let text = "[GENERAL]\nServicesEnabled = cy\nConfigVersion = 2\n\
[KERNEL]\nNumberCyInstances = 1\nCy0Name = k\nCy0IsPolled = 2\nCy0CoreAffinity = 0\n\
[SSL]\nNumberCyInstances = 1\nNumProcesses = 1\nCy0Name = s\nCy0IsPolled = 1\nCy0CoreAffinity = 0\n";
    let config: Config<'_> = Config::parse(text.as_bytes(), &mut |_: Diagnostic<'_>| {});
    let mut out = String::new();
    expand(&config, DeviceType::C6xx, 0, &mut ConfWriter::new(&mut out)).expect("expands");
    assert!(out.contains("FirstUserBundle = 1\n"), "{out}");
    assert!(
        section(&out, "SSL_INT_0").contains("Cy0BankNumber = 1\n"),
        "{out}"
    );
    // The generated accelerator section reports the kernel bank's core and 255 for the others.
    let accelerator = section(&out, "Accelerator0");
    assert!(
        accelerator.contains("Bank0CoreAffinity = 0\n")
            && accelerator.contains("Bank1CoreAffinity = 255\n")
    );
}

#[test]
fn hexadecimal_num_processes_is_read_as_the_kernel_reads_it() {
    let text = "[GENERAL]\nServicesEnabled = dc\nConfigVersion = 2\n\
[SSL]\nNumberDcInstances = 0\nNumProcesses = 0x2\nLimitDevAccess = +1\n";
    let out = expanded(text, DeviceType::C6xx).expect("expands");
    assert!(
        out.contains("[SSL_DEV0_INT_1]\n") && !out.contains("[SSL_DEV0_INT_2]\n"),
        "{out}"
    );
}

#[test]
fn gen4_has_no_cy() {
    let text = GEN4_WORKED.replace("asym;dc", "cy");
    assert!(expanded(&text, DeviceType::Qat4xxx).is_err());
}
