//! What a recording request carries, and the limits ODFS puts on it. They are checked before
//! anything is sent (before a token is fetched, too), one field at a time, so the agent or the
//! administrator learns exactly which value to fix.

/// A request to start the packet-capture recording of a call (`inaction` 7), filled from the live
/// call and the settings. The token is the client's business and is not part of it.
///
/// Lengths count characters (Unicode scalar values), as the vendor's table says "characters". An
/// optional field that is `None` or empty is left out of the request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RecordRequest {
    /// The call's unique id, at most 64 characters; also sent as `userid`, the key ODFS keeps the
    /// call's dialog under. Required (see the module docs of [`crate::odfs`]).
    pub call_id: String,
    /// The subscriber: the caller's number in a voice call (`call_sor_id`), at most 64 characters.
    pub call_sor_id: Option<String>,
    /// The flow access code from the settings (`call_dst_id`), at most 20 characters. Required.
    pub call_dst_id: String,
    /// The called number through which the caller reached the IVR (`real_callee`), at most 32
    /// characters.
    pub real_callee: Option<String>,
    /// The CC-Gateway's id of the call (`cti_callid`), at most 32 characters.
    pub cti_callid: Option<String>,
}

/// A field of [`RecordRequest`] that ODFS would refuse. Nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordRequestError {
    /// A required field is empty.
    #[error("{field} ({what}) is required, and it is empty")]
    Missing {
        /// The vendor's name of the field, for example `call_dst_id`.
        field: &'static str,
        /// What the field holds, in words.
        what: &'static str,
    },
    /// A field is longer than ODFS accepts.
    #[error("{field} ({what}) is {length} characters long; ODFS accepts at most {max}")]
    TooLong {
        /// The vendor's name of the field.
        field: &'static str,
        /// What the field holds, in words.
        what: &'static str,
        /// Its length in characters.
        length: usize,
        /// The most ODFS accepts.
        max: usize,
    },
}

impl RecordRequestError {
    /// The vendor's name of the field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Missing { field, .. } | Self::TooLong { field, .. } => field,
        }
    }
}

/// One field's rule: its name, what it holds, whether it is required, and its limit.
struct Rule {
    field: &'static str,
    what: &'static str,
    required: bool,
    max: usize,
}

impl RecordRequest {
    /// Most characters of `call_id` (and so of `userid`).
    pub const CALL_ID_MAX: usize = 64;
    /// Most characters of `call_sor_id`.
    pub const CALL_SOR_ID_MAX: usize = 64;
    /// Most characters of `call_dst_id`, the flow access code.
    pub const CALL_DST_ID_MAX: usize = 20;
    /// Most characters of `real_callee`.
    pub const REAL_CALLEE_MAX: usize = 32;
    /// Most characters of `cti_callid`.
    pub const CTI_CALLID_MAX: usize = 32;

    /// Each field with its rule, in the order of the vendor's table.
    fn fields(&self) -> [(Option<&str>, Rule); 5] {
        let rule = |field, what, required, max| Rule { field, what, required, max };
        [
            (Some(self.call_id.as_str()), rule("call_id", "the call id, also sent as userid", true, Self::CALL_ID_MAX)),
            (self.call_sor_id.as_deref(), rule("call_sor_id", "the caller's number", false, Self::CALL_SOR_ID_MAX)),
            (Some(self.call_dst_id.as_str()), rule("call_dst_id", "the flow access code", true, Self::CALL_DST_ID_MAX)),
            (self.real_callee.as_deref(), rule("real_callee", "the called number", false, Self::REAL_CALLEE_MAX)),
            (self.cti_callid.as_deref(), rule("cti_callid", "the CC-Gateway call id", false, Self::CTI_CALLID_MAX)),
        ]
    }

    /// Checks every documented limit and required field; the first broken one is the error. A
    /// value of only spaces counts as empty.
    pub fn validate(&self) -> Result<(), RecordRequestError> {
        for (value, rule) in self.fields() {
            let value = value.unwrap_or("");
            if value.trim().is_empty() {
                if rule.required {
                    return Err(RecordRequestError::Missing { field: rule.field, what: rule.what });
                }
                continue;
            }
            let length = value.chars().count();
            if length > rule.max {
                return Err(RecordRequestError::TooLong { field: rule.field, what: rule.what, length, max: rule.max });
            }
        }
        Ok(())
    }
}

/// ODFS confirmed the recording (`ret` 0, `outaction` 7).
#[derive(Debug, Clone, PartialEq)]
pub struct RecordStarted {
    /// The `userid` ODFS answered with (the vendor's example shows one that differs from the
    /// request's; it is kept as sent, for the log).
    pub userid: String,
    /// `outparams` of the answer (empty in the vendor's example).
    pub outparams: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok() -> RecordRequest {
        RecordRequest {
            call_id: "1528780879-9581".into(),
            call_sor_id: Some("13500000001".into()),
            call_dst_id: "10086".into(),
            real_callee: None,
            cti_callid: Some("1528780879-9581".into()),
        }
    }

    #[test]
    fn the_limits_are_inclusive_and_count_characters() {
        let mut r = ok();
        r.call_dst_id = "ж".repeat(20);
        assert_eq!(r.validate(), Ok(()), "20 characters (40 bytes) is within the limit");
        r.call_dst_id.push('1');
        assert_eq!(
            r.validate().unwrap_err().to_string(),
            "call_dst_id (the flow access code) is 21 characters long; ODFS accepts at most 20"
        );
    }

    #[test]
    fn optional_fields_may_be_empty_required_ones_may_not() {
        let r = RecordRequest { call_id: "1".into(), call_dst_id: "2".into(), ..Default::default() };
        assert_eq!(r.validate(), Ok(()));
        let r = RecordRequest { call_id: "1".into(), call_dst_id: "  ".into(), ..Default::default() };
        assert_eq!(r.validate().unwrap_err().to_string(), "call_dst_id (the flow access code) is required, and it is empty");
    }
}
