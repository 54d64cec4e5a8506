//! Call Interactive on the wire: the exact XML of every action, the vendor's examples, the rules'
//! preview, the endpoint driven with `oneshot`, and properties over arbitrary input. Every answer
//! these tests produce is read back by quick-xml and, when it is installed, by `xmllint --noout`
//! (see `support::actions_of`).

mod handler;
mod props;
mod relay;
mod rules;
mod support;
mod wire;
