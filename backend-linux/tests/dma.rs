//! Ring memory in hugepages: size-aligned regions of locked 2 MiB pages with their physical
//! addresses (as root), and the fallback when there are none. Reserves a few hugepages for the
//! test through `/proc/sys/vm/nr_hugepages` when it may (and gives them back), else says SKIPPED.

use qsal_backend_linux::dma::{Backing, Policy, Provider, physical_address};
use qsal_core::ring::RingMemory;
use qsal_tests::Hugepages;

#[test]
fn rings_in_hugepages_are_aligned_locked_and_physically_addressed() {
    let Some(_pages) = Hugepages::reserve(4, "rings in hugepages") else {
        return;
    };
    let mut provider = Provider::new("qsal-dma-test", Policy::Hugepages);
    let sizes = [1024usize, 4096, 65536, 1024, 1 << 20, 16384];
    let rings: Vec<_> = sizes
        .iter()
        .map(|&bytes| {
            provider
                .ring(bytes, 0xdead_0000)
                .expect("a ring in a hugepage")
        })
        .collect();
    let root = rustix::process::geteuid().is_root();
    assert_eq!(provider.backing(), Backing::Hugepages { physical: root });
    for (ring, &bytes) in rings.iter().zip(&sizes) {
        assert_eq!(ring.bytes(), bytes);
        assert_eq!(
            ring.offset() % bytes,
            0,
            "aligned to its size inside the page"
        );
        if root {
            assert_eq!(ring.bus_address() % bytes as u64, 0, "physically aligned");
        }
        ring.store32(bytes - 4, 0x5A5A_5A5A);
        assert_eq!(ring.load32(bytes - 4), 0x5A5A_5A5A);
    }
    let mut ranges: Vec<(u64, u64)> = rings
        .iter()
        .map(|r| (r.bus_address(), r.bus_address() + r.bytes() as u64))
        .collect();
    ranges.sort_unstable();
    if root {
        assert!(
            ranges.windows(2).all(|w| w[0].1 <= w[1].0),
            "no two rings overlap: {ranges:x?}"
        );
    }
    // The 1 MiB ring takes the upper half of the first page; the last ring no longer fits there
    // and starts a second page.
    assert_eq!((rings[4].offset(), rings[5].offset()), (1 << 20, 0));
    if root {
        let page = |r: &qsal_backend_linux::dma::Region| r.bus_address() >> 21;
        assert!(
            rings[..5].iter().all(|r| page(r) == page(&rings[0])),
            "one page"
        );
        assert_ne!(page(&rings[5]), page(&rings[0]), "a second page");
    }
}

#[test]
fn without_hugepages_auto_falls_back_and_hugepages_only_says_why() {
    // A ring larger than a hugepage never fits one: auto falls back to shared memory.
    let mut auto = Provider::new("qsal-dma-auto", Policy::Auto);
    let big = auto.ring(4 << 20, 0x4000_0000).expect("fallback");
    assert_eq!(big.bus_address(), 0x4000_0000, "synthetic bus address");
    assert_eq!(auto.backing(), Backing::Shared);
    assert!(auto.backing().to_string().contains("synthetic"));
    let mut strict = Provider::new("qsal-dma-strict", Policy::Hugepages);
    let error = strict
        .ring(4 << 20, 0)
        .expect_err("too large for a hugepage");
    assert!(error.to_string().contains("2 MiB hugepage"), "{error}");
}

#[test]
fn pagemap_gives_this_process_physical_addresses_only_as_root() {
    let probe = [1u8; 16];
    let found = physical_address(probe.as_ptr() as usize);
    if rustix::process::geteuid().is_root() {
        assert!(found.is_some(), "root reads page frames");
    } else {
        assert_eq!(found, None, "page frames are hidden from other users");
    }
}
