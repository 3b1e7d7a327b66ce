//! Number, size, date and vector formatting for the pages.

/// Seconds with two decimals, as MISC published them.
pub fn secs(t: f64) -> String {
    format!("{t:.2}")
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
    let secs = epoch as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60
    )
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(utc(1_306_900_800.0), "2011-06-01 04:00 UTC");
        assert_eq!(utc(0.0), "");
        assert_eq!(utc(951_782_400.0), "2000-02-29 00:00 UTC");
        assert_eq!(secs(1034.944), "1034.94");
        assert_eq!(mib(3 << 20), "3.0 MiB");
        assert_eq!(vector(&[0, -1]), "(0, -1)");
    }
}
