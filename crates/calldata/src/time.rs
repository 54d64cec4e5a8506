//! Fixed-width UTC timestamps for the notes document.
//!
//! Every `at` in a [`NotesDocument`](crate::NotesDocument) is RFC 3339 in UTC with exactly three
//! fractional digits and a `Z`, for example `2026-11-22T08:01:02.345Z`: always 24 characters, so
//! the size of a document does not depend on when its notes were written
//! ([`NotesDocument::room_for_new_note`](crate::NotesDocument::room_for_new_note) relies on it).
//!
//! The civil-date conversion is done here rather than with a date crate: it is a few lines of
//! proleptic-Gregorian arithmetic, checked day by day across the whole range in the tests.

/// Milliseconds in a day.
const MS_PER_DAY: i64 = 86_400_000;
/// Days from 0000-01-01 to 1970-01-01 (1970 years of 365 days plus 478 leap days).
const DAYS_YEAR0_TO_EPOCH: i64 = 719_528;
/// 0000-01-01T00:00:00.000Z, the earliest time with a four-digit year.
const MIN_MS: i64 = -DAYS_YEAR0_TO_EPOCH * MS_PER_DAY;
/// 9999-12-31T23:59:59.999Z, the latest time with a four-digit year.
const MAX_MS: i64 = 253_402_300_799_999;

/// Formats milliseconds since 1970-01-01T00:00:00Z as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
///
/// Times before year 0000 or after year 9999 cannot be written in 24 characters; they are clamped
/// to the first or last millisecond of that range rather than produce a longer string.
pub fn rfc3339_ms(epoch_ms: i64) -> String {
    let ms = epoch_ms.clamp(MIN_MS, MAX_MS);
    let days = ms.div_euclid(MS_PER_DAY);
    let ms_of_day = ms.rem_euclid(MS_PER_DAY);
    let (year, month, day) = civil_from_days(days + DAYS_YEAR0_TO_EPOCH);
    let hours = ms_of_day / 3_600_000;
    let minutes = ms_of_day / 60_000 % 60;
    let seconds = ms_of_day / 1_000 % 60;
    let millis = ms_of_day % 1_000;
    format!("{year:04}-{month:02}-{day:02}T{hours:02}:{minutes:02}:{seconds:02}.{millis:03}Z")
}

/// Whether `year` has a 29 February (proleptic Gregorian).
fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days from 0000-01-01 to 1 January of `year` (`year` ≥ 0). Year 0 is a leap year, so the leap
/// years before `year` are those in `0..year` divisible by 4, less those by 100, plus those by
/// 400; each count rounds up because year 0 itself is included.
fn days_before_year(year: i64) -> i64 {
    365 * year + (year + 3) / 4 - (year + 99) / 100 + (year + 399) / 400
}

/// The (year, month 1–12, day 1–31) of the day `days` after 0000-01-01 (`days` ≥ 0).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    // A 400-year cycle has exactly 146,097 days, so this guess is within a year of the answer.
    let mut year = days * 400 / 146_097;
    while days_before_year(year) > days {
        year -= 1;
    }
    while days_before_year(year + 1) <= days {
        year += 1;
    }
    let mut day_of_year = days - days_before_year(year);
    let february = if is_leap(year) { 29 } else { 28 };
    let month_lengths = [31, february, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut month = 1;
    for length in month_lengths {
        if day_of_year < length {
            break;
        }
        day_of_year -= length;
        month += 1;
    }
    (year, month, day_of_year + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants_match_an_independent_calendar() {
        // Epoch milliseconds computed with Python's datetime (proleptic Gregorian, UTC).
        let cases = [
            (0, "1970-01-01T00:00:00.000Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (1_795_334_462_345, "2026-11-22T08:01:02.345Z"),
            (951_868_799_999, "2000-02-29T23:59:59.999Z"),
            (4_107_542_400_000, "2100-03-01T00:00:00.000Z"),
            (-2_203_934_399_999, "1900-02-28T12:00:00.001Z"),
            (-11_670_998_400_000, "1600-02-29T00:00:00.000Z"),
            (1_735_689_599_999, "2024-12-31T23:59:59.999Z"),
            (2_147_483_647_000, "2038-01-19T03:14:07.000Z"),
            (-62_135_596_800_000, "0001-01-01T00:00:00.000Z"),
            (-62_130_499_200_000, "0001-03-01T00:00:00.000Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        ];
        for (ms, expected) in cases {
            assert_eq!(rfc3339_ms(ms), expected, "epoch ms {ms}");
        }
    }

    #[test]
    fn out_of_range_times_clamp_to_four_digit_years() {
        assert_eq!(rfc3339_ms(i64::MIN), "0000-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_ms(MIN_MS - 1), "0000-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_ms(i64::MAX), "9999-12-31T23:59:59.999Z");
        assert_eq!(rfc3339_ms(MAX_MS + 1), "9999-12-31T23:59:59.999Z");
    }

    #[test]
    fn always_24_characters() {
        for ms in [MIN_MS, -1, 0, 1, 999, 1_000, 86_399_999, MAX_MS] {
            assert_eq!(rfc3339_ms(ms).len(), 24, "epoch ms {ms}");
        }
    }

    /// Walks every day from 0000-01-01 to 9999-12-31 and checks each date is the calendar
    /// successor of the one before, with its own simple day/month/year carry.
    #[test]
    fn every_day_follows_the_one_before() {
        let mut expected = (0i64, 1i64, 1i64);
        let last = days_before_year(10_000);
        for days in 0..last {
            assert_eq!(civil_from_days(days), expected, "day {days}");
            let (y, m, d) = expected;
            let month_length = match m {
                2 if is_leap(y) => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            expected = if d < month_length {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
        }
        assert_eq!(expected, (10_000, 1, 1));
        assert_eq!(days_before_year(1_970), DAYS_YEAR0_TO_EPOCH);
    }
}
