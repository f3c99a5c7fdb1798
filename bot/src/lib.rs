//! appealmod's bot: the pure decision core, the side-effect journal sender and the two
//! runners (recent conversations, started conversations).

pub mod core;
