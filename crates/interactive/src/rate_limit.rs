//! A token bucket per source address, so one runaway or hostile sender cannot keep the agent's
//! app busy (or try tokens at speed: the limit is applied before the token is checked).
//!
//! Each source starts with a full bucket of `burst` requests, and gets `per_second` back each
//! second up to `burst`. A request that finds the bucket empty is refused (HTTP 429) with the
//! seconds until the next one would pass.
//!
//! Memory is bounded: at most [`MAX_SOURCES`] addresses are tracked. When a new address arrives
//! and the table is full, the buckets that have refilled (their sources have gone quiet) are
//! forgotten first; if none has, the new address is refused until one does. A PBX sends from a
//! handful of addresses, so the table only fills under a spread-out flood.
//!
//! Time is tokio's, so tests pause and advance it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The most source addresses tracked at once.
pub const MAX_SOURCES: usize = 4096;

/// How many requests one source address may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests a quiet source may send at once (0 is taken as 1).
    pub burst: u32,
    /// Requests per second a source gets back (0: never, once the burst is spent).
    pub per_second: u32,
}

impl Default for RateLimit {
    /// 20 at once, 10 a second: far above one IVR's calls to one agent, low enough to blunt a
    /// flood.
    fn default() -> Self {
        Self { burst: 20, per_second: 10 }
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    /// When `tokens` was last brought up to date.
    at: Instant,
}

/// The buckets of every tracked source.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    pub(crate) fn new(limit: RateLimit) -> Self {
        Self { limit, buckets: Mutex::new(HashMap::new()) }
    }

    fn burst(&self) -> f64 {
        f64::from(self.limit.burst.max(1))
    }

    /// Takes one request from `source`'s bucket at `now`; `Err` holds how long until one passes.
    pub(crate) fn take(&self, source: IpAddr, now: Instant) -> Result<(), Duration> {
        let burst = self.burst();
        let rate = f64::from(self.limit.per_second);
        // A poisoned lock only means another request panicked mid-update: the numbers are still
        // numbers, so carry on with them.
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= MAX_SOURCES && !buckets.contains_key(&source) {
            buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < burst);
            if buckets.len() >= MAX_SOURCES {
                return Err(Duration::from_secs(1));
            }
        }
        let bucket = buckets.entry(source).or_insert(Bucket { tokens: burst, at: now });
        bucket.tokens = (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * rate).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else if rate > 0.0 {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
        } else {
            Err(Duration::MAX)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    #[test]
    fn a_burst_passes_then_the_rate_refills() {
        let limiter = RateLimiter::new(RateLimit { burst: 3, per_second: 2 });
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take(ip(1), t0), Ok(()));
        }
        assert_eq!(limiter.take(ip(1), t0), Err(Duration::from_millis(500)), "one token every half second");
        assert_eq!(limiter.take(ip(2), t0), Ok(()), "another source has its own bucket");
        assert_eq!(limiter.take(ip(1), t0 + Duration::from_millis(500)), Ok(()));
        assert!(limiter.take(ip(1), t0 + Duration::from_millis(500)).is_err());
        for _ in 0..3 {
            assert_eq!(limiter.take(ip(1), t0 + Duration::from_secs(60)), Ok(()), "refilled up to the burst only");
        }
        assert!(limiter.take(ip(1), t0 + Duration::from_secs(60)).is_err());
    }

    #[test]
    fn the_table_of_sources_is_bounded() {
        let limiter = RateLimiter::new(RateLimit { burst: 1, per_second: 1 });
        let t0 = Instant::now();
        for i in 0..MAX_SOURCES {
            let source = IpAddr::from((i as u128).to_be_bytes());
            assert_eq!(limiter.take(source, t0), Ok(()));
        }
        assert!(limiter.take(ip(1), t0).is_err(), "a full table of busy sources refuses newcomers");
        assert_eq!(limiter.take(ip(1), t0 + Duration::from_secs(1)), Ok(()), "quiet sources are forgotten");
        assert!(limiter.buckets.lock().expect("not poisoned").len() <= 1);
    }
}
