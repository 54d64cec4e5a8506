//! What a supervisor asks CC-FS for ([`BillQuery`]), its limits (huawei-ccfs-querybilldata.txt,
//! Tables 2 and 3), and the split of a long period into windows CC-FS accepts ([`windows`]).
//!
//! Times are the tenant's wall-clock time (`yyyy-MM-dd HH:mm:ss` in the tenant space's zone), as
//! the vendor wants them. A window never spans more than three days, neither on the wall clock nor
//! in elapsed time: across the autumn change of clocks three wall-clock days last 73 hours, so such
//! a window is cut an hour short.

use chrono::{Duration, LocalResult, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

/// The wire format of `beginTime` and `endTime`.
pub const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// The most a request may span.
pub fn max_span() -> Duration {
    Duration::days(3)
}

/// Which files CC-FS generates (`dataType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataType {
    /// CDRs only (`call`).
    Call,
    /// Recording indexes only (`record`).
    Record,
    /// Both (`call_record`).
    CallRecord,
}

impl DataType {
    /// As the wire writes it.
    pub fn wire(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::Record => "record",
            Self::CallRecord => "call_record",
        }
    }
}

/// The optional filters; each empty one is left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BillFilters {
    /// Tenant space id (`accountId`, 1–20).
    pub account_id: Option<String>,
    /// Agent id (`agentId`, 1–20).
    pub agent_id: Option<String>,
    /// Call id (`callId`, 1–25).
    pub call_id: Option<String>,
    /// Calling number (`callerNo`, 1–25).
    pub caller_no: Option<String>,
    /// Called number (`calleeNo`, 1–25).
    pub callee_no: Option<String>,
    /// Second called number (`calleeNo2`, 1–25).
    pub callee_no2: Option<String>,
}

/// One request's worth: a window of at most three days, the filters, the files wanted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillQuery {
    /// Start, tenant wall-clock time.
    pub begin: NaiveDateTime,
    /// End, tenant wall-clock time.
    pub end: NaiveDateTime,
    /// The filters.
    pub filters: BillFilters,
    /// The files wanted.
    pub data_type: DataType,
}

/// What is wrong with a query or a period, in a sentence for the supervisor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// A filter is longer than CC-FS takes.
    #[error("{field} may be at most {max} characters (it has {chars})")]
    TooLong {
        /// The field, as the form names it.
        field: &'static str,
        /// Its limit.
        max: usize,
        /// What it has.
        chars: usize,
    },
    /// The end comes before the start.
    #[error("the period ends ({end}) before it begins ({begin})")]
    EndBeforeBegin {
        /// Start, as written.
        begin: String,
        /// End, as written.
        end: String,
    },
    /// One request spans more than three days (a period is split before it gets here).
    #[error("one request may span at most 3 days; this one spans {hours} hours")]
    SpanTooLong {
        /// Its span.
        hours: i64,
    },
    /// A period that has no instant in the tenant's zone (it lies in a change of clocks).
    #[error("{time} does not exist in the tenant's time zone {zone}")]
    NoSuchTime {
        /// The time, as written.
        time: String,
        /// The zone.
        zone: String,
    },
}

impl BillFilters {
    /// Trims every filter, drops empty ones, and checks the lengths of Table 3.
    pub fn normalized(self) -> Result<Self, QueryError> {
        fn field(value: Option<String>, name: &'static str, max: usize) -> Result<Option<String>, QueryError> {
            let Some(value) = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) else {
                return Ok(None);
            };
            let chars = value.chars().count();
            if chars > max {
                return Err(QueryError::TooLong { field: name, max, chars });
            }
            Ok(Some(value))
        }
        Ok(Self {
            account_id: field(self.account_id, "The account id", 20)?,
            agent_id: field(self.agent_id, "The agent id", 20)?,
            call_id: field(self.call_id, "The call id", 25)?,
            caller_no: field(self.caller_no, "The caller number", 25)?,
            callee_no: field(self.callee_no, "The called number", 25)?,
            callee_no2: field(self.callee_no2, "The second called number", 25)?,
        })
    }
}

impl BillQuery {
    /// Checks the query as CC-FS would: filter lengths, the end not before the start, and at most
    /// three days between them (on the wall clock and in elapsed time in `zone`).
    pub fn validate(&self, zone: Tz) -> Result<(), QueryError> {
        self.filters.clone().normalized()?;
        if self.end < self.begin {
            return Err(QueryError::EndBeforeBegin { begin: self.begin.format(TIME_FORMAT).to_string(), end: self.end.format(TIME_FORMAT).to_string() });
        }
        let wall = self.end - self.begin;
        let elapsed = elapsed(zone, self.begin, self.end)?;
        let longest = wall.max(elapsed);
        if longest > max_span() {
            return Err(QueryError::SpanTooLong { hours: longest.num_hours() });
        }
        Ok(())
    }
}

/// Splits `[begin, end]` (tenant wall-clock, both included, to the second) into consecutive
/// windows of at most three days each: `[begin, begin + 3 days − 1 s]`, then from `begin + 3 days`,
/// and so on, the last ending at `end`. A window that would last longer in elapsed time in `zone`
/// (across the autumn change of clocks) is cut short by the difference, and the next starts a
/// second after it.
pub fn windows(zone: Tz, begin: NaiveDateTime, end: NaiveDateTime) -> Result<Vec<(NaiveDateTime, NaiveDateTime)>, QueryError> {
    if end < begin {
        return Err(QueryError::EndBeforeBegin { begin: begin.format(TIME_FORMAT).to_string(), end: end.format(TIME_FORMAT).to_string() });
    }
    let second = Duration::seconds(1);
    let mut out = Vec::new();
    let mut start = begin;
    loop {
        let mut stop = (start + max_span() - second).min(end);
        // Elapsed time is held to the same `3 days − 1 s` as the wall clock.
        let excess = elapsed(zone, start, stop)? - (max_span() - second);
        if excess > Duration::zero() {
            stop -= excess;
        }
        out.push((start, stop));
        if stop >= end {
            return Ok(out);
        }
        start = stop + second;
    }
}

/// The elapsed time from wall-clock `begin` to wall-clock `end` in `zone`. An ambiguous time (the
/// hour repeated in autumn) is read so that the span is the longest; a time skipped in spring
/// counts as the instant the clocks jumped to.
fn elapsed(zone: Tz, begin: NaiveDateTime, end: NaiveDateTime) -> Result<Duration, QueryError> {
    let from = instant(zone, begin, true)?;
    let to = instant(zone, end, false)?;
    Ok(to - from)
}

fn instant(zone: Tz, wall: NaiveDateTime, earliest: bool) -> Result<chrono::DateTime<chrono::Utc>, QueryError> {
    let utc = |t: chrono::DateTime<Tz>| t.with_timezone(&chrono::Utc);
    match zone.from_local_datetime(&wall) {
        LocalResult::Single(t) => Ok(utc(t)),
        LocalResult::Ambiguous(a, b) => Ok(if earliest { utc(a.min(b)) } else { utc(a.max(b)) }),
        LocalResult::None => {
            // In a spring gap: the first wall-clock time after it, at most a few hours on.
            for minutes in (15..=180).step_by(15) {
                if let LocalResult::Single(t) = zone.from_local_datetime(&(wall + Duration::minutes(minutes))) {
                    return Ok(utc(t) - Duration::minutes(minutes));
                }
            }
            Err(QueryError::NoSuchTime { time: wall.format(TIME_FORMAT).to_string(), zone: zone.name().to_owned() })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, TIME_FORMAT).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn shown(windows: &[(NaiveDateTime, NaiveDateTime)]) -> Vec<(String, String)> {
        windows.iter().map(|(b, e)| (b.format(TIME_FORMAT).to_string(), e.format(TIME_FORMAT).to_string())).collect()
    }

    fn pair(b: &str, e: &str) -> (String, String) {
        (b.to_owned(), e.to_owned())
    }

    #[test]
    fn ten_days_become_four_windows_of_at_most_three_days() {
        let zone: Tz = "Europe/Moscow".parse().unwrap_or(Tz::UTC);
        let got = windows(zone, t("2026-11-01 00:00:00"), t("2026-11-10 23:59:59")).unwrap_or_default();
        assert_eq!(
            shown(&got),
            vec![
                pair("2026-11-01 00:00:00", "2026-11-03 23:59:59"),
                pair("2026-11-04 00:00:00", "2026-11-06 23:59:59"),
                pair("2026-11-07 00:00:00", "2026-11-09 23:59:59"),
                pair("2026-11-10 00:00:00", "2026-11-10 23:59:59"),
            ]
        );
        for (b, e) in &got {
            let query = BillQuery { begin: *b, end: *e, filters: BillFilters::default(), data_type: DataType::Call };
            assert_eq!(query.validate(zone), Ok(()));
        }
    }

    #[test]
    fn a_period_of_exactly_three_days_is_one_window_and_one_second_more_is_two() {
        let zone = Tz::UTC;
        let three = windows(zone, t("2026-11-01 00:00:00"), t("2026-11-03 23:59:59")).unwrap_or_default();
        assert_eq!(three.len(), 1);
        let more = windows(zone, t("2026-11-01 00:00:00"), t("2026-11-04 00:00:00")).unwrap_or_default();
        assert_eq!(shown(&more), vec![pair("2026-11-01 00:00:00", "2026-11-03 23:59:59"), pair("2026-11-04 00:00:00", "2026-11-04 00:00:00")]);
    }

    #[test]
    fn windows_cover_the_period_without_gaps_or_overlaps_across_midnight_starts() {
        let zone: Tz = "Asia/Kolkata".parse().unwrap_or(Tz::UTC);
        let got = windows(zone, t("2026-03-30 17:45:10"), t("2026-04-09 08:00:00")).unwrap_or_default();
        assert_eq!(got.first().map(|w| w.0), Some(t("2026-03-30 17:45:10")));
        assert_eq!(got.last().map(|w| w.1), Some(t("2026-04-09 08:00:00")));
        for pair in got.windows(2) {
            assert_eq!(pair[1].0 - pair[0].1, Duration::seconds(1));
        }
        assert_eq!(got.len(), 4);
    }

    #[test]
    fn autumn_change_of_clocks_cuts_the_window_an_hour_short() {
        // Berlin: 2026-10-25 03:00 CEST becomes 02:00 CET; three wall-clock days last 73 hours.
        let zone: Tz = "Europe/Berlin".parse().unwrap_or(Tz::UTC);
        let got = windows(zone, t("2026-10-24 00:00:00"), t("2026-10-30 23:59:59")).unwrap_or_default();
        assert_eq!(got.first().map(|w| shown(&[*w])[0].clone()), Some(pair("2026-10-24 00:00:00", "2026-10-26 22:59:59")));
        assert_eq!(got.get(1).map(|w| w.0), Some(t("2026-10-26 23:00:00")));
        for (b, e) in &got {
            let query = BillQuery { begin: *b, end: *e, filters: BillFilters::default(), data_type: DataType::Call };
            assert_eq!(query.validate(zone), Ok(()), "{b} – {e}");
        }
        let long = BillQuery { begin: t("2026-10-24 00:00:00"), end: t("2026-10-26 23:59:59"), filters: BillFilters::default(), data_type: DataType::Call };
        assert!(matches!(long.validate(zone), Err(QueryError::SpanTooLong { hours: 72 })), "{:?}", long.validate(zone));
    }

    #[test]
    fn spring_change_of_clocks_keeps_three_wall_clock_days() {
        // Berlin: 2026-03-29 02:00 CET becomes 03:00 CEST; the window is 71 hours of elapsed time.
        let zone: Tz = "Europe/Berlin".parse().unwrap_or(Tz::UTC);
        let got = windows(zone, t("2026-03-28 00:00:00"), t("2026-04-02 00:00:00")).unwrap_or_default();
        assert_eq!(shown(&got[..1]), vec![pair("2026-03-28 00:00:00", "2026-03-30 23:59:59")]);
        // A start inside the skipped hour still works.
        let gap = windows(zone, t("2026-03-29 02:30:00"), t("2026-03-29 12:00:00")).unwrap_or_default();
        assert_eq!(gap.len(), 1);
    }

    #[test]
    fn filters_are_trimmed_emptied_and_held_to_their_lengths() {
        let filters = BillFilters { agent_id: Some("  1001 ".into()), caller_no: Some("   ".into()), ..BillFilters::default() };
        assert_eq!(filters.normalized(), Ok(BillFilters { agent_id: Some("1001".into()), ..BillFilters::default() }));
        let cases: [(BillFilters, &str, usize); 6] = [
            (BillFilters { account_id: Some("a".repeat(21)), ..Default::default() }, "The account id", 20),
            (BillFilters { agent_id: Some("1".repeat(21)), ..Default::default() }, "The agent id", 20),
            (BillFilters { call_id: Some("c".repeat(26)), ..Default::default() }, "The call id", 25),
            (BillFilters { caller_no: Some("7".repeat(26)), ..Default::default() }, "The caller number", 25),
            (BillFilters { callee_no: Some("7".repeat(26)), ..Default::default() }, "The called number", 25),
            (BillFilters { callee_no2: Some("7".repeat(26)), ..Default::default() }, "The second called number", 25),
        ];
        for (filters, field, max) in cases {
            assert_eq!(filters.normalized(), Err(QueryError::TooLong { field, max, chars: max + 1 }));
        }
        let at_limit = BillFilters { call_id: Some("c".repeat(25)), caller_no: Some("Ж".repeat(25)), ..Default::default() };
        assert!(at_limit.normalized().is_ok(), "limits count characters");
    }

    #[test]
    fn an_end_before_the_begin_is_refused() {
        assert!(matches!(windows(Tz::UTC, t("2026-11-02 00:00:00"), t("2026-11-01 00:00:00")), Err(QueryError::EndBeforeBegin { .. })));
    }
}
