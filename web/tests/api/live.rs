//! The live view, its Server-Sent Events, and `/metrics` over HTTP.
