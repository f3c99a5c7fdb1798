//! The JSON-lines console/file format. tracing-subscriber's own JSON format writes event
//! fields with a visitor we cannot replace, which would bypass redaction.

use std::fmt;

use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use super::record::EventRecord;

pub(crate) struct JsonLines {
    pub service: String,
}

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let rec = EventRecord::capture(event, ctx.event_scope());
        writeln!(writer, "{}", rec.to_json(&self.service))
    }
}
