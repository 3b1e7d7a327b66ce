//! Number, size, date and vector formatting for the pages (and for `misc score`'s tables).

/// Seconds with two decimals, as MISC published them.
pub fn secs(t: f64) -> String {
    format!("{t:.2}")
}

/// The fewest decimals (2 to 6) with which every two different values of `values` read
/// differently: a 6 ms difference reads `2.263` against `2.257`, not `2.26` against `2.26`.
/// Figures are whole microseconds, so 6 decimals always tell them apart.
pub fn decimals_to_tell_apart(values: &[f64]) -> usize {
    let mut micros: Vec<i64> = values
        .iter()
        .filter(|v| v.is_finite())
        .map(|v| (v * 1e6).round() as i64)
        .collect();
    micros.sort_unstable();
    micros.dedup();
    for d in 2..6 {
        let mut shown: Vec<String> = micros
            .iter()
            .map(|&m| format!("{:.d$}", m as f64 / 1e6))
            .collect();
        shown.dedup();
        if shown.len() == micros.len() {
            return d;
        }
    }
    6
}

/// Seconds with `decimals` decimals.
pub fn secs_to(t: f64, decimals: usize) -> String {
    format!("{t:.decimals$}")
}

/// Bytes as MiB with one decimal.
pub fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// A size in bytes, KiB or MiB, for people: `512 B`, `1.5 KiB`, `3.0 MiB`.
pub fn bytes(n: u64) -> String {
    match n {
        0..1024 => format!("{n} B"),
        1024..1_048_576 => format!("{:.1} KiB", n as f64 / 1024.0),
        _ => mib(n),
    }
}

/// A criteria vector as `(0, 1, -2)`.
pub fn vector(v: &[i64]) -> String {
    let parts: Vec<String> = v.iter().map(i64::to_string).collect();
    format!("({})", parts.join(", "))
}

/// Seconds since the Unix epoch as `YYYY-MM-DD HH:MM UTC`, or an empty string for 0 or an
/// invalid value.
pub fn utc(epoch: f64) -> String {
    if !epoch.is_finite() || epoch <= 0.0 || epoch > 1e12 {
        return String::new();
    }
    match time::OffsetDateTime::from_unix_timestamp(epoch as i64) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(utc(1_306_900_800.0), "2011-06-01 04:00 UTC");
        assert_eq!(utc(0.0), "");
        assert_eq!(utc(951_782_400.0), "2000-02-29 00:00 UTC");
        assert_eq!(utc(1.9), "1970-01-01 00:00 UTC");
        assert_eq!(utc(4_107_542_399.0), "2100-02-28 23:59 UTC");
        assert_eq!(utc(4_107_542_400.0), "2100-03-01 00:00 UTC");
        assert_eq!(utc(253_402_300_799.0), "9999-12-31 23:59 UTC");
        assert_eq!(utc(1e12), "33658-09-27 01:46 UTC");
        assert_eq!(utc(1e12 + 1.0), "");
        assert_eq!(utc(-5.0), "");
        assert_eq!(utc(f64::NAN), "");
        assert_eq!(secs(1034.944), "1034.94");
        assert_eq!(mib(3 << 20), "3.0 MiB");
        assert_eq!(vector(&[0, -1]), "(0, -1)");
        assert_eq!(decimals_to_tell_apart(&[2.263, 2.257]), 3);
        assert_eq!(decimals_to_tell_apart(&[2.263, 2.263, 9.0]), 2);
        assert_eq!(decimals_to_tell_apart(&[1.000_001, 1.000_002]), 6);
        assert_eq!(decimals_to_tell_apart(&[]), 2);
        assert_eq!(secs_to(2.2634, 3), "2.263");
    }
}
