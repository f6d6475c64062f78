//! [`MemoryRegistry`]: a fixed-capacity slot registry for one address space (bare metal, unikernel,
//! tests), behind a spin lock.
//!
//! A lease behaves like an open file description: cloning it (what `fork` does to a file descriptor)
//! adds a copy, dropping a copy removes it, and the slot is free again when the last copy is gone —
//! exactly how a `flock` lease behaves on Linux, so the same state machine is tested against both.

use core::fmt;
use core::num::NonZeroU32;

use super::SlotName;
use crate::config::name_hash;
use crate::platform::{Error, ErrorKind, ErrorType, Holder, Lease, SlotRegistry};

/// Why the in-memory registry refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryError {
    /// Every entry of the table is in use.
    Full {
        /// The table's capacity.
        capacity: usize,
    },
    /// The name does not fit a slot name (31 bytes).
    NameTooLong,
    /// The lease was revoked.
    LeaseLost,
}

impl fmt::Display for MemoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full { capacity } => write!(
                f,
                "the in-memory slot registry is full ({capacity} leases); build it with a larger capacity"
            ),
            Self::NameTooLong => f.write_str("slot names are limited to 31 bytes"),
            Self::LeaseLost => f.write_str("the lease was revoked while this process held it"),
        }
    }
}

impl Error for MemoryError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::Full { .. } => ErrorKind::Full,
            Self::NameTooLong => ErrorKind::Other,
            Self::LeaseLost => ErrorKind::LeaseLost,
        }
    }
}

/// One leased name.
#[derive(Clone, Debug)]
struct Entry {
    name: SlotName,
    holder: Holder,
    /// Copies of the lease alive (an entry with none left is removed, so never zero; the type
    /// says so, which also lets `Option<Entry>` keep its tag in this field's unused zero).
    copies: NonZeroU32,
    generation: u32,
}

/// The lookup key of a name: its hash with the low bit set, so it is never [`NO_KEY`].
fn lookup_key(name: &str) -> u32 {
    name_hash(name) | 1
}

/// How many keys [`Table::find`] compares at once.
const KEY_GROUP: usize = 16;

/// The key of a table place that holds no findable lease (free, or revoked).
const NO_KEY: u32 = 0;

#[derive(Debug)]
struct Table<const SLOTS: usize> {
    entries: [Option<Entry>; SLOTS],
    /// `keys[i]` is the [`lookup_key`] of `entries[i]` while it is leased and not revoked, else
    /// [`NO_KEY`]: a name is looked up in these 4 bytes a place, not in the entries themselves.
    keys: [u32; SLOTS],
    /// How many places are taken (revoked leases included, until their holder lets go).
    used: usize,
    generation: u32,
    limit: usize,
}

impl<const SLOTS: usize> Table<SLOTS> {
    /// The place of the findable lease of `name` (whose [`lookup_key`] is `key`).
    fn find(&self, key: u32, name: &str) -> Option<usize> {
        let is = |index: usize| {
            self.keys.get(index) == Some(&key)
                && self
                    .entries
                    .get(index)
                    .and_then(Option::as_ref)
                    .is_some_and(|e| e.name == name)
        };
        // Keys are compared a group at a time without an early exit (which the compiler turns
        // into vector compares); only a group with a match is looked into.
        self.keys
            .chunks(KEY_GROUP)
            .enumerate()
            .filter(|(_, group)| group.iter().fold(false, |seen, &k| seen | (k == key)))
            .find_map(|(g, group)| {
                let first = g.saturating_mul(KEY_GROUP);
                (first..first.saturating_add(group.len())).find(|&index| is(index))
            })
    }

    /// The findable lease of `name`.
    fn entry(&self, name: &str) -> Option<&Entry> {
        let index = self.find(lookup_key(name), name)?;
        self.entries.get(index)?.as_ref()
    }

    /// The leases that are held and not revoked (a revoked one has lost its key).
    fn held(&self) -> impl Iterator<Item = &Entry> {
        self.keys
            .iter()
            .zip(&self.entries)
            .filter(|(key, _)| **key != NO_KEY)
            .filter_map(|(_, entry)| entry.as_ref())
    }
}

/// A registry of at most `SLOTS` simultaneous leases.
#[derive(Debug)]
pub struct MemoryRegistry<const SLOTS: usize = 64> {
    table: spin::Mutex<Table<SLOTS>>,
}

impl<const SLOTS: usize> Default for MemoryRegistry<SLOTS> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const SLOTS: usize> MemoryRegistry<SLOTS> {
    /// An empty registry (usable in a `static`).
    pub const fn new() -> Self {
        Self {
            table: spin::Mutex::new(Table {
                entries: [const { None }; SLOTS],
                keys: [NO_KEY; SLOTS],
                used: 0,
                generation: 0,
                limit: SLOTS,
            }),
        }
    }

    /// Fault injection and tuning: accept at most `limit` leases (capped at `SLOTS`).
    pub fn set_limit(&self, limit: usize) {
        self.table.lock().limit = limit.min(SLOTS);
    }

    /// Fault injection: revokes the lease on `name`, freeing the name for others while the holder
    /// still believes it holds it (its next [`Lease::check`] fails). Returns whether it was held.
    pub fn revoke(&self, name: &str) -> bool {
        let mut table = self.table.lock();
        let Some(index) = table.find(lookup_key(name), name) else {
            return false;
        };
        // The entry keeps its place (its holder still has it) but can no longer be found.
        match table.keys.get_mut(index) {
            Some(key) => {
                *key = NO_KEY;
                true
            }
            None => false,
        }
    }

    /// Number of names leased now.
    pub fn leased(&self) -> usize {
        self.table.lock().held().count()
    }

    /// Calls `f` with every leased name and its holder.
    pub fn for_each(&self, mut f: impl FnMut(&str, &Holder)) {
        let table = self.table.lock();
        for entry in table.held() {
            f(&entry.name, &entry.holder);
        }
    }

    fn change(&self, index: usize, generation: u32, delta: i8) {
        let mut table = self.table.lock();
        let Some(slot) = table.entries.get_mut(index) else {
            return;
        };
        let remove = match slot.as_mut() {
            Some(entry) if entry.generation == generation => {
                let copies = if delta > 0 {
                    Some(entry.copies.saturating_add(1))
                } else {
                    NonZeroU32::new(entry.copies.get().saturating_sub(1))
                };
                match copies {
                    Some(copies) => {
                        entry.copies = copies;
                        false
                    }
                    None => true,
                }
            }
            _ => false,
        };
        if remove {
            *slot = None;
            if let Some(key) = table.keys.get_mut(index) {
                *key = NO_KEY;
            }
            table.used = table.used.saturating_sub(1);
        }
    }
}

impl<const SLOTS: usize> ErrorType for MemoryRegistry<SLOTS> {
    type Error = MemoryError;
}

impl<'r, const SLOTS: usize> SlotRegistry for &'r MemoryRegistry<SLOTS> {
    type Lease = MemoryLease<'r, SLOTS>;

    fn try_lease(&self, name: &str, holder: &Holder) -> Result<Option<Self::Lease>, MemoryError> {
        let mut stored = SlotName::new();
        stored
            .push_str(name)
            .map_err(|_| MemoryError::NameTooLong)?;
        let key = lookup_key(name);
        let mut guard = self.table.lock();
        let table = &mut *guard;
        if table.find(key, name).is_some() {
            return Ok(None);
        }
        let limit = table.limit;
        let free = table
            .entries
            .iter()
            .position(Option::is_none)
            .filter(|_| table.used < limit)
            .ok_or(MemoryError::Full { capacity: limit })?;
        table.generation = table.generation.wrapping_add(1);
        let generation = table.generation;
        if let (Some(slot), Some(slot_key)) =
            (table.entries.get_mut(free), table.keys.get_mut(free))
        {
            *slot = Some(Entry {
                name: stored,
                holder: holder.clone(),
                copies: NonZeroU32::MIN,
                generation,
            });
            *slot_key = key;
        }
        table.used = table.used.saturating_add(1);
        Ok(Some(MemoryLease {
            registry: self,
            index: free,
            generation,
            name: table
                .entries
                .get(free)
                .and_then(|e| e.as_ref())
                .map(|e| e.name.clone())
                .unwrap_or_default(),
        }))
    }

    fn holder(&self, name: &str) -> Result<Option<Holder>, MemoryError> {
        Ok(self.table.lock().entry(name).map(|e| e.holder.clone()))
    }
}

/// A lease in a [`MemoryRegistry`]; clones are copies of the same lease.
#[derive(Debug)]
pub struct MemoryLease<'r, const SLOTS: usize> {
    registry: &'r MemoryRegistry<SLOTS>,
    index: usize,
    generation: u32,
    name: SlotName,
}

impl<const SLOTS: usize> Clone for MemoryLease<'_, SLOTS> {
    fn clone(&self) -> Self {
        self.registry.change(self.index, self.generation, 1);
        Self {
            registry: self.registry,
            index: self.index,
            generation: self.generation,
            name: self.name.clone(),
        }
    }
}

impl<const SLOTS: usize> Drop for MemoryLease<'_, SLOTS> {
    fn drop(&mut self) {
        self.registry.change(self.index, self.generation, -1);
    }
}

impl<const SLOTS: usize> ErrorType for MemoryLease<'_, SLOTS> {
    type Error = MemoryError;
}

impl<const SLOTS: usize> Lease for MemoryLease<'_, SLOTS> {
    fn name(&self) -> &str {
        &self.name
    }

    fn check(&self) -> Result<(), MemoryError> {
        let table = self.registry.table.lock();
        let revoked = table.keys.get(self.index).is_none_or(|&key| key == NO_KEY);
        match table.entries.get(self.index).and_then(Option::as_ref) {
            Some(entry) if entry.generation == self.generation && !revoked => Ok(()),
            _ => Err(MemoryError::LeaseLost),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_per_name_and_release_on_last_copy() {
        let registry = MemoryRegistry::<4>::new();
        let r = &registry;
        let holder = Holder::default();
        let lease = r.try_lease("S_INT_0", &holder).expect("ok").expect("free");
        assert!(r.try_lease("S_INT_0", &holder).expect("ok").is_none());
        let copy = lease.clone();
        drop(lease);
        assert!(
            r.try_lease("S_INT_0", &holder).expect("ok").is_none(),
            "a copy still holds it"
        );
        drop(copy);
        assert!(r.try_lease("S_INT_0", &holder).expect("ok").is_some());
        assert_eq!(registry.leased(), 0);
    }

    #[test]
    fn names_with_the_same_key_are_told_apart() {
        let (a, b) = ("S_INT_60005", "S_INT_232012");
        assert_eq!(
            lookup_key(a),
            lookup_key(b),
            "the test needs two names with one key"
        );
        let registry = MemoryRegistry::<4>::new();
        let r = &registry;
        let holder_a = Holder {
            pid: 1,
            ..Holder::default()
        };
        let holder_b = Holder {
            pid: 2,
            ..Holder::default()
        };
        let lease_a = r.try_lease(a, &holder_a).expect("ok").expect("free");
        assert_eq!(r.holder(b), Ok(None));
        let lease_b = r.try_lease(b, &holder_b).expect("ok").expect("free");
        assert_eq!(r.holder(a).map(|h| h.map(|h| h.pid)), Ok(Some(1)));
        assert_eq!(r.holder(b).map(|h| h.map(|h| h.pid)), Ok(Some(2)));
        assert!(registry.revoke(b));
        assert_eq!(lease_a.check(), Ok(()));
        assert_eq!(lease_b.check(), Err(MemoryError::LeaseLost));
        assert!(r.try_lease(a, &holder_b).expect("ok").is_none());
        drop(lease_a);
        assert_eq!(r.holder(a), Ok(None));
        assert_eq!(
            registry.leased(),
            0,
            "only the revoked lease is left, uncounted"
        );
    }

    #[test]
    fn full_and_revoked() {
        let registry = MemoryRegistry::<2>::new();
        let r = &registry;
        let h = Holder::default();
        let a = r.try_lease("a", &h).expect("ok").expect("free");
        let _b = r.try_lease("b", &h).expect("ok").expect("free");
        assert_eq!(
            r.try_lease("c", &h).map(|l| l.is_some()),
            Err(MemoryError::Full { capacity: 2 })
        );
        assert!(registry.revoke("a"));
        assert_eq!(a.check(), Err(MemoryError::LeaseLost));
        // The revoked entry keeps its place until the old holder lets go of it.
        assert_eq!(
            r.try_lease("a", &h).map(|l| l.is_some()),
            Err(MemoryError::Full { capacity: 2 })
        );
        drop(a);
        assert!(r.try_lease("a", &h).expect("ok").is_some());
        assert_eq!(
            r.try_lease("x".repeat(40).as_str(), &h)
                .map(|l| l.is_some()),
            Err(MemoryError::NameTooLong)
        );
    }
}
