//! The readout pages and the exports over HTTP, against a fixture dataset computed by hand.
