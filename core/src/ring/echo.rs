//! The echo protocol of qsal's emulated firmware: what a test request carries and what its response
//! must say. It sits above the transport, which moves its messages as opaque bytes like any other.
//!
//! Real QAT firmware messages are service-specific descriptors; the emulated device only needs to
//! prove that every request was consumed exactly once and answered correctly. A request carries an
//! opaque value, a payload and the payload's checksum; the response echoes the opaque value and the
//! checksum the firmware computed itself, plus a transform of the opaque value, so the host can tell a
//! correct response from a corrupted or misdirected one. A response's first word is never the empty
//! signature. Used by `qsal demo`, `qsal_exchange`, the bare-metal firmware and the tests.

use core::fmt;

use super::message::{
    ASYM_REQUEST_BYTES, REQUEST_BYTES, REQUEST_WORDS, RESPONSE_WORDS, ResponseBytes, to_bytes,
    to_words,
};
use super::pair::{PutError, RingPair};
use super::{Csr, RingMemory};

/// First word of every request.
pub const REQUEST_MAGIC: u32 = 0x5153_414C;
/// Bytes of a request before its payload.
pub const REQUEST_HEADER: usize = 20;

/// Words of the request header (magic, size and length, opaque low and high, checksum).
const HEADER_WORDS: usize = REQUEST_HEADER / 4;

const RESPONSE_TAG: u32 = 0x5100_0000;
const TRANSFORM: u64 = 0x5A5A_A5A5_0FF0_F00F;

/// Status the firmware reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// The request was well-formed and processed.
    Ok,
    /// The request did not start with the request magic.
    BadRequest,
}

/// The term word `index` adds to a checksum: the word tweaked by its position, so any flipped bit
/// and any swap of two different words change the sum. The terms are independent (a sum), so the
/// CPU overlaps them instead of waiting on a chain.
const fn term(index: u32, word: u32) -> u32 {
    word.rotate_left(index & 31) ^ index.wrapping_mul(0x9E37_79B9)
}

const CHECKSUM_SEED: u32 = 0x811c_9dc5;

/// The checksum of a payload (its little-endian words, the last one zero-padded).
pub fn checksum(bytes: &[u8]) -> u32 {
    let mut sum = CHECKSUM_SEED;
    let mut index = 0u32;
    for_each_word(bytes, |w| {
        sum = sum.wrapping_add(term(index, w));
        index = index.wrapping_add(1);
    });
    sum
}

/// Calls `f` with every little-endian word of `bytes`, the last one zero-padded.
#[inline]
fn for_each_word(bytes: &[u8], mut f: impl FnMut(u32)) {
    let mut words = bytes.chunks_exact(4);
    for chunk in &mut words {
        let mut word = [0u8; 4];
        word.copy_from_slice(chunk);
        f(u32::from_le_bytes(word));
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 4];
        for (dst, src) in word.iter_mut().zip(rest) {
            *dst = *src;
        }
        f(u32::from_le_bytes(word));
    }
}

/// Builds a request of `N` bytes (64 or 128) carrying `opaque` and `payload` (truncated to fit);
/// returns it with the checksum its response must echo.
pub fn request<const N: usize>(opaque: u64, payload: &[u8]) -> ([u8; N], u32) {
    let room = N.min(REQUEST_BYTES).saturating_sub(REQUEST_HEADER);
    let payload = payload.get(..payload.len().min(room)).unwrap_or_default();
    let mut words = [0u32; REQUEST_WORDS];
    let mut sum = CHECKSUM_SEED;
    let mut used = HEADER_WORDS;
    let mut index = 0u32;
    for_each_word(payload, |w| {
        sum = sum.wrapping_add(term(index, w));
        if let Some(slot) = words.get_mut(used) {
            *slot = w;
        }
        index = index.wrapping_add(1);
        used = used.saturating_add(1);
    });
    // Both fit: N is at most 128 and the payload is shorter than N.
    let (size, len) = ((N & 0xFFFF) as u32, (payload.len() & 0xFFFF) as u32);
    let header = [
        REQUEST_MAGIC,
        size << 16 | len,
        opaque as u32,
        (opaque >> 32) as u32,
        sum,
    ];
    for (slot, word) in words.iter_mut().zip(header) {
        *slot = word;
    }
    let mut bytes = [0u8; N];
    to_bytes(&words, &mut bytes);
    (bytes, sum)
}

/// Puts one echo request on `pair` (sized for the pair's ring); returns the checksum its response
/// must echo.
pub fn put<C: Csr, M: RingMemory>(
    pair: &mut RingPair<C, M>,
    opaque: u64,
    payload: &[u8],
) -> Result<u32, PutError> {
    if pair.request_bytes() == ASYM_REQUEST_BYTES {
        let (message, sum) = request::<ASYM_REQUEST_BYTES>(opaque, payload);
        pair.put(&message).map(|()| sum)
    } else {
        let (message, sum) = request::<REQUEST_BYTES>(opaque, payload);
        pair.put(&message).map(|()| sum)
    }
}

/// Polls up to `quota` responses of `pair`, decoded; returns how many.
pub fn poll<C: Csr, M: RingMemory>(
    pair: &mut RingPair<C, M>,
    quota: u32,
    mut handle: impl FnMut(&Response),
) -> u32 {
    pair.poll(quota, |bytes| handle(&Response::parse(bytes)))
}

/// A decoded response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Response {
    /// The firmware's status word.
    pub word0: u32,
    /// The opaque value echoed.
    pub opaque: u64,
    /// The checksum the firmware computed over the payload it read.
    pub checksum: u32,
    /// The payload length the firmware read.
    pub length: u32,
    /// `opaque ^ TRANSFORM`, proving the firmware processed it.
    pub transformed: u64,
}

/// What is wrong with a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Corruption {
    /// The status word is not a firmware response.
    NotAResponse(u32),
    /// The firmware could not read the request.
    BadRequest,
    /// The opaque value is not the one expected.
    WrongOpaque {
        /// Expected.
        expected: u64,
        /// Found.
        found: u64,
    },
    /// The checksum does not match the payload sent.
    WrongChecksum,
    /// The transform of the opaque value is wrong.
    BadTransform,
}

impl fmt::Display for Corruption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAResponse(w) => {
                write!(f, "the first word 0x{w:08x} is not a firmware response")
            }
            Self::BadRequest => f.write_str("the firmware rejected the request as malformed"),
            Self::WrongOpaque { expected, found } => {
                write!(f, "answered request {found:#x}, expected {expected:#x}")
            }
            Self::WrongChecksum => f.write_str("the payload checksum does not match what was sent"),
            Self::BadTransform => f.write_str("the response body is corrupted"),
        }
    }
}

impl Response {
    /// Decodes the bytes of a response.
    pub fn parse(bytes: &ResponseBytes) -> Self {
        let mut w = [0u32; RESPONSE_WORDS];
        to_words(bytes, &mut w);
        let [
            word0,
            _,
            opaque_low,
            opaque_high,
            checksum,
            length,
            low,
            high,
        ] = w;
        Self {
            word0,
            opaque: u64::from(opaque_low) | u64::from(opaque_high) << 32,
            checksum,
            length,
            transformed: u64::from(low) | u64::from(high) << 32,
        }
    }

    /// Checks the response against the request that was sent.
    pub fn verify(&self, opaque: u64, checksum: u32) -> Result<(), Corruption> {
        if self.word0 & 0xFF00_0000 != RESPONSE_TAG {
            return Err(Corruption::NotAResponse(self.word0));
        }
        if self.word0 & 0xFF != 0 {
            return Err(Corruption::BadRequest);
        }
        if self.opaque != opaque {
            return Err(Corruption::WrongOpaque {
                expected: opaque,
                found: self.opaque,
            });
        }
        if self.checksum != checksum {
            return Err(Corruption::WrongChecksum);
        }
        if self.transformed != opaque ^ TRANSFORM {
            return Err(Corruption::BadTransform);
        }
        Ok(())
    }
}

/// The firmware side: decodes `request` and fills `response` (its first word is the status, which
/// the transport writes last). `corrupt` flips a bit of the body, as a fault would.
pub fn answer(request: &[u8], response: &mut ResponseBytes, corrupt: bool) -> Status {
    let mut words = [0u32; REQUEST_WORDS];
    to_words(request, &mut words);
    let [magic, size_word, opaque_low, opaque_high, ..] = words;
    let opaque = u64::from(opaque_low) | u64::from(opaque_high) << 32;
    let size = (size_word >> 16) as usize;
    let len = (size_word & 0xFFFF) as usize;
    let well_formed = magic == REQUEST_MAGIC
        && size <= REQUEST_BYTES
        && size <= request.len()
        && len <= size.saturating_sub(REQUEST_HEADER);
    let status = if well_formed {
        Status::Ok
    } else {
        Status::BadRequest
    };
    let payload_words = if well_formed { len.div_ceil(4) } else { 0 };
    let payload = words
        .get(HEADER_WORDS..HEADER_WORDS.saturating_add(payload_words))
        .unwrap_or_default();
    let mut sum = CHECKSUM_SEED;
    for (index, word) in (0u32..).zip(payload.iter()) {
        sum = sum.wrapping_add(term(index, *word));
    }
    let mut transformed = opaque ^ TRANSFORM;
    if corrupt {
        transformed ^= 1;
    }
    let code = match status {
        Status::Ok => 0,
        Status::BadRequest => 1,
    };
    let body = [
        RESPONSE_TAG | code,
        0u32,
        opaque as u32,
        (opaque >> 32) as u32,
        sum,
        len as u32,
        transformed as u32,
        (transformed >> 32) as u32,
    ];
    to_bytes(&body, response);
    status
}
