//! The messages of qsal's emulated firmware: what a request carries and what a response must say.
//!
//! Real QAT firmware messages are service-specific descriptors; the emulated device only needs to
//! prove that every request was consumed exactly once and answered correctly. A request carries an
//! opaque value, a payload and the payload's checksum; the response echoes the opaque value and the
//! checksum the firmware computed itself, plus a transform of the opaque value, so the host can tell a
//! correct response from a corrupted or misdirected one. A response's first word is never the empty
//! signature `0x7F7F7F7F`.

use core::fmt;

use super::RingMemory;

/// First word of an empty response slot (`ADF_RING_EMPTY_SIG`).
pub const EMPTY_SIGNATURE: u32 = 0x7F7F_7F7F;
/// Size of a response (`ICP_QAT_FW_RESP_DEFAULT_SZ`).
pub const RESPONSE_BYTES: usize = 32;
/// Size of an asymmetric crypto request.
pub const ASYM_REQUEST_BYTES: usize = 64;
/// Size of a symmetric crypto or compression request (`ICP_QAT_FW_REQ_DEFAULT_SZ`).
pub const REQUEST_BYTES: usize = 128;
/// First word of every request.
pub const REQUEST_MAGIC: u32 = 0x5153_414C;
/// Bytes of a request before its payload.
pub const REQUEST_HEADER: usize = 20;

/// Words of the largest request.
const REQUEST_WORDS: usize = REQUEST_BYTES / 4;
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

/// Writes a request of `size` bytes at `offset`; the payload is truncated to fit. Returns the
/// checksum the response must echo.
pub fn write_request(
    memory: &impl RingMemory,
    offset: usize,
    size: usize,
    opaque: u64,
    payload: &[u8],
) -> u32 {
    let room = size.min(REQUEST_BYTES).saturating_sub(REQUEST_HEADER);
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
    let len = u32::try_from(payload.len()).unwrap_or(0);
    let header = [
        REQUEST_MAGIC,
        u32::try_from(size).unwrap_or(0) << 16 | len,
        opaque as u32,
        (opaque >> 32) as u32,
        sum,
    ];
    for (slot, word) in words.iter_mut().zip(header) {
        *slot = word;
    }
    memory.store_words(offset, words.get(..used).unwrap_or(&words));
    sum
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
    /// Reads the response at `offset`.
    pub fn read(memory: &impl RingMemory, offset: usize) -> Self {
        let mut w = [0u32; RESPONSE_BYTES / 4];
        memory.load_words(offset, &mut w);
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

/// The firmware side: decodes the request at `offset` and writes its response at `out`, the status
/// word last (release), so the host never sees a half-written response.
pub fn answer(
    requests: &impl RingMemory,
    offset: usize,
    responses: &impl RingMemory,
    out: usize,
    corrupt: bool,
) -> Status {
    let mut request = [0u32; REQUEST_WORDS];
    requests.load_words(offset, request.get_mut(..HEADER_WORDS).unwrap_or_default());
    let [magic, size_word, opaque_low, opaque_high, ..] = request;
    let opaque = u64::from(opaque_low) | u64::from(opaque_high) << 32;
    let size = (size_word >> 16) as usize;
    let len = (size_word & 0xFFFF) as usize;
    let well_formed = magic == REQUEST_MAGIC
        && size <= REQUEST_BYTES
        && len <= size.saturating_sub(REQUEST_HEADER);
    let status = if well_formed {
        Status::Ok
    } else {
        Status::BadRequest
    };
    let payload_words = if well_formed { len.div_ceil(4) } else { 0 };
    let payload = request
        .get_mut(HEADER_WORDS..HEADER_WORDS.saturating_add(payload_words))
        .unwrap_or_default();
    requests.load_words(offset.saturating_add(REQUEST_HEADER), payload);
    let mut sum = CHECKSUM_SEED;
    for (index, word) in (0u32..).zip(payload.iter()) {
        sum = sum.wrapping_add(term(index, *word));
    }
    let mut transformed = opaque ^ TRANSFORM;
    if corrupt {
        transformed ^= 1;
    }
    let body = [
        0u32,
        opaque as u32,
        (opaque >> 32) as u32,
        sum,
        len as u32,
        transformed as u32,
        (transformed >> 32) as u32,
    ];
    responses.store_words(out.saturating_add(4), &body);
    let code = match status {
        Status::Ok => 0,
        Status::BadRequest => 1,
    };
    responses.store32(out, RESPONSE_TAG | code);
    status
}
