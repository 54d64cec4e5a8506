//! The files CC-FS generates (huawei-protocols.md §E.6): a ZIP holding `…_call_<n>.csv` (CDRs)
//! and `…_record_<n>.csv` (recording indexes), one record per line, columns in a fixed order.
//!
//! Columns are read by position. The reference does not say whether a header row comes first, so
//! a first row whose time column is not a time is taken for one; columns past the documented ones
//! (the real CDR has more) are ignored; a row with fewer is an error naming the file and line.

use std::io::{Cursor, Read};

use serde::Serialize;

/// Columns of a CDR row the reference documents (1–21).
pub const CDR_COLUMNS: usize = 21;
/// Columns of a recording-index row (1–18).
pub const RECORD_COLUMNS: usize = 18;
/// The largest unpacked CSV accepted (a ZIP bomb stops here).
const MAX_ENTRY_BYTES: u64 = 1 << 30;

/// One CDR (a leg of a call), as the file writes it. Times are `YYYY-MM-DD hh:mm:ss` in the
/// tenant's zone, or empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CdrRow {
    /// 1 developer (AK).
    pub developer: String,
    /// 2 tenant space.
    pub account_id: String,
    /// 3 call centre.
    pub cc_id: String,
    /// 4 agent.
    pub agent_id: String,
    /// 5 call id.
    pub call_id: String,
    /// 6 calling number.
    pub caller_no: String,
    /// 7 called number.
    pub callee_no: String,
    /// 8 queueing began.
    pub wait_begin: String,
    /// 9 queueing ended.
    pub wait_end: String,
    /// 10 ringing began.
    pub ack_begin: String,
    /// 11 ringing ended.
    pub ack_end: String,
    /// 12 talk began.
    pub call_begin: String,
    /// 13 talk ended.
    pub call_end: String,
    /// 14 device type (1 skill queue, 2 agent, 3 IVR).
    pub device_type: String,
    /// 15 device number.
    pub device_no: String,
    /// 16 call type code.
    pub call_type: String,
    /// 17 release cause (meaningful on the last leg).
    pub release_cause: String,
    /// 18 leg sequence; the last leg is -1.
    pub call_id_num: String,
    /// 19 VDN.
    pub vdn_id: String,
    /// 20 previous device type.
    pub pre_device_type: String,
    /// 21 previous device number.
    pub pre_device_no: String,
}

/// One recording index row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordRow {
    /// 1 developer (AK).
    pub developer: String,
    /// 2 tenant space.
    pub account_id: String,
    /// 3 call centre.
    pub cc_id: String,
    /// 4 agent.
    pub agent_id: String,
    /// 5 call id.
    pub call_id: String,
    /// 6 calling number.
    pub caller_no: String,
    /// 7 called number.
    pub callee_no: String,
    /// 8 recording began.
    pub call_begin: String,
    /// 9 recording ended.
    pub call_end: String,
    /// 10 relative path, for `downloadRecordFile`.
    pub file_name: String,
    /// 11 transcribed (1) or not (0).
    pub task_status: String,
    /// 12 transcription result.
    pub task_result: String,
    /// 13 the file's original name.
    pub original_file_name: String,
    /// 14 VDN.
    pub vdn_id: String,
    /// 15 inbound / outbound.
    pub call_type: String,
    /// 16 media type.
    pub media_type: String,
    /// 17 the skill the caller asked for.
    pub user_wanted_skill_id: String,
    /// 18 the skill that served.
    pub current_skill_id: String,
}

/// Everything one ZIP held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BillData {
    /// The CDRs of every `_call_` file, in file and line order.
    pub calls: Vec<CdrRow>,
    /// The recording indexes of every `_record_` file.
    pub records: Vec<RecordRow>,
    /// Entries that are neither (left alone), by name.
    pub other_entries: Vec<String>,
}

/// Why a downloaded file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BillError {
    /// Not a ZIP, or a damaged one.
    #[error("the downloaded file is not a readable ZIP: {0}")]
    NotAZip(String),
    /// An entry is larger than any real export.
    #[error("{entry} unpacks to more than 1 GiB; refusing it")]
    TooLarge {
        /// The entry's name.
        entry: String,
    },
    /// A CSV row that cannot be read.
    #[error("{entry}, line {line}: {reason}")]
    Row {
        /// The entry's name.
        entry: String,
        /// 1-based line.
        line: u64,
        /// What is wrong.
        reason: String,
    },
}

/// Unpacks a ZIP from `downloadBillFile` and reads its CSV files.
pub fn parse_bill_zip(bytes: &[u8]) -> Result<BillData, BillError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| BillError::NotAZip(e.to_string()))?;
    let mut data = BillData::default();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|e| BillError::NotAZip(e.to_string()))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().to_owned();
        let base = name.rsplit('/').next().unwrap_or(&name).to_ascii_lowercase();
        let kind = if base.contains("_call_") && base.ends_with(".csv") {
            Kind::Call
        } else if base.contains("_record_") && base.ends_with(".csv") {
            Kind::Record
        } else {
            data.other_entries.push(name);
            continue;
        };
        let mut text = Vec::with_capacity(entry.size().min(MAX_ENTRY_BYTES) as usize);
        (&mut entry).take(MAX_ENTRY_BYTES + 1).read_to_end(&mut text).map_err(|e| BillError::NotAZip(format!("{name}: {e}")))?;
        if text.len() as u64 > MAX_ENTRY_BYTES {
            return Err(BillError::TooLarge { entry: name });
        }
        match kind {
            Kind::Call => data.calls.extend(parse_rows(&name, &text, CDR_COLUMNS, 11, cdr_row)?),
            Kind::Record => data.records.extend(parse_rows(&name, &text, RECORD_COLUMNS, 7, record_row)?),
        }
    }
    Ok(data)
}

enum Kind {
    Call,
    Record,
}

/// Reads the CSV `text` of `entry`: rows of at least `columns` fields, mapped by `row`. The first
/// row is skipped as a header when its field `time_column` (0-based) is neither empty nor a time.
pub fn parse_rows<T>(entry: &str, text: &[u8], columns: usize, time_column: usize, row: fn(&[String]) -> T) -> Result<Vec<T>, BillError> {
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text);
    let mut out = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut first = true;
    loop {
        let more = reader.read_byte_record(&mut record).map_err(|e| BillError::Row {
            entry: entry.to_owned(),
            line: e.position().map_or(0, |p| p.line()),
            reason: e.to_string(),
        })?;
        if !more {
            return Ok(out);
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.len() == 1 && record.get(0).is_some_and(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        let fields: Vec<String> = record.iter().map(|f| String::from_utf8_lossy(f).trim().to_owned()).collect();
        if first {
            first = false;
            let time = fields.get(time_column).map(String::as_str).unwrap_or("");
            if !time.is_empty() && !is_time(time) {
                continue;
            }
        }
        if fields.len() < columns {
            return Err(BillError::Row {
                entry: entry.to_owned(),
                line,
                reason: format!("{} columns; this file's rows have at least {columns}", fields.len()),
            });
        }
        out.push(row(&fields));
    }
}

/// `YYYY-MM-DD hh:mm:ss`.
fn is_time(text: &str) -> bool {
    chrono::NaiveDateTime::parse_from_str(text, super::query::TIME_FORMAT).is_ok()
}

fn cdr_row(f: &[String]) -> CdrRow {
    let c = |i: usize| f.get(i).cloned().unwrap_or_default();
    CdrRow {
        developer: c(0),
        account_id: c(1),
        cc_id: c(2),
        agent_id: c(3),
        call_id: c(4),
        caller_no: c(5),
        callee_no: c(6),
        wait_begin: c(7),
        wait_end: c(8),
        ack_begin: c(9),
        ack_end: c(10),
        call_begin: c(11),
        call_end: c(12),
        device_type: c(13),
        device_no: c(14),
        call_type: c(15),
        release_cause: c(16),
        call_id_num: c(17),
        vdn_id: c(18),
        pre_device_type: c(19),
        pre_device_no: c(20),
    }
}

fn record_row(f: &[String]) -> RecordRow {
    let c = |i: usize| f.get(i).cloned().unwrap_or_default();
    RecordRow {
        developer: c(0),
        account_id: c(1),
        cc_id: c(2),
        agent_id: c(3),
        call_id: c(4),
        caller_no: c(5),
        callee_no: c(6),
        call_begin: c(7),
        call_end: c(8),
        file_name: c(9),
        task_status: c(10),
        task_result: c(11),
        original_file_name: c(12),
        vdn_id: c(13),
        call_type: c(14),
        media_type: c(15),
        user_wanted_skill_id: c(16),
        current_skill_id: c(17),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const CDR: &str = "ak,tenant-01,1,1001,1732200000-0001,+74952223344,40038,2026-11-20 10:00:00,2026-11-20 10:00:05,\
                       2026-11-20 10:00:05,2026-11-20 10:00:09,2026-11-20 10:00:09,2026-11-20 10:03:30,2,1001,0,0,-1,1,1,10";
    const RECORD: &str = "ak,tenant-01,1,1001,1732200000-0001,+74952223344,40038,2026-11-20 10:00:09,2026-11-20 10:03:30,\
                          /1/1/record/1001/20261120/1732200000-0001.wav,0,success,\"X:\\17\\0\\20261120\\1001\\1.V3\",1,inbound,audio,1,1";

    fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut out);
            for (name, text) in entries {
                zip.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap_or_else(|e| panic!("{e}"));
                zip.write_all(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
            }
            zip.finish().unwrap_or_else(|e| panic!("{e}"));
        }
        out.into_inner()
    }

    #[test]
    fn reads_both_files_by_position_with_or_without_a_header() {
        let header = "developer,account_id,cc_id,agent_id,call_id,caller_no,callee_no,wait_begin,wait_end,ack_begin,ack_end,call_begin,call_end,device_type,device_no,call_type,release_cause,call_id_num,vdn_id,pre_device_type,pre_device_no";
        let bytes = zip_of(&[
            ("20261120100000123456_call_1.csv", &format!("{header}\n{CDR}\n")),
            ("20261120100000123456_record_1.csv", &format!("{RECORD}\r\n")),
            ("readme.txt", "not a csv"),
        ]);
        let data = parse_bill_zip(&bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(data.calls.len(), 1);
        let call = &data.calls[0];
        assert_eq!((call.agent_id.as_str(), call.call_id.as_str(), call.caller_no.as_str()), ("1001", "1732200000-0001", "+74952223344"));
        assert_eq!((call.call_begin.as_str(), call.call_end.as_str()), ("2026-11-20 10:00:09", "2026-11-20 10:03:30"));
        assert_eq!((call.call_id_num.as_str(), call.pre_device_no.as_str()), ("-1", "10"));
        assert_eq!(data.records.len(), 1);
        assert_eq!(data.records[0].file_name, "/1/1/record/1001/20261120/1732200000-0001.wav");
        assert_eq!(data.records[0].original_file_name, "X:\\17\\0\\20261120\\1001\\1.V3");
        assert_eq!(data.records[0].current_skill_id, "1");
        assert_eq!(data.other_entries, vec!["readme.txt".to_owned()]);
    }

    #[test]
    fn ignores_columns_past_the_documented_ones_and_blank_lines() {
        let text = format!("\u{feff}{CDR},extra-1,extra-2\n\n{CDR}\n");
        let rows = parse_rows("x_call_1.csv", text.as_bytes(), CDR_COLUMNS, 11, cdr_row).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].developer, "ak", "the byte-order mark is not part of the first field");
        assert_eq!(rows[0].pre_device_no, "10");
    }

    #[test]
    fn a_short_row_is_an_error_naming_the_file_and_line() {
        let text = format!("{CDR}\nak,tenant-01,1\n");
        let e = parse_rows("x_call_1.csv", text.as_bytes(), CDR_COLUMNS, 11, cdr_row).err();
        assert_eq!(
            e,
            Some(BillError::Row { entry: "x_call_1.csv".into(), line: 2, reason: "3 columns; this file's rows have at least 21".into() })
        );
    }

    #[test]
    fn a_file_that_is_not_a_zip_says_so() {
        assert!(matches!(parse_bill_zip(b"{\"resultCode\":\"1004\"}"), Err(BillError::NotAZip(_))));
    }
}
