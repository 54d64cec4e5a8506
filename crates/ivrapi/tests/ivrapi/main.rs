//! IVR client tests: against a scripted peer that plays the reference's frames (`scripted`), and
//! against the Era simulator (`sim`).

mod peer;
mod scripted;
