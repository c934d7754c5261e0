//! What differs between operating systems, one module per concern, each system's branch
//! beside the others: a port is one place to read.

pub mod console;
pub mod monitors;
pub mod open;
pub mod paths;
pub mod private;
