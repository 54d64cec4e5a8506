//! CC-FS client tests: the auth-v2 signer against golden vectors and an independent Python
//! implementation, and the client against the simulator.

mod sign;
mod props;
mod sim;
