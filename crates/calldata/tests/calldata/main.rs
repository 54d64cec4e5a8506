//! Tests of the call-data envelope from the outside, as an integrator sees it.
//!
//! - `vectors`: fixed key, IV and plaintext → exact Base64, from `tests/vectors.json` (computed
//!   with openssl, not with this crate).
//! - `openssl`: this crate and the `openssl` binary agree in both directions (skipped, with a
//!   message, when openssl is not installed).
//! - `properties`: round trips, the size limit and no panics on any input (proptest).

mod openssl;
mod properties;
mod support;
mod vectors;
