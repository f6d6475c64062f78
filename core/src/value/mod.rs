//! Value grammars shared by every layer: decimal numbers, core-affinity lists and `ServicesEnabled`.
//!
//! Each value is parsed by exactly one function here, so that validation, expansion and slot search
//! can never disagree about what a value means (the reference driver parses `LimitDevAccess` with two
//! different number grammars, which makes `LimitDevAccess = 0x1` unusable).

mod cores;
mod number;
mod services;

pub use cores::{CoreList, CoreListError};
pub use number::{
    NumberError, NumberKind, classify_number, kernel_auto, kernel_decimal, kernel_number,
    parse_decimal,
};
pub use services::{CryptoKind, Services, ServicesProfile};
