//! Model-based test of the state machine: random sequences of start / stop / fork / crash / probe
//! and injected faults across simulated processes, compared after every step with a small reference
//! model of what the driver's semantics (as qsal defines them) require.
//!
//! Invariants checked after each step: no name is held by two live leases; the lowest free slot in
//! search order is the one granted; reference counts are exact; a forked child's stop fails; every
//! failure leaves nothing behind (no lease, no attachment); the registry, the attachments and every
//! process agree with the model.

use std::collections::BTreeSet;

use proptest::prelude::*;
use qsal_backend_mock::{MockClock, MockProcess, MockRegistry, MockWorld};
use qsal_core::DeviceType;
use qsal_core::sal::{StartError, StopError};

const CONFIG: &str = "[GENERAL]\nServicesEnabled = cy\nConfigVersion = 2\n\
[SSL]\nNumberCyInstances = 1\nNumProcesses = 2\nLimitDevAccess = 1\n\
Cy0Name = \"ssl\"\nCy0IsPolled = 1\nCy0CoreAffinity = 0-3\n\
[SHIM]\nNumberCyInstances = 1\nNumProcesses = 3\nLimitDevAccess = 0\n\
Cy0Name = \"shim\"\nCy0IsPolled = 1\nCy0CoreAffinity = 0\n";

/// Search order of each section on the two-device world.
fn order(section: &str) -> Option<Vec<&'static str>> {
    match section {
        "SSL" => Some(vec![
            "SSL_DEV0_INT_0",
            "SSL_DEV0_INT_1",
            "SSL_DEV1_INT_0",
            "SSL_DEV1_INT_1",
        ]),
        "SHIM" => Some(vec!["SHIM_INT_0", "SHIM_INT_1", "SHIM_INT_2"]),
        _ => None,
    }
}

/// Devices holding a derived name.
fn devices_of(name: &str) -> Vec<u32> {
    if name.starts_with("SSL_DEV0") {
        vec![0]
    } else if name.starts_with("SSL_DEV1") {
        vec![1]
    } else {
        vec![0, 1]
    }
}

#[derive(Clone, Debug)]
enum Op {
    Spawn,
    Start(usize, &'static str),
    Stop(usize),
    Fork(usize),
    Crash(usize),
    Probe(&'static str),
    FailAttach(u32, bool),
    Revoke(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let section = prop::sample::select(vec!["SSL", "SHIM", "NOPE"]);
    prop_oneof![
        2 => Just(Op::Spawn),
        6 => (any::<usize>(), section.clone()).prop_map(|(p, s)| Op::Start(p, s)),
        4 => any::<usize>().prop_map(Op::Stop),
        1 => any::<usize>().prop_map(Op::Fork),
        1 => any::<usize>().prop_map(Op::Crash),
        1 => section.prop_map(Op::Probe),
        1 => (0u32..2, any::<bool>()).prop_map(|(d, f)| Op::FailAttach(d, f)),
        1 => any::<usize>().prop_map(Op::Revoke),
    ]
}

/// What the model knows about one process.
#[derive(Clone, Debug, Default)]
struct ModelProc {
    pid: u32,
    count: u32,
    /// The lease (index into `Model::leases`) this process has a copy of, if any.
    lease: Option<usize>,
    /// Whether the state is inherited from a parent (the child has not started or stopped yet).
    inherited: bool,
}

/// One lease ever taken: its name, who took it, how many copies exist, whether it was revoked.
#[derive(Clone, Debug)]
struct LeaseRec {
    name: String,
    pid: u32,
    copies: u32,
    revoked: bool,
}

#[derive(Default)]
struct Model {
    procs: Vec<ModelProc>,
    leases: Vec<LeaseRec>,
    failing: BTreeSet<u32>,
}

impl Model {
    fn live(&self) -> impl Iterator<Item = &LeaseRec> {
        self.leases.iter().filter(|l| l.copies > 0 && !l.revoked)
    }

    fn held(&self, name: &str) -> bool {
        self.live().any(|l| l.name == name)
    }

    fn name_of(&self, i: usize) -> Option<String> {
        self.procs[i].lease.map(|l| self.leases[l].name.clone())
    }

    fn revoked(&self, i: usize) -> bool {
        self.procs[i].lease.is_some_and(|l| self.leases[l].revoked)
    }

    /// The process forgets inherited state (first start or stop in a forked child).
    fn leave_inherited(&mut self, i: usize) -> bool {
        if !self.procs[i].inherited {
            return false;
        }
        self.teardown(i);
        self.procs[i].inherited = false;
        true
    }

    fn teardown(&mut self, i: usize) {
        if let Some(l) = self.procs[i].lease.take() {
            self.leases[l].copies -= 1;
        }
        self.procs[i].count = 0;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn state_machine_matches_the_model(ops in prop::collection::vec(op(), 1..80)) {
        let world: Box<MockWorld> = Box::new(MockWorld::new());
        for _ in 0..2 {
            world.add_device(DeviceType::C6xx, CONFIG.as_bytes()).expect("device");
        }
        let registry = MockRegistry::<64>::new();
        let clock = MockClock::new();
        let mut procs: Vec<MockProcess<'_>> = Vec::new();
        let mut model = Model::default();
        let mut next_pid = 100u32;

        for op in ops {
            match op {
                Op::Spawn if procs.len() < 8 => {
                    procs.push(MockProcess::new(&world, &registry, &clock, next_pid));
                    model.procs.push(ModelProc { pid: next_pid, ..ModelProc::default() });
                    next_pid += 1;
                }
                Op::Start(p, section) if !procs.is_empty() => {
                    let i = p % procs.len();
                    let result = procs[i].sal().start(section.as_bytes());
                    model.leave_inherited(i);
                    let m = model.procs[i].clone();
                    if m.count > 0 {
                        let name = model.name_of(i).expect("counted process holds a lease");
                        if model.revoked(i) {
                            prop_assert!(matches!(result, Err(StartError::LeaseLost { .. })), "{result:?}");
                            model.teardown(i);
                        } else if m.count >= 64 {
                            prop_assert_eq!(result, Err(StartError::RefCountExhausted));
                        } else {
                            let started = result.expect("later start succeeds");
                            prop_assert_eq!(started.section.as_str(), name.as_str());
                            model.procs[i].count += 1;
                            prop_assert_eq!(started.count, model.procs[i].count);
                        }
                    } else {
                        match order(section) {
                            None => prop_assert!(matches!(result, Err(StartError::SectionNotConfigured { .. })), "{result:?}"),
                            Some(names) => match names.iter().find(|n| !model.held(n)) {
                                None => {
                                    let total = names.len() as u32;
                                    prop_assert!(matches!(result, Err(StartError::AllSlotsTaken { in_use, total: t, .. }) if in_use == total && t == total), "{result:?}");
                                }
                                Some(name) => {
                                    if devices_of(name).iter().any(|d| model.failing.contains(d)) {
                                        prop_assert!(matches!(result, Err(StartError::DeviceSetup { .. })), "{result:?}");
                                    } else {
                                        let started = result.expect("first start succeeds");
                                        prop_assert_eq!(started.section.as_str(), *name, "lowest free slot");
                                        let pid = model.procs[i].pid;
                                        model.leases.push(LeaseRec { name: name.to_string(), pid, copies: 1, revoked: false });
                                        model.procs[i].lease = Some(model.leases.len() - 1);
                                        model.procs[i].count = 1;
                                    }
                                }
                            },
                        }
                    }
                }
                Op::Stop(p) if !procs.is_empty() => {
                    let i = p % procs.len();
                    let result = procs[i].sal().stop();
                    let parent_count = model.procs[i].count;
                    if model.leave_inherited(i) && parent_count > 0 {
                        prop_assert!(matches!(result, Err(StopError::ForkedChild { .. })), "{result:?}");
                        continue;
                    }
                    let m = model.procs[i].clone();
                    if m.count == 0 {
                        prop_assert_eq!(result, Err(StopError::NotStarted));
                    } else {
                        if model.revoked(i) {
                            prop_assert!(matches!(result, Err(StopError::LeaseLost { .. })), "{result:?}");
                            model.teardown(i);
                        } else if m.count > 1 {
                            prop_assert_eq!(result.expect("stop").remaining, m.count - 1);
                            model.procs[i].count -= 1;
                        } else {
                            prop_assert_eq!(result.expect("stop").remaining, 0);
                            model.teardown(i);
                        }
                    }
                }
                Op::Fork(p) if !procs.is_empty() && procs.len() < 8 => {
                    let i = p % procs.len();
                    procs.push(procs[i].fork(next_pid));
                    let mut child = model.procs[i].clone();
                    child.pid = next_pid;
                    if child.count > 0 || child.inherited {
                        child.inherited = true;
                    }
                    if let Some(l) = child.lease {
                        model.leases[l].copies += 1;
                    }
                    model.procs.push(child);
                    next_pid += 1;
                }
                Op::Crash(p) if !procs.is_empty() => {
                    let i = p % procs.len();
                    procs.remove(i).crash();
                    let gone = model.procs.remove(i);
                    if let Some(l) = gone.lease {
                        model.leases[l].copies -= 1;
                    }
                }
                Op::Probe(section) => {
                    let prober = MockProcess::new(&world, &registry, &clock, 1);
                    let result = prober.sal().probe(section.as_bytes());
                    match order(section) {
                        None => prop_assert!(matches!(result, Err(StartError::SectionNotConfigured { .. })), "{:?}", result),
                        Some(names) => {
                            let free: Vec<&&str> = names.iter().filter(|n| !model.held(n)).collect();
                            match free.first() {
                                None => prop_assert!(matches!(result, Err(StartError::AllSlotsTaken { .. })), "{:?}", result),
                                Some(first) => {
                                    let probe = result.expect("probe");
                                    prop_assert_eq!(probe.section.as_str(), **first);
                                    prop_assert_eq!(probe.free as usize, free.len());
                                    prop_assert_eq!(probe.total as usize, names.len());
                                }
                            }
                        }
                    }
                }
                Op::FailAttach(device, fail) => {
                    world.fail_attach(device, fail.then_some(2));
                    if fail { model.failing.insert(device); } else { model.failing.remove(&device); }
                }
                Op::Revoke(p) if !procs.is_empty() => {
                    let i = p % procs.len();
                    if let Some(l) = model.procs[i].lease
                        && !model.procs[i].inherited
                        && !model.leases[l].revoked
                    {
                        prop_assert!(registry.revoke(&model.leases[l].name));
                        model.leases[l].revoked = true;
                    }
                }
                _ => {}
            }

            // Invariants after every step.
            let mut leased = Vec::new();
            registry.for_each(|name, holder| leased.push((name.to_string(), holder.pid)));
            let mut live: Vec<(String, u32)> = model.live().map(|l| (l.name.clone(), l.pid)).collect();
            live.sort();
            leased.sort();
            let names: BTreeSet<&String> = leased.iter().map(|(n, _)| n).collect();
            prop_assert_eq!(names.len(), leased.len(), "a name leased twice: {:?}", leased);
            prop_assert_eq!(&leased, &live);
            let attachments: usize = model
                .procs
                .iter()
                .filter(|m| m.count > 0 && !m.inherited)
                .map(|m| m.lease.map_or(0, |l| devices_of(&model.leases[l].name).len()))
                .sum();
            prop_assert_eq!(world.attached() as usize, attachments);
            for (real, m) in procs.iter().zip(&model.procs) {
                let expected = if m.inherited { 0 } else { m.count };
                prop_assert_eq!(real.sal().count(), expected, "pid {}", m.pid);
            }
        }
    }
}
