//! The sizes of ring messages and the mark of an empty response slot — all the transport knows about
//! what it carries (`../shared/reference/qat-semantics.md` §5.2). What is inside a message is the
//! business of the layer above: a service library's firmware descriptors, or qsal's own
//! [`echo`](super::echo) protocol for the emulated firmware.

/// First word of an empty response slot (`ADF_RING_EMPTY_SIG`). A response's first word is written
/// last and is never this value.
pub const EMPTY_SIGNATURE: u32 = 0x7F7F_7F7F;
/// Size of a response (`ICP_QAT_FW_RESP_DEFAULT_SZ`).
pub const RESPONSE_BYTES: usize = 32;
/// Size of an asymmetric crypto request.
pub const ASYM_REQUEST_BYTES: usize = 64;
/// Size of a symmetric crypto or compression request (`ICP_QAT_FW_REQ_DEFAULT_SZ`).
pub const REQUEST_BYTES: usize = 128;

/// A response as it lies in the ring.
pub type ResponseBytes = [u8; RESPONSE_BYTES];

/// Words of a response.
pub(crate) const RESPONSE_WORDS: usize = RESPONSE_BYTES / 4;
/// Words of the largest request.
pub(crate) const REQUEST_WORDS: usize = REQUEST_BYTES / 4;

/// Packs little-endian bytes into words (`bytes.len()` is a multiple of 4 for every message size).
#[inline]
pub(crate) fn to_words(bytes: &[u8], words: &mut [u32]) {
    for (word, chunk) in words.iter_mut().zip(bytes.chunks_exact(4)) {
        let mut four = [0u8; 4];
        four.copy_from_slice(chunk);
        *word = u32::from_le_bytes(four);
    }
}

/// Unpacks words into little-endian bytes.
#[inline]
pub(crate) fn to_bytes(words: &[u32], bytes: &mut [u8]) {
    for (chunk, word) in bytes.chunks_exact_mut(4).zip(words) {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
}
